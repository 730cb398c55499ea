"""Command line: `python -m pipeline COMMAND` (see `--help`).

Exit codes: 0 success; 1 a run failed (validation or a stage error, message says which);
2 bad usage (wrong date format, unreadable source, not a warehouse); 3 missing model package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from pipeline.config import ENV_PREFIX, Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3


class UsageError(Exception):
    """Wrong input from the user: printed with what to do, exit code 2."""


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-11-16") from None


def dates_for(source: Path, start: dt.date | None, end: dt.date | None, settings: Settings) -> list[dt.date]:
    """Dates to run: every day of the inclusive range, or the publication dates found in the source."""
    if start and end:
        if end < start:
            raise UsageError(f"--end {end} is before --start {start}")
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    from pipeline.ingest import publication_dates

    found = publication_dates(source, settings.max_file_bytes)
    return [d for d in found if (start is None or d >= start) and (end is None or d <= end)]


def check_source(source: Path) -> None:
    if not source.exists():
        raise UsageError(
            f"source {source} does not exist: give a folder of .txt files or a .jsonl(.gz) file with --source"
        )
    if source.is_dir():
        try:
            next(iter(source.iterdir()), None)
        except PermissionError:
            raise UsageError(f"source {source} cannot be read: check its permissions") from None


def cmd_run(args: argparse.Namespace, settings: Settings, progress: bool = False) -> int:
    from pipeline.stages import run_partition

    source = Path(settings.source)
    check_source(source)
    if settings.processes < 1:
        raise UsageError(f"--processes {settings.processes}: give 1 or more worker processes")
    days = dates_for(source, args.start, args.end, settings)
    if not days:
        print(f"no documents with a valid publication date in {source}; nothing to do")
        return EXIT_OK
    iterator = days
    if progress:
        from tqdm import tqdm

        iterator = tqdm(days, desc="partitions", unit="day")
    if settings.processes > 1:
        from pipeline.parallel import run_partitions_parallel

        results = run_partitions_parallel(
            str(source),
            settings.warehouse,
            days,
            settings,
            settings.processes,
            lambda day: f"cli__{day.isoformat()}",
            on_done=(lambda _result: iterator.update(1)) if progress else None,
        )
        if progress:
            iterator.close()
        print_summary(results, settings.warehouse)
        return EXIT_OK
    results = []
    for day in iterator:
        results.append(run_partition(str(source), settings.warehouse, day, f"cli__{day.isoformat()}", settings))
    print_summary(results, settings.warehouse)
    return EXIT_OK


def print_summary(results: list[dict], warehouse: str) -> None:
    totals: dict[str, int] = {}
    for r in results:
        for k, v in r["counts"].items():
            totals[k] = totals.get(k, 0) + (v or 0)
    written = [r for r in results if r["counts"].get("documents")]
    print(f"warehouse: {Path(warehouse).resolve()}")
    print(f"partitions written: {len(written)} of {len(results)} days")
    for r in results:
        print(f"  {r['day']}: {json.dumps(r['counts'])} validation={r['validation']}")
    print("totals: " + ", ".join(f"{k}={v}" for k, v in totals.items()))


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.evaluate import evaluate

    report = evaluate(Path(args.gold), Path(args.warehouse or settings.warehouse))
    print(json.dumps({k: report[k] for k in ("precision", "recall", "f1", "arguments")}, indent=2))
    if args.min_f1 is not None and report["f1"] < args.min_f1:
        return EXIT_FAILED
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.inspect_warehouse import NotAWarehouse, format_summary, summarize

    try:
        summary = summarize(args.warehouse or settings.warehouse)
    except NotAWarehouse as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(summary, indent=2, default=str) if args.json else format_summary(summary))
    return EXIT_OK


def cmd_airflow_run(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.airflow_local import run_through_airflow
    from pipeline.inspect_warehouse import format_summary, summarize

    source = Path(settings.source)
    check_source(source)
    days = dates_for(source, args.start, args.end, settings) if (args.start or args.end) else None
    run_through_airflow(source, Path(settings.warehouse), days=days)
    print(format_summary(summarize(settings.warehouse)))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="News event extraction: articles in, validated Parquet event tables out.",
        epilog=f"Settings also come from environment variables {ENV_PREFIX}SOURCE, {ENV_PREFIX}WAREHOUSE, "
        f"{ENV_PREFIX}MODEL, {ENV_PREFIX}MAX_FILE_BYTES, {ENV_PREFIX}BATCH_SIZE, {ENV_PREFIX}SHARD_SIZE, {ENV_PREFIX}PROCESSES. "
        "Exit codes: 0 ok, 1 run failed, 2 usage error, 3 model package missing.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every stage")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--source", help="folder of .txt articles (+ manifest.csv) or a .jsonl(.gz) export")
        p.add_argument("--warehouse", help="warehouse root folder (default ./warehouse)")
        p.add_argument("--start", type=parse_day, help="first publication date, YYYY-MM-DD")
        p.add_argument("--end", type=parse_day, help="last publication date, inclusive")
        p.add_argument("--model", help="spaCy pipeline package name")
        p.add_argument("--shard-size", dest="shard_size", type=int, help="documents per extraction shard")
        p.add_argument("--batch-size", dest="batch_size", type=int, help="nlp.pipe batch size")
        p.add_argument(
            "--processes",
            type=int,
            help="worker processes (one spaCy model each) running partitions and shards side by side; default 1",
        )

    add_common(sub.add_parser("run", help="run every stage over the publication dates in the source (no Airflow)"))
    add_common(sub.add_parser("backfill", help="run a date range without Airflow, with a progress bar"))
    add_common(
        sub.add_parser(
            "airflow-run",
            help="run the real Airflow DAG (scheduler + backfills) over the source's dates",
        )
    )
    ins = sub.add_parser("inspect", help="what a warehouse holds: partitions, rows, last runs, quarantine")
    ins.add_argument("warehouse", nargs="?", help="warehouse root (default ./warehouse)")
    ins.add_argument("--json", action="store_true", help="machine-readable output")
    ev = sub.add_parser("evaluate", help="score a warehouse against a gold file (GUIDELINES.md rules)")
    ev.add_argument("gold", help="gold events JSON Lines, e.g. gold/seed_events.jsonl")
    ev.add_argument("warehouse", nargs="?", help="warehouse root (default ./warehouse)")
    ev.add_argument("--min-f1", type=float, help="exit 1 when F1 is below this")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    settings = Settings().with_overrides(
        **{k: getattr(args, k, None) for k in ("source", "warehouse", "model", "shard_size", "batch_size", "processes")}
    )
    try:
        if args.command == "run":
            return cmd_run(args, settings)
        if args.command == "backfill":
            if not (args.start and args.end):
                raise UsageError("backfill needs --start and --end (YYYY-MM-DD)")
            return cmd_run(args, settings, progress=True)
        if args.command == "evaluate":
            return cmd_evaluate(args, settings)
        if args.command == "inspect":
            return cmd_inspect(args, settings)
        if args.command == "airflow-run":
            return cmd_airflow_run(args, settings)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as exc:
        from pipeline.validate import ValidationFailed

        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, ValidationFailed):
            return EXIT_FAILED
        return EXIT_MODEL if "model package" in str(exc) else EXIT_FAILED
    return EXIT_USAGE
