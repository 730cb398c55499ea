"""What Airflow adds to a backfill: the same one-month range through the command line and
through the real scheduler, side by side in one run.

    .venv/bin/python -m benchmarks.airflow_overhead                 # March 2013 of the corpus
    .venv/bin/python -m benchmarks.airflow_overhead --variant fork:AIRFLOW__SCHEDULER__MP_START_METHOD=fork

The month is the corpus's March 2013: 49 dated articles on 18 of its 31 days (found by
`pick_month`: the first month with exactly that shape), written as a JSON Lines source in a
temporary folder (never into the project). Then, one after the other:

- `python -m pipeline backfill --start 2013-03-01 --end 2013-03-31` (every day, one process);
- `python -m pipeline airflow-run --start ... --end ...` with a fresh AIRFLOW_HOME: metadata DB
  migration, api-server, scheduler and dag-processor start, one Airflow backfill of the 31 days
  (a DAG run a day), stop. Wall time from start to exit, start-up included. Each `--variant
  LABEL:VAR=VALUE,...` runs it again with those environment variables (e.g. the old settings),
  so what a setting buys is measured in the same run, not remembered.

Per DAG run it reads the metadata DB: the run's wall (start to end, scheduler latency
included) and each task's duration; an empty day's cost is its run's wall. It checks that both
paths published the same tables. Figures: benchmarks/results/airflow_overhead.json. Without
the corpus it says so and exits 0.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, dated_records

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "airflow_overhead.json"
TABLES = ("documents", "events", "removed_segments")


def pick_month(corpus: Path, articles: int = 49, days: int = 18) -> tuple[int, int]:
    """The first month of the corpus with `articles` dated articles on `days` of its days."""
    per_month: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for _, day in dated_records(corpus):
        per_month[(day.year, day.month)][day] += 1
    for month, counts in sorted(per_month.items()):
        if sum(counts.values()) == articles and len(counts) == days:
            return month
    raise SystemExit(f"no month of {corpus} has {articles} dated articles on {days} days")


def write_month(corpus: Path, year: int, month: int, target: Path) -> dict:
    """The month's dated records as JSON Lines (`published_date` as ingest reads it)."""
    n, days = 0, set()
    with target.open("w", encoding="utf-8") as fh:
        for record, day in dated_records(corpus):
            if (day.year, day.month) == (year, month):
                fh.write(json.dumps({**record, "published_date": day.isoformat()}) + "\n")
                n, days = n + 1, days | {day}
    return {"articles": n, "days_with_articles": len(days)}


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:4])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return round(wall, 2), proc


def dag_runs(home: Path) -> list[dict]:
    """Per backfill DAG run: its wall and its tasks' durations, from the metadata DB."""
    db = sqlite3.connect(home / "airflow.db")
    db.row_factory = sqlite3.Row
    runs = db.execute(
        "SELECT run_id, logical_date, start_date, end_date, state FROM dag_run WHERE run_type = 'backfill'"
    ).fetchall()
    tasks = db.execute("SELECT run_id, task_id, map_index, duration, state FROM task_instance").fetchall()
    out = []
    for r in sorted(runs, key=lambda r: r["logical_date"]):
        mine = [t for t in tasks if t["run_id"] == r["run_id"]]
        start, end = (dt.datetime.fromisoformat(str(x)) for x in (r["start_date"], r["end_date"]))
        out.append(
            {
                "day": str(r["logical_date"])[:10],
                "state": r["state"],
                "run_wall_seconds": round((end - start).total_seconds(), 2),
                "tasks": {
                    f"{t['task_id']}[{t['map_index']}]" if t["map_index"] >= 0 else t["task_id"]: {
                        "seconds": round(t["duration"] or 0.0, 2),
                        "state": t["state"],
                    }
                    for t in mine
                },
            }
        )
    db.close()
    return out


def summarise(runs: list[dict]) -> dict:
    """Means per task and the cost of a day without documents (every task but prepare skipped)."""
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        for name, t in r["tasks"].items():
            if t["state"] == "success":
                per_task[name.split("[")[0]].append(t["seconds"])
    empty = [r for r in runs if all(t["state"] == "skipped" for n, t in r["tasks"].items() if n != "prepare")]
    full = [r for r in runs if r not in empty]

    def stats(values: list[float]) -> dict:
        return {"n": len(values), "mean": round(statistics.mean(values), 2), "max": round(max(values), 2)}

    return {
        "mean_task_seconds": {k: round(statistics.mean(v), 2) for k, v in sorted(per_task.items())},
        "empty_day_run_wall": stats([r["run_wall_seconds"] for r in empty]) if empty else None,
        "empty_day_task_seconds": stats([r["tasks"]["prepare"]["seconds"] for r in empty]) if empty else None,
        "day_with_articles_run_wall": stats([r["run_wall_seconds"] for r in full]) if full else None,
    }


def same_tables(a: Path, b: Path) -> bool:
    import pyarrow.parquet as pq

    files = sorted(p.relative_to(a) for t in TABLES for p in (a / t).rglob("*.parquet"))
    other = sorted(p.relative_to(b) for t in TABLES for p in (b / t).rglob("*.parquet"))
    return files == other and all(pq.read_table(a / f).equals(pq.read_table(b / f)) for f in files)


def write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, assignments = text.partition(":")
    return label, dict(kv.split("=", 1) for kv in assignments.split(",") if kv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--variant", action="append", default=[], metavar="LABEL:VAR=VALUE,...", help="another airflow-run"
    )
    parser.add_argument("--no-default", action="store_true", help="only the variants, not the default settings")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus {args.corpus} not found (it is not part of a clone): nothing measured")
        return 0
    year, month = pick_month(args.corpus)
    start, end = dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    tmp = Path(tempfile.mkdtemp(prefix="newsevents-afbench-"))
    try:
        source = tmp / "month.jsonl"
        shape = write_month(args.corpus, year, month, source)
        dates = ["--start", start.isoformat(), "--end", end.isoformat()]
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSEVENTS_"))}
        result: dict = {
            "month": f"{year}-{month:02d}",
            "days": (end - start).days + 1,
            **shape,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "loadavg_before": os.getloadavg()[0],
        }
        cli_wh = tmp / "cli"
        wall, _ = timed(
            [sys.executable, "-m", "pipeline", "backfill", "--source", str(source), "--warehouse", str(cli_wh)]
            + dates
            + ["--no-progress"],
            base_env,
        )
        result["cli_backfill_wall_seconds"] = wall
        print(f"command line: {wall} s", flush=True)
        variants = ([] if args.no_default else [("default", {})]) + [parse_variant(v) for v in args.variant]
        result["airflow"] = {}
        for label, extra in variants:
            home, wh = tmp / f"airflow-{label}", tmp / f"wh-{label}"
            env = {**base_env, "AIRFLOW_HOME": str(home), **extra}
            wall, _ = timed(
                [sys.executable, "-m", "pipeline", "airflow-run", "--source", str(source), "--warehouse", str(wh)]
                + dates,
                env,
            )
            runs = dag_runs(home)
            figures = {
                "env": extra,
                "wall_seconds": wall,
                "ratio_to_cli": round(wall / result["cli_backfill_wall_seconds"], 2),
                "dag_runs": len(runs),
                "failed_runs": [r["day"] for r in runs if r["state"] != "success"],
                "same_tables_as_cli": same_tables(cli_wh, wh),
                **summarise(runs),
                "runs": runs,
            }
            result["airflow"][label] = figures
            write(args.output, result)  # after each run: a long benchmark keeps what it measured
            print(
                f"airflow-run [{label}]: {wall} s, x{figures['ratio_to_cli']} the command line; "
                f"empty day {figures['empty_day_run_wall']}; tasks {figures['mean_task_seconds']}",
                flush=True,
            )
        result["loadavg_after"] = os.getloadavg()[0]
        write(args.output, result)
        print(f"figures: {args.output}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
