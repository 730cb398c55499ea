"""What a warehouse holds: partitions, rows per table, the last runs and their validation
outcome, quarantine counts by reason. Used by `make run`'s summary and `python -m pipeline inspect`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from schemas import PARTITION_KEY, TABLES


class NotAWarehouse(ValueError):
    """The folder has none of the warehouse's tables."""


def summarize(root: str | Path) -> dict:
    from pipeline.warehouse import read_table

    root = Path(root)
    if not root.is_dir() or not any((root / name).is_dir() for name in TABLES):
        raise NotAWarehouse(
            f"{root} is not a warehouse (no documents/ or events/ folder): run `make run` or `python -m pipeline run --warehouse {root}` first"
        )
    tables = {}
    for name, spec in TABLES.items():
        table = read_table(root, name)
        if table is None:
            tables[name] = {"rows": 0, "partitions": 0}
            continue
        parts = sorted({str(d) for d in table.column(PARTITION_KEY).to_pylist()}) if spec.partitioned else []
        tables[name] = {"rows": table.num_rows, "partitions": len(parts)}
        if name == "documents":
            tables[name]["dates"] = parts
        if name == "runs":
            rows = sorted(table.to_pylist(), key=lambda r: (str(r["finished_at"]), r["run_id"]))
            last = {}
            for r in rows:
                last[str(r[PARTITION_KEY])] = r
            tables[name]["last_runs"] = [
                {
                    "date": d,
                    "run_id": r["run_id"],
                    "validation": r["validation"],
                    "report": r["validation_report"],
                }
                for d, r in sorted(last.items())
            ]
        if name == "quarantine":
            tables[name]["by_reason"] = dict(Counter(table.column("reason").to_pylist()))
    return {"warehouse": str(root.resolve()), "tables": tables}


def format_summary(summary: dict) -> str:
    lines = [f"warehouse: {summary['warehouse']}"]
    t = summary["tables"]
    lines.append("tables:")
    for name, info in t.items():
        lines.append(f"  {name:17s} rows={info['rows']:<6d} partitions={info['partitions']}")
    if t["documents"].get("dates"):
        lines.append("partitions: " + ", ".join(t["documents"]["dates"]))
    if t["runs"].get("last_runs"):
        lines.append("last run per date (validation):")
        for r in t["runs"]["last_runs"]:
            lines.append(f"  {r['date']}  {r['validation']:8s} {r['run_id']}  report: {r['report']}")
    if t["quarantine"].get("by_reason"):
        lines.append(
            "quarantine by reason: " + ", ".join(f"{k}={v}" for k, v in sorted(t["quarantine"]["by_reason"].items()))
        )
    return "\n".join(lines)
