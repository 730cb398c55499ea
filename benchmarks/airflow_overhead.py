"""What Airflow adds to a backfill: the same one-month range through the command line and
through the real scheduler, side by side in one run.

    .venv/bin/python -m benchmarks.airflow_overhead                 # March 2013 of the corpus
    .venv/bin/python -m benchmarks.airflow_overhead --variant runs-4:NEWSEVENTS_MAX_ACTIVE_RUNS=4
    .venv/bin/python -m benchmarks.airflow_overhead --variant before:@dag=fa122f9   # an older DAG file

The month is the corpus's March 2013: 49 dated articles on 18 of its 31 days (found by
`pick_month`: the first month with exactly that shape), written as a JSON Lines source in a
temporary folder (never into the project). Then, one after the other:

- `python -m pipeline backfill --start 2013-03-01 --end 2013-03-31` (every day, one process);
- `python -m pipeline airflow-run --start ... --end ...` with a fresh AIRFLOW_HOME: metadata DB
  migration, api-server, scheduler and dag-processor start, one Airflow backfill of the 31 days
  (a DAG run a day), stop. Wall time from start to exit, start-up included (`startup_seconds`:
  until the backfill is created). Each `--variant LABEL:VAR=VALUE,...` runs it again with those
  environment variables (`@dag=REV`: the DAG file of git revision REV, run against this tree's
  `pipeline`), so what a setting buys is measured in the same run, not remembered. Each Airflow
  run after the first is preceded by its own command-line run, and its ratio is to that one:
  on a shared machine the load changes between runs minutes apart.

Per DAG run it reads the metadata DB: the run's wall (start to end) and, per task instance,
its duration and its wait from queued to started. An empty day's cost is reported three ways
(`summarise`): its run's wall (scheduler and worker time, waits included: the figure the
2 s target is read on), the summed durations of its started task instances (worker time), and
their summed queued-to-started waits. It also counts StaleDataError in the component logs and
checks that both paths published the same tables. Figures:
benchmarks/results/airflow_overhead.json. Without the corpus it says so and exits 0.
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


def timed(cmd: list[str], env: dict[str, str], mark: str | None = None) -> tuple[float, float | None]:
    """Wall seconds of the command, and the seconds until it first printed a line starting with
    `mark` (airflow-run's "airflow: backfill": its start-up, DB migration to DAG parsed)."""
    t0 = time.perf_counter()
    marked = None
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        for line in proc.stdout:
            if mark and marked is None and line.startswith(mark):
                marked = round(time.perf_counter() - t0, 2)
        proc.wait()
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd[2:4])} failed ({proc.returncode}):\n{err.read()[-3000:]}")
    return round(wall, 2), marked


def dag_file_at(revision: str, folder: Path) -> Path:
    """dags/news_events.py as of a git revision, alone in `folder` (a `@dag=REV` variant)."""
    folder.mkdir(parents=True)
    text = subprocess.run(
        ["git", "show", f"{revision}:dags/news_events.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    (folder / "news_events.py").write_text(text)
    return folder


def _time(value) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None


def dag_runs(home: Path) -> list[dict]:
    """Per DAG run (backfill, and the scheduled one unpausing creates): its wall and, per task
    instance, its duration (worker time) and its wait from queued to started (scheduler and
    executor time), from the metadata DB."""
    db = sqlite3.connect(home / "airflow.db")
    db.row_factory = sqlite3.Row
    runs = db.execute("SELECT run_id, run_type, logical_date, start_date, end_date, state FROM dag_run").fetchall()
    tasks = db.execute(
        "SELECT run_id, task_id, map_index, duration, state, queued_dttm, start_date FROM task_instance"
    ).fetchall()
    out = []
    for r in sorted(runs, key=lambda r: (r["run_type"] != "backfill", r["logical_date"])):
        mine = [t for t in tasks if t["run_id"] == r["run_id"]]
        start, end = _time(r["start_date"]), _time(r["end_date"])
        tis = {}
        for t in mine:
            queued, started = _time(t["queued_dttm"]), _time(t["start_date"])
            tis[f"{t['task_id']}[{t['map_index']}]" if t["map_index"] >= 0 else t["task_id"]] = {
                "seconds": round(t["duration"] or 0.0, 2),
                "state": t["state"],
                # a task skipped by the short-circuit is never queued: it costs no worker
                "queued_seconds": round((started - queued).total_seconds(), 2) if queued and started else None,
            }
        out.append(
            {
                "day": str(r["logical_date"])[:10],
                "run_type": r["run_type"],
                "state": r["state"],
                "run_wall_seconds": round((end - start).total_seconds(), 2) if start and end else None,
                "tasks": tis,
            }
        )
    db.close()
    return out


def is_empty_day(run: dict) -> bool:
    """extract and finish skipped: the day had no documents."""
    return all(t["state"] == "skipped" for n, t in run["tasks"].items() if n.split("[")[0] in ("extract", "finish"))


def summarise(runs: list[dict], wall: float, startup: float | None) -> dict:
    """Means per task, and the cost of a day without documents, three ways:

    - `empty_day_run_wall`: the empty day's DAG run from start to end (the scheduler starting
      the run, queueing prepare, the worker running it, the scheduler closing the run): the
      scheduler and worker time of the day, waits included. The target (2 s) is read on this.
    - `empty_day_task_seconds`: the summed durations of its task instances that were started
      (prepare; and run_range in the DAG before this change): worker time only.
    - `empty_day_queued_seconds`: the summed waits of those task instances from queued to
      started (executor slot, forkserver and process start).
    """
    backfill = [r for r in runs if r["run_type"] == "backfill"]
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in backfill:
        for name, t in r["tasks"].items():
            if t["queued_seconds"] is not None:
                per_task[name.split("[")[0]].append(t["seconds"])
    empty = [r for r in backfill if is_empty_day(r)]
    full = [r for r in backfill if r not in empty]

    def started(r: dict) -> list[dict]:
        return [t for t in r["tasks"].values() if t["queued_seconds"] is not None]

    def stats(values: list[float]) -> dict | None:
        if not values:
            return None
        return {
            "n": len(values),
            "mean": round(statistics.mean(values), 2),
            "median": round(statistics.median(values), 2),
            "max": round(max(values), 2),
        }

    return {
        "startup_seconds": startup,
        "backfill_seconds": round(wall - startup, 2) if startup is not None else None,
        "other_runs": [f"{r['run_type']} {r['day']}" for r in runs if r["run_type"] != "backfill"],
        "mean_task_seconds": {k: round(statistics.mean(v), 2) for k, v in sorted(per_task.items())},
        "task_instances_started_per_run": round(statistics.mean(len(started(r)) for r in backfill), 2),
        "empty_day_run_wall": stats([r["run_wall_seconds"] for r in empty]),
        "empty_day_task_seconds": stats([sum(t["seconds"] for t in started(r)) for r in empty]),
        "empty_day_queued_seconds": stats([sum(t["queued_seconds"] for t in started(r)) for r in empty]),
        "day_with_articles_run_wall": stats([r["run_wall_seconds"] for r in full]),
    }


def stale_data_errors(home: Path) -> int:
    """How many times the component logs name SQLAlchemy's StaleDataError (a scheduler crash)."""
    return sum(p.read_text(errors="replace").count("StaleDataError") for p in (home / "logs").glob("*.log"))


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

        def cli_run() -> float:
            shutil.rmtree(cli_wh, ignore_errors=True)
            wall, _ = timed(
                [sys.executable, "-m", "pipeline", "backfill", "--source", str(source), "--warehouse", str(cli_wh)]
                + dates
                + ["--no-progress"],
                base_env,
            )
            return wall

        # the machine's load changes within minutes (2 cores shared): each Airflow run is
        # compared with a command-line run just before it, not with one at the start
        wall = cli_run()
        result["cli_backfill_wall_seconds"] = wall
        print(f"command line: {wall} s", flush=True)
        variants = ([] if args.no_default else [("default", {})]) + [parse_variant(v) for v in args.variant]
        result["airflow"] = {}
        for i, (label, extra) in enumerate(variants):
            cli_wall = result["cli_backfill_wall_seconds"] if i == 0 else cli_run()
            load = os.getloadavg()[0]
            home, wh = tmp / f"airflow-{label}", tmp / f"wh-{label}"
            env = {**base_env, "AIRFLOW_HOME": str(home), **extra}
            if "@dag" in env:  # the DAG file of another revision, run against this tree's pipeline
                env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dag_file_at(env.pop("@dag"), tmp / f"dags-{label}"))
            try:
                wall, startup = timed(
                    [sys.executable, "-m", "pipeline", "airflow-run", "--source", str(source), "--warehouse", str(wh)]
                    + dates,
                    env,
                    mark="airflow: backfill",
                )
            except RuntimeError as exc:  # recorded, and the other variants still run
                result["airflow"][label] = {"env": extra, "error": str(exc)[-2000:]}
                write(args.output, result)
                print(f"airflow-run [{label}] failed: {str(exc)[-500:]}", flush=True)
                continue
            runs = dag_runs(home)
            backfill = [r for r in runs if r["run_type"] == "backfill"]
            figures = {
                "env": extra,
                "wall_seconds": wall,
                "cli_wall_seconds_just_before": cli_wall,
                "loadavg_before": load,
                "ratio_to_cli": round(wall / cli_wall, 2),
                "dag_runs": len(backfill),
                "failed_runs": [r["day"] for r in runs if r["state"] != "success"],
                "same_tables_as_cli": same_tables(cli_wh, wh),
                "stale_data_errors": stale_data_errors(home),
                **summarise(runs, wall, startup),
                "runs": runs,
            }
            result["airflow"][label] = figures
            write(args.output, result)  # after each run: a long benchmark keeps what it measured
            print(
                f"airflow-run [{label}]: {wall} s, x{figures['ratio_to_cli']} the command line; "
                f"start-up {startup} s; empty day run wall {figures['empty_day_run_wall']}, "
                f"tasks {figures['empty_day_task_seconds']}; tasks {figures['mean_task_seconds']}",
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
