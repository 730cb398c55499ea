"""Extraction time per article against a reference checkout, side by side in one run.

Issue 11's speed target: after the extraction work, the extract stage stays within 10 % of the
time per article of the code before it. This runs `python -m pipeline run` over the same first N
dated corpus articles with this checkout and with a reference checkout (its own `.venv`, e.g. a
`git worktree` of an older commit), alternated `--repeats` times so a shared machine's load falls
on both alike (or, with `--concurrent`, both at once in each repeat: on a machine whose load
drifts, two processes started together see the same load), and compares the extract stage's seconds from each run's published `runs` table
(`stage_seconds`), plus the whole run's wall time. Medians and the ratio this/reference go to
benchmarks/results/extract_vs_ref.json.

    git worktree add /tmp/ref 245cbfc && make -C /tmp/ref install
    .venv/bin/python -m benchmarks.extract_vs_ref --ref /tmp/ref --n 1000 --repeats 2

Reads ../shared/corpus/world_news.jsonl.gz (not part of a clone); says so and exits 2 when absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS
from benchmarks.run import measure, stage_breakdown, write_subset

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "extract_vs_ref.json"


def commit_of(tree: Path) -> str:
    out = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def one_run(tree: Path, subset: Path, workdir: Path) -> dict:
    """One whole `pipeline run` of `tree`'s code into a new warehouse: wall and stage seconds."""
    warehouse = Path(tempfile.mkdtemp(prefix="warehouse-", dir=workdir))
    try:
        python = tree / ".venv" / "bin" / "python"
        cmd = [str(python), "-m", "pipeline", "run", "--source", str(subset), "--warehouse", str(warehouse)]
        fig = measure(cmd, env=dict(os.environ, GX_ANALYTICS_ENABLED="False"), cwd=tree)
        if fig.returncode not in (0, 1):
            raise RuntimeError(f"{tree}: pipeline failed ({fig.returncode}):\n{fig.stderr[-3000:]}")
        breakdown = stage_breakdown(warehouse)
    finally:
        shutil.rmtree(warehouse, ignore_errors=True)
    return {"wall_seconds": fig.wall_seconds, "peak_rss_mb": fig.peak_rss_mb, **breakdown}


def summary(runs: list[dict], docs: int) -> dict:
    extract = statistics.median(r["stage_seconds"]["extract"] for r in runs)
    return {
        "median_extract_seconds": round(extract, 2),
        "median_extract_ms_per_article": round(1000 * extract / docs, 2),
        "median_wall_seconds": round(statistics.median(r["wall_seconds"] for r in runs), 2),
        "events": runs[0]["events"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", required=True, type=Path, help="reference checkout with its own .venv")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--concurrent", action="store_true", help="run the two checkouts at once in each repeat")
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found at {args.corpus}: this benchmark needs ../shared/corpus (not part of a clone)")
        return 2
    if not (args.ref / ".venv" / "bin" / "python").exists():
        print(f"{args.ref} has no .venv: run `make -C {args.ref} install` first")
        return 2
    with tempfile.TemporaryDirectory(prefix="extract-vs-ref-") as tmp:
        workdir = Path(tmp)
        subset = workdir / f"first-{args.n}.jsonl"
        sizes = write_subset(args.corpus, args.n, subset)
        runs: dict[str, list[dict]] = {"this": [], "reference": []}
        trees = {"this": ROOT, "reference": args.ref}
        for i in range(args.repeats):
            names = list(trees) if i % 2 == 0 else list(trees)[::-1]
            if args.concurrent:
                with ThreadPoolExecutor(len(names)) as pool:
                    done = dict(zip(names, pool.map(lambda n: one_run(trees[n], subset, workdir), names), strict=True))
            else:
                done = {name: one_run(trees[name], subset, workdir) for name in names}
            for name, figures in done.items():
                runs[name].append(figures)
                print(f"[bench] repeat {i + 1} {name}: extract {figures['stage_seconds']['extract']} s", flush=True)
    this, ref = summary(runs["this"], sizes["docs"]), summary(runs["reference"], sizes["docs"])
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "concurrent" if args.concurrent else "alternated",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "articles": sizes,
        "this": {"commit": commit_of(ROOT), **this},
        "reference": {"commit": commit_of(args.ref), **ref},
        "extract_ratio_this_over_reference": round(this["median_extract_seconds"] / ref["median_extract_seconds"], 3),
        "wall_ratio_this_over_reference": round(this["median_wall_seconds"] / ref["median_wall_seconds"], 3),
        "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
