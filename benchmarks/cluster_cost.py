"""Cost of a date in a big warehouse vs a small one: `python -m benchmarks.cluster_cost [DATES] [REPEAT]`.

Builds two warehouses with pyarrow (benchmarks/synthetic_warehouse.py): SMALL_DATES dates and
DATES dates (default 3,000) of EVENTS_PER_DATE events each (60,000 at the default), and folds
them into event_clusters once. Then, alternating between the two so that a busy machine slows
both alike, REPEAT times (default 3):
- rerun one seed date through every stage (`pipeline.stages.run_partition`: ingest, clean,
  extract, validate, publish, then the event_clusters refresh), in this process, after one
  warm-up run that pays the imports, the model load and Great Expectations' start;
- republish one synthetic date with other content and refresh event_clusters alone;
and the first fold of each warehouse, a full rebuild (what every publish cost before clusters
were maintained per date). Medians go to benchmarks/results/cluster_cost.json; the target is a ratio big/small
<= 1.25 for the whole rerun. Needs only the seeds; writes only to a temp folder.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "cluster_cost.json"
SMALL_DATES = 5
EVENTS_PER_DATE = 20
FIRST_DAY = dt.date(2016, 1, 1)
SEED_DAY = dt.date(2023, 9, 20)  # a seed date, outside the synthetic range's dates


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def build_warehouse(folder: Path, n_dates: int) -> dict:
    from benchmarks.synthetic_warehouse import build
    from pipeline.stages import refresh_event_clusters

    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(n_dates)]
    build_s, events = timed(build, folder, days, EVENTS_PER_DATE)
    fold_s, result = timed(refresh_event_clusters, str(folder))
    return {
        "dates": n_dates,
        "events": events,
        "build_s": round(build_s, 2),
        "first_fold_s": round(fold_s, 2),
        "clusters": result["clusters"],
        "days": days,
    }


def main(argv: list[str]) -> int:
    n_dates = int(argv[0]) if argv else 3000
    repeat = int(argv[1]) if len(argv) > 1 else 3
    logging.basicConfig(level=logging.ERROR)
    from benchmarks.synthetic_warehouse import publish_date
    from pipeline.config import Settings
    from pipeline.stages import refresh_event_clusters, run_partition

    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="cluster-cost-") as tmp:
        tmp_path = Path(tmp)
        houses = {"small": tmp_path / "small", "big": tmp_path / "big"}
        built = {
            name: build_warehouse(path, SMALL_DATES if name == "small" else n_dates) for name, path in houses.items()
        }
        warm_s, _ = timed(run_partition, str(ROOT / "seeds"), str(tmp_path / "warm"), SEED_DAY, "warm-up", settings)
        rerun: dict[str, list[float]] = {name: [] for name in houses}
        refresh: dict[str, list[float]] = {name: [] for name in houses}
        for i in range(repeat):
            for name, path in houses.items():
                seconds, _ = timed(run_partition, str(ROOT / "seeds"), str(path), SEED_DAY, f"rerun-{i}", settings)
                rerun[name].append(seconds)
                day = built[name]["days"][len(built[name]["days"]) // 2]
                publish_date(path, day, EVENTS_PER_DATE, variant=i + 1)
                seconds, _ = timed(refresh_event_clusters, str(path))
                refresh[name].append(seconds)

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    result = {
        "benchmark": "cluster_cost",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "events_per_date": EVENTS_PER_DATE,
        "repeat": repeat,
        "warehouses": {name: {k: v for k, v in b.items() if k != "days"} for name, b in built.items()},
        "warm_up_run_s": round(warm_s, 2),
        "rerun_one_date_s": {name: med(v) for name, v in rerun.items()},
        "rerun_one_date_all_s": {name: [round(x, 3) for x in v] for name, v in rerun.items()},
        "refresh_after_one_date_s": {name: med(v) for name, v in refresh.items()},
        "refresh_after_one_date_all_s": {name: [round(x, 3) for x in v] for name, v in refresh.items()},
        # the first fold of a warehouse without a state is a full rebuild: what every publish cost before
        "full_rebuild_s": {name: b["first_fold_s"] for name, b in built.items()},
    }
    result["ratio_rerun_big_over_small"] = round(
        result["rerun_one_date_s"]["big"] / result["rerun_one_date_s"]["small"], 3
    )
    result["ratio_refresh_big_over_small"] = round(
        result["refresh_after_one_date_s"]["big"] / result["refresh_after_one_date_s"]["small"], 3
    )
    result["target_ratio"] = 1.25
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_all_s")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
