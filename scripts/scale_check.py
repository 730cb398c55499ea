"""The scale-out check behind `make test-scale` (started by scripts/test_scale.sh, which provides
PostgreSQL and Redis on loopback and the `AIRFLOW__*` variables for the CeleryExecutor).

Builds a two-day source from the seeds (several documents per day), runs it once through the
command line (one process, one shard per day: the reference) and once through the real DAG
under the CeleryExecutor with two Celery workers and one document per mapped extract shard,
then checks that every published table is identical. Exits 1 with what differs otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TABLES = ("documents", "events", "removed_segments")


def two_day_source(seeds: Path, target: Path, days: tuple[dt.date, dt.date]) -> dict[dt.date, int]:
    """Copy the seed articles into `target` with a manifest that puts the first three on the
    first day and the others on the second, so each day has several documents to shard."""
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(seeds.glob("*.txt"))
    per_day: dict[dt.date, int] = {}
    lines = ["file,published_date"]
    for i, path in enumerate(files):
        shutil.copy2(path, target / path.name)
        day = days[0] if i < 3 else days[1]
        per_day[day] = per_day.get(day, 0) + 1
        lines.append(f"{path.name},{day.isoformat()}")
    (target / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return per_day


def table_differences(reference: Path, candidate: Path, days: list[dt.date]) -> list[str]:
    """Every table partition of `candidate` that is not identical to `reference`'s."""
    import pyarrow.parquet as pq

    problems = []
    for table in TABLES:
        for day in days:
            part = f"{table}/published_date={day.isoformat()}/part-0.parquet"
            a, b = reference / part, candidate / part
            if not b.is_file():
                problems.append(f"{part}: missing from the Celery run's warehouse")
                continue
            ta, tb = pq.read_table(a), pq.read_table(b)
            if not ta.equals(tb):
                problems.append(
                    f"{part}: {ta.num_rows} rows in the reference, {tb.num_rows} in the Celery run, or values differ"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True, help="scratch folder (source, warehouses, AIRFLOW_HOME)")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers to start")
    args = parser.parse_args(argv)
    # a TERM from test_scale.sh's trap unwinds like Ctrl-C, so running_airflow stops its processes
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    executor = os.environ.get("AIRFLOW__CORE__EXECUTOR")
    if executor != "CeleryExecutor" or not os.environ.get("AIRFLOW__CELERY__BROKER_URL"):
        print(
            "error: run this through scripts/test_scale.sh (`make test-scale`): it needs the CeleryExecutor variables"
        )
        return 2
    from pipeline import airflow_local as al
    from pipeline.cli import main as cli_main

    work = Path(args.workdir)
    days = (dt.date(2024, 3, 1), dt.date(2024, 3, 2))
    source = work / "source"
    per_day = two_day_source(ROOT / "seeds", source, days)
    shard_size = int(os.environ.get("NEWSEVENTS_SHARD_SIZE", "1"))
    print(f"[scale] source {source}: documents per day { ({d.isoformat(): n for d, n in per_day.items()}) }")
    print(
        f"[scale] shards per day at NEWSEVENTS_SHARD_SIZE={shard_size}: {[-(-n // shard_size) for n in per_day.values()]}"
    )

    reference = work / "reference"
    code = cli_main(["run", "--source", str(source), "--warehouse", str(reference), "--shard-size", "1000"])
    if code != 0:
        print(f"error: the reference command-line run failed (exit {code})")
        return 1
    print(f"[scale] reference: command line, one process, one shard per day -> {reference}")

    celery = work / "celery"
    home = work / "airflow"
    runs = al.run_through_airflow(
        source,
        celery,
        home=home,
        days=list(days),
        progress=lambda m: print(f"[scale] {m}"),
        celery_workers=args.workers,
    )
    print(f"[scale] DAG runs: {[(r['run_id'], r['state']) for r in runs]}")

    problems = table_differences(reference, celery, list(days))
    if problems:
        print("FAILED: the CeleryExecutor run's tables differ from the reference:\n  " + "\n  ".join(problems))
        return 1
    print(f"OK: {len(TABLES)} tables x {len(days)} partitions identical to the one-process run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
