"""What `run` and `backfill` print when they end: per date, then totals that add up over the
whole source, the quarantine by reason with an example and its fix, and on failure the exact
command that reruns the failed dates.

The per-date counts only see a date's inputs; an input without a date, an unreadable file or a
bad manifest row belongs to no date. The totals therefore come from the source itself (the
ingest index makes this a read of one file): inputs = documents + duplicates + quarantined
+ inputs of dates not published (failed validation, or outside --start/--end).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.records import Published

# The run options a rerun must repeat when they were given as flags (settings_from's names).
RERUN_FLAGS = ("model", "max_file_bytes", "shard_size", "batch_size", "processes")


@dataclass
class SourceTally:
    """The whole source: inputs, valid inputs (documents and duplicates) per date, quarantine by reason."""

    inputs: int = 0
    per_day: dict[dt.date, Counter] = field(default_factory=dict)
    quarantine: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> "path: detail" of its first input


def tally_source(source: str | Path, settings: Settings) -> SourceTally:
    """Count every input of the source by outcome, from the same decisions ingest makes."""
    from pipeline.ingest import Limits, scan
    from pipeline.layout import index_dir_for

    _, decisions, _ = scan(Path(source), Limits.from_env(settings.max_file_bytes), index_dir_for(settings.warehouse))
    tally = SourceTally(inputs=len(decisions))
    for d in sorted(decisions, key=lambda d: d.fact.source_path):
        if d.reason in (None, "duplicate"):
            kind = "documents" if d.reason is None else "duplicates"
            tally.per_day.setdefault(d.day, Counter())[kind] += 1
        else:
            tally.quarantine[d.reason] += 1
            tally.examples.setdefault(d.reason, f"{d.fact.source_path}: {d.detail}")
    return tally


def reasons_text(quarantine: Counter) -> str:
    """`no date 3, unreadable 2, too large 1`: most frequent first."""
    ordered = sorted(quarantine.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in ordered)


def totals_line(tally: SourceTally, results: list[Published], failed: list[dt.date]) -> str:
    """One line over the whole source whose parts add up to its inputs."""
    published = {r.day for r in results}
    documents = sum(c["documents"] for day, c in tally.per_day.items() if day in published)
    duplicates = sum(c["duplicates"] for day, c in tally.per_day.items() if day in published)
    failed_inputs = sum(sum(c.values()) for day, c in tally.per_day.items() if day in set(failed))
    quarantined = sum(tally.quarantine.values())
    outside = tally.inputs - documents - duplicates - quarantined - failed_inputs
    parts = [f"inputs={tally.inputs}", f"documents={documents}", f"duplicates={duplicates}"]
    parts.append(f"quarantined={quarantined}" + (f" ({reasons_text(tally.quarantine)})" if quarantined else ""))
    if failed_inputs:
        parts.append(f"not published (failed validation)={failed_inputs}")
    if outside:
        parts.append(f"outside the dates run={outside}")
    events = sum(r.counts.events or 0 for r in results)
    return "totals: " + ", ".join(parts) + f"; events={events}"


def quarantine_lines(tally: SourceTally) -> list[str]:
    """Each reason with one example input and what to do about it (`inspect` lists them all)."""
    if not tally.quarantine:
        return []
    lines = [f"quarantined inputs of the whole source ({sum(tally.quarantine.values())}), one example per reason:"]
    for reason, n in sorted(tally.quarantine.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {reason} ({n}): {tally.examples[reason]}")
    return lines


def print_summary(
    results: list[Published], failures: list[tuple[dt.date, str]], settings: Settings, tally: SourceTally
) -> None:
    written = [r for r in results if r.counts.documents]
    print(f"warehouse: {Path(settings.warehouse).resolve()}")
    print(f"partitions written: {len(written)} of {len(results) + len(failures)} days")
    for r in results:
        checks = f" checks={r.checks}" if r.checks is not None else ""
        print(f"  {r.day}: {json.dumps(r.counts.as_dict())} validation={r.validation}{checks}")
        if r.data_docs:
            print(f"    data docs: {r.data_docs}")
    for day, _ in failures:
        print(f"  {day}: validation=failed, nothing published for this date")
    print(totals_line(tally, results, [d for d, _ in failures]))
    for line in quarantine_lines(tally):
        print(line)


def rerun_command(first: dt.date, last: dt.date, settings: Settings, flags: dict[str, object]) -> str:
    """The command that reruns [first, last] on the same source and warehouse with the same flags."""
    words = ["python", "-m", "pipeline", "backfill", "--start", str(first), "--end", str(last)]
    words += ["--source", str(Path(settings.source).resolve()), "--warehouse", str(Path(settings.warehouse).resolve())]
    for name in RERUN_FLAGS:
        if flags.get(name) is not None:
            words += [f"--{name.replace('_', '-')}", str(flags[name])]
    return shlex.join(words)


def progress_bar(total: int, label: str, enabled: bool | None):
    """A tqdm bar on stderr labelled with the command; by default only when stderr is a terminal
    (piped or redirected output stays free of bar redraws). None when there is no bar."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="day", file=sys.stderr, dynamic_ncols=True)
