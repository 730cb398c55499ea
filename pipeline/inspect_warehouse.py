"""What a warehouse holds: partitions, rows per table, the last runs and their validation
outcome, quarantine counts by reason, where the validation reports and Data Docs are.

Used by `make run`'s summary and `python -m pipeline inspect`. Reads only what is published
(plus the validation reports, because a date that failed validation has no run row: nothing of
it was published, and the report is the only trace an operator can find).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from pipeline.layout import DATA_DOCS, SERVICE_DIRS, validation_dir
from schemas import PARTITION_KEY, TABLES


class NotAWarehouse(ValueError):
    """The folder has none of the warehouse's tables."""

    @classmethod
    def for_path(cls, root: str | Path, source: str | None = None) -> NotAWarehouse:
        """The message names commands that work: inspecting the nearest existing warehouse (a
        folder beside it, a likely typo first), or building this one with `run`."""
        import shlex

        root = Path(root)
        what = "does not exist" if not root.exists() else "has no table folders (documents/, events/, ...)"
        hints = [f"`python -m pipeline inspect {shlex.quote(str(w))}`" for w in nearest_warehouses(root)]
        build = ["python", "-m", "pipeline", "run"] + (["--source", str(Path(source).resolve())] if source else [])
        hints.append(
            f"`{shlex.join([*build, '--warehouse', str(root.resolve())])}` to build it (`make run` builds ./warehouse)"
        )
        return cls(
            f"{root} is not a warehouse ({what}): try "
            + ", or ".join(hints)
            + "; the warehouse is also read from NEWSEVENTS_WAREHOUSE"
        )


def nearest_warehouses(root: Path, limit: int = 2) -> list[Path]:
    """Existing warehouses beside `root` (in its parent folder, or in the nearest parent that
    exists), closest name first."""
    import difflib

    parent = root.resolve().parent
    while not parent.is_dir() and parent != parent.parent:
        parent = parent.parent
    try:
        found = [p for p in parent.iterdir() if p != root.resolve() and is_warehouse(p)]
    except OSError:
        return []
    found.sort(key=lambda p: (-difflib.SequenceMatcher(None, p.name, root.name).ratio(), p.name))
    return found[:limit]


def is_warehouse(root: str | Path) -> bool:
    """A folder with at least one table folder or one of the pipeline's service folders."""
    root = Path(root)
    return root.is_dir() and any((root / name).is_dir() for name in (*TABLES, *SERVICE_DIRS))


def partitions_of(root: Path, table_name: str) -> list[str]:
    """Partition dates from the folder names, cheap even for years of partitions."""
    folder = root / table_name
    if not folder.is_dir():
        return []
    prefix = f"{PARTITION_KEY}="
    return sorted(
        p.name[len(prefix) :] for p in folder.iterdir() if p.name.startswith(prefix) and any(p.glob("*.parquet"))
    )


def row_count(root: Path, table_name: str, corrupt: list | None = None) -> int:
    """Rows from the Parquet footers, without reading the data; unreadable files go to `corrupt`."""
    import pyarrow.parquet as pq

    from pipeline.warehouse import readable_files

    folder = root / table_name
    if not folder.is_dir():
        return 0
    good, bad = readable_files(folder)
    if corrupt is not None:
        corrupt.extend(bad)
    return sum(pq.ParquetFile(p).metadata.num_rows for p in good)


def last_runs(root: str | Path, corrupt: list | None = None) -> list[dict]:
    """The last recorded run of each date (by finish time), oldest date first.

    A `runs` file that cannot be read is left out and appended to `corrupt` (when given; else
    CorruptFile is raised naming it)."""
    from pipeline.warehouse import read_table

    table = read_table(Path(root), "runs", skip_corrupt=corrupt)
    if table is None:
        return []
    rows = sorted(table.to_pylist(), key=lambda r: (str(r["finished_at"]), r["run_id"]))
    last: dict[str, dict] = {}
    for r in rows:
        last[str(r[PARTITION_KEY])] = r
    return [
        {
            "date": d,
            "run_id": r["run_id"],
            "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None,
            "validation": r["validation"],
            "documents": r["documents"],
            "events": r["events"],
            "report": r["validation_report"],
        }
        for d, r in sorted(last.items())
    ]


def validation_reports(root: Path) -> list[dict]:
    """The newest validation report of each date with its outcome, including dates whose
    validation failed (and which therefore have no run row and no partition)."""
    folder = Path(validation_dir(root))
    if not folder.is_dir():
        return []
    newest: dict[str, Path] = {}
    for path in folder.glob("*/*.json"):
        day = path.parent.name
        if day not in newest or path.stat().st_mtime > newest[day].stat().st_mtime:
            newest[day] = path
    reports = []
    for day, path in sorted(newest.items()):
        try:
            outcome = json.loads(path.read_text(encoding="utf-8")).get("outcome", "unknown")
        except (OSError, ValueError, AttributeError):
            outcome = "unreadable"
        reports.append({"date": day, "outcome": outcome, "report": str(path)})
    return reports


def data_docs_index(root: Path) -> str | None:
    """The Data Docs entry page when validation rendered one under the warehouse."""
    pages = sorted(root.glob(f"{DATA_DOCS}/**/index.html"), key=lambda p: (len(p.parts), str(p)))
    return str(pages[0]) if pages else None


def quarantine_by_reason(root: Path, corrupt: list | None = None) -> dict[str, int]:
    from pipeline.warehouse import read_table

    table = read_table(root, "quarantine", skip_corrupt=corrupt)
    if table is None:
        return {}
    return dict(sorted(Counter(table.column("reason").to_pylist()).items()))


def mixed_dates(root: Path, days: set[dt.date] | None = None) -> list[dict]:
    """Dates whose tables carry different publish fingerprints: they come from two runs."""
    from pipeline.warehouse import PUBLISH_STEPS, partition_fingerprints

    tables = PUBLISH_STEPS[:3]  # the partitioned tables one publish replaces together
    if days is None:
        days = {dt.date.fromisoformat(d) for d in partitions_of(root, tables[0])}
    out = []
    for day in sorted(days):
        try:
            prints = partition_fingerprints(root, day, tables)
        except Exception:  # an unreadable file: reported as corrupt by the footer scan
            continue
        if len({v for v in prints.values() if v is not None}) > 1:
            out.append({"date": day.isoformat(), "fingerprints": prints})
    return out


def damaged_dates(root: str | Path, days: set[dt.date] | None = None) -> set[dt.date]:
    """Dates a resume must rerun: an open publish journal, or tables from two runs."""
    from pipeline.warehouse import journal_days

    open_days = set(journal_days(root))
    return open_days | {dt.date.fromisoformat(m["date"]) for m in mixed_dates(Path(root), days)}


def summarize(root: str | Path, last: int = 10) -> dict:
    """Everything `inspect` shows, as plain JSON-able data.

    `damage` lists what still needs an operator or a rerun: interrupted publishes not repaired,
    dates whose tables come from two runs, files that cannot be read (named)."""
    from pipeline.warehouse import interrupted_publishes, publish_in_progress

    root = Path(root)
    if not is_warehouse(root):
        raise NotAWarehouse.for_path(root)
    corrupt: list = []
    tables = {}
    for name, spec in TABLES.items():
        parts = partitions_of(root, name) if spec.partitioned else []
        info: dict = {
            "rows": row_count(root, name, corrupt),
            "partitions": len(parts),
            "files": len(list((root / name).rglob("*.parquet"))) if (root / name).is_dir() else 0,
            "present": (root / name).is_dir(),
        }
        if parts:
            info["first"], info["last"] = parts[0], parts[-1]
        tables[name] = info
    runs = last_runs(root, [])
    reports = validation_reports(root)
    failed = [r for r in reports if r["outcome"] == "failed" and _newer_than_run(r, runs)]
    interrupted = [
        {
            "date": j.get("published_date"),
            "run_id": j.get("run_id"),
            "detail": j.get("unreadable", "publish not finished"),
        }
        for j in interrupted_publishes(root)
        if not publish_in_progress(root, dt.date.fromisoformat(j["published_date"]))
    ]
    mixed = mixed_dates(root)
    quarantine = quarantine_by_reason(root, [])
    damage = (
        [f"interrupted publish of {i['date']} (run {i['run_id']}): {i['detail']}; rerun the date" for i in interrupted]
        + [f"tables of {m['date']} come from two runs {m['fingerprints']}: rerun the date" for m in mixed]
        + [str(c) for c in corrupt]
    )
    return {
        "warehouse": str(root.resolve()),
        "inspected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": tables,
        "partitions": partitions_of(root, "documents"),
        "last_runs": runs[-last:] if last else runs,
        "runs_total": len(runs),
        "validation": dict(Counter(r["validation"] for r in runs)),
        "failed_validation": failed,
        "quarantine_by_reason": quarantine,
        "interrupted_publishes": interrupted,
        "corrupt_files": [c.path for c in corrupt],
        "damage": damage,
        "validation_reports": validation_dir(root.resolve()) if reports else None,
        "data_docs": data_docs_index(root),
    }


def _newer_than_run(report: dict, runs: list[dict]) -> bool:
    """A failed report counts when no later run of that date published."""
    run = next((r for r in runs if r["date"] == report["date"]), None)
    if run is None or not run["finished_at"]:
        return True
    finished = dt.datetime.fromisoformat(run["finished_at"]).timestamp()
    return Path(report["report"]).stat().st_mtime > finished


def format_summary(summary: dict) -> str:
    """The human view of `summarize`."""
    lines = [f"warehouse: {summary['warehouse']}", "tables:"]
    for name, info in summary["tables"].items():
        if not info["present"]:
            lines.append(f"  {name:17s} (absent)")
            continue
        if not TABLES[name].partitioned:
            lines.append(f"  {name:17s} rows={info['rows']:<8d} files={info['files']} (not partitioned)")
            continue
        span = f"  {info['first']} .. {info['last']}" if info.get("first") else ""
        lines.append(f"  {name:17s} rows={info['rows']:<8d} partitions={info['partitions']:<5d}{span}")
    parts = summary["partitions"]
    if parts:
        shown = ", ".join(parts) if len(parts) <= 12 else ", ".join(parts[:6]) + ", ..., " + ", ".join(parts[-3:])
        lines.append(f"partitions ({len(parts)}): {shown}")
    if summary["last_runs"]:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(summary["validation"].items()))
        lines.append(f"last run per date ({len(summary['last_runs'])} of {summary['runs_total']} shown; {counts}):")
        for r in summary["last_runs"]:
            lines.append(
                f"  {r['date']}  {r['validation'] or '?':8s} docs={r['documents']!s:<5s} events={r['events']!s:<6s} {r['run_id']}"
            )
    else:
        lines.append("runs: none recorded")
    for r in summary["failed_validation"]:
        lines.append(f"FAILED validation {r['date']} (not published): {r['report']}")
    for r in summary.get("repaired", []):
        lines.append(f"repaired: interrupted publish of {r['date']} (run {r['run_id']}) {r['action']}")
    for d in summary["damage"]:
        lines.append(f"DAMAGED: {d}")
    quarantine = summary["quarantine_by_reason"]
    if quarantine:
        total = sum(quarantine.values())
        lines.append(f"quarantine ({total}): " + ", ".join(f"{k}={v}" for k, v in quarantine.items()))
    else:
        lines.append("quarantine: empty")
    if summary["validation_reports"]:
        lines.append(f"validation reports: {summary['validation_reports']}")
    if summary["data_docs"]:
        lines.append(f"data docs: {summary['data_docs']}")
    return "\n".join(line.rstrip() for line in lines)
