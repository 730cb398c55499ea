"""Compare the events tables of two warehouses row by row, and the stage seconds of their runs.

    .venv/bin/python -m benchmarks.compare_events WAREHOUSE_A WAREHOUSE_B [--ignore extractor_version]

For a change that must not change output (a refactoring, a speed-up): the same rows, keyed by
`event_id`, with the same values in every column except the ignored ones (by default the
columns that name a version). Prints each differing row as column: A -> B, the rows only one side
has, and the seconds per stage summed over each warehouse's runs. Exits 1 when the tables differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyarrow.dataset as ds

DEFAULT_IGNORE = ("extractor_version",)


def events_by_id(warehouse: Path) -> dict[str, dict]:
    """Every events row of a warehouse, by event_id (published_date read from the partition)."""
    table = ds.dataset(warehouse / "events", format="parquet", partitioning="hive").to_table()
    rows = table.to_pylist()
    by_id = {r["event_id"]: r for r in rows}
    if len(by_id) != len(rows):
        raise SystemExit(f"{warehouse}: {len(rows) - len(by_id)} duplicate event_id values in events")
    return by_id


def stage_seconds(warehouse: Path) -> dict[str, float]:
    """Seconds per stage summed over the runs table (one row per run and publication date)."""
    totals: dict[str, float] = {}
    runs = warehouse / "runs"
    if not runs.exists():
        return totals
    for row in ds.dataset(runs, format="parquet", partitioning="hive").to_table(columns=["stage_seconds"]).to_pylist():
        for stage, seconds in json.loads(row["stage_seconds"] or "{}").items():
            totals[stage] = totals.get(stage, 0.0) + float(seconds)
    return totals


def differences(a: dict[str, dict], b: dict[str, dict], ignore: set[str]) -> list[str]:
    """One line per differing value, per row only one side has."""
    out = [f"only in A: {k} {a[k]['event_type']} {a[k]['evidence_text'][:80]!r}" for k in sorted(a.keys() - b.keys())]
    out += [f"only in B: {k} {b[k]['event_type']} {b[k]['evidence_text'][:80]!r}" for k in sorted(b.keys() - a.keys())]
    for k in sorted(a.keys() & b.keys()):
        ra, rb = a[k], b[k]
        for col in sorted((ra.keys() | rb.keys()) - ignore):
            if ra.get(col) != rb.get(col):
                out.append(f"differs: {k} {col}: {ra.get(col)!r} -> {rb.get(col)!r}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--ignore", nargs="*", default=list(DEFAULT_IGNORE), help="columns left out of the comparison")
    args = ap.parse_args()
    a, b = events_by_id(args.a), events_by_id(args.b)
    diffs = differences(a, b, set(args.ignore))
    for line in diffs:
        print(line)
    for name, path, rows in (("A", args.a, a), ("B", args.b, b)):
        stages = ", ".join(f"{s} {v:.2f}" for s, v in sorted(stage_seconds(path).items()))
        print(f"{name}: {path}: {len(rows)} events; stage seconds: {stages}")
    print("identical" if not diffs else f"{len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
