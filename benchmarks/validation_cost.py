"""What validation costs in a whole run: `python -m benchmarks.validation_cost [N]` (default 1,000 articles).

Takes the first N articles of ../shared/corpus/world_news.jsonl.gz that have a valid
publication date, runs every stage over them in this process with the command line's path
(`pipeline.runner.run_in_process`: dates staged in batches, each batch validated in one GX pass),
and writes the share of the run spent validating to benchmarks/results/validation_cost.json.
It also times the same partitions validated one at a time (the Airflow task path) to show what
the batching saves. The corpus is not part of the repository: the script says so and exits 2
when it is absent. Articles are copied only to a temp folder, never into the project.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS as CORPUS
from benchmarks.corpus import first_dated

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "validation_cost.json"


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 1000
    if not CORPUS.exists():
        print(
            f"corpus not found at {CORPUS}: this benchmark needs the shared corpus; nothing measured", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=logging.ERROR)
    from pipeline.config import Settings
    from pipeline.runner import run_in_process
    from pipeline.validate import Partition, validate_partitions
    from pipeline.warehouse import read_table

    tmp = Path(tempfile.mkdtemp(prefix="newsevents-valbench-"))
    source = tmp / "articles.jsonl"
    records = first_dated(CORPUS, n)
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    days = sorted({dt.date.fromisoformat(r["published_date"]) for r in records})
    warehouse = tmp / "warehouse"
    settings = Settings(source=str(source), warehouse=str(warehouse))

    t0 = time.perf_counter()
    results = run_in_process(str(source), str(warehouse), days, lambda d: f"bench__{d}", settings)
    wall = time.perf_counter() - t0
    stage_totals: dict[str, float] = {}
    for r in results:
        for k, v in r.seconds.items():
            stage_totals[k] = round(stage_totals.get(k, 0.0) + v, 3)

    # The same partitions validated one at a time (what one Airflow validate task per date does, GX already imported).
    tables = {name: read_table(warehouse, name) for name in ("documents", "events", "removed_segments")}
    import pyarrow.compute as pc

    written = sorted({d for d in tables["documents"].column("published_date").to_pylist()})
    sample = written[: min(50, len(written))]
    t1 = time.perf_counter()
    for d in sample:
        part = {k: t.filter(pc.equal(t.column("published_date"), d)) for k, t in tables.items()}
        validate_partitions([Partition(d, part, "one-at-a-time")])
    one_at_a_time = (time.perf_counter() - t1) / max(1, len(sample))

    figures = {
        "articles": len(records),
        "dates": len(days),
        "partitions_written": len(written),
        "wall_seconds": round(wall, 1),
        "stage_seconds": stage_totals,
        "validate_share_of_run": round(stage_totals.get("validate", 0.0) / wall, 4),
        "validate_seconds_per_partition_batched": round(stage_totals.get("validate", 0.0) / max(1, len(written)), 3),
        "validate_seconds_per_partition_one_at_a_time": round(one_at_a_time, 3),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": "stage seconds are summed over partitions; validate includes the one-time GX import and context",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
