"""Validate staged tables with Great Expectations suites from `expectations/`, plus the
checks across tables that GX cannot express alone; a failing error blocks publishing.

Suites are JSON (GX Core 1.x format), one per table; each expectation may carry
`meta.severity` = "error" (default, blocks) or "warning" (reported only).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pipeline.config import PROJECT_ROOT

log = logging.getLogger(__name__)
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


class ValidationFailed(RuntimeError):
    """Raised when an error-level expectation fails: the partition must not be published."""


@dataclass
class CheckResult:
    table: str
    check: str
    success: bool
    severity: str
    detail: dict = field(default_factory=dict)


def load_suite(table: str, folder: Path = EXPECTATIONS_DIR) -> dict | None:
    path = folder / f"{table}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def run_suite(table_name: str, table: pa.Table, suite_json: dict) -> list[CheckResult]:
    """Run one GX suite over an Arrow table (through pandas, the GX Core in-memory source)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch_def = (
        context.data_sources.add_pandas("staged")
        .add_dataframe_asset(table_name)
        .add_batch_definition_whole_dataframe("all")
    )
    configs = [ExpectationConfiguration(**e) for e in suite_json["expectations"]]
    suite = gx.ExpectationSuite(name=suite_json["name"], expectations=[c.to_domain_obj() for c in configs])
    df = table.to_pandas(types_mapper=None)
    batch = batch_def.get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(suite, result_format="SUMMARY")
    out = []
    for r in result.results:
        cfg = r.expectation_config
        out.append(
            CheckResult(
                table=table_name,
                check=f"{cfg.type}({', '.join(f'{k}={v}' for k, v in cfg.kwargs.items() if k in ('column', 'column_list'))})",
                success=bool(r.success),
                severity=(cfg.meta or {}).get("severity", "error"),
                detail={
                    "unexpected_count": (r.result or {}).get("unexpected_count"),
                    "sample": (r.result or {}).get("partial_unexpected_list", [])[:5],
                },
            )
        )
    return out


def cross_table_checks(tables: dict[str, pa.Table]) -> list[CheckResult]:
    """Checks GX cannot express alone: keys across tables, evidence spans inside documents."""
    results: list[CheckResult] = []
    docs, events = tables.get("documents"), tables.get("events")
    if docs is None or events is None:
        return results
    raw_by_id = dict(zip(docs.column("doc_id").to_pylist(), docs.column("raw_text").to_pylist(), strict=True))
    orphans = sorted({d for d in events.column("doc_id").to_pylist() if d not in raw_by_id})
    results.append(
        CheckResult(
            "events",
            "doc_id in documents",
            not orphans,
            "error",
            {"sample": orphans[:5], "unexpected_count": len(orphans)},
        )
    )
    bad = []
    for ev in events.select(["event_id", "doc_id", "evidence_text", "evidence_start", "evidence_end"]).to_pylist():
        raw = raw_by_id.get(ev["doc_id"])
        if raw is None:
            continue
        if (
            not (0 <= ev["evidence_start"] < ev["evidence_end"] <= len(raw))
            or raw[ev["evidence_start"] : ev["evidence_end"]] != ev["evidence_text"]
        ):
            bad.append(ev["event_id"])
    results.append(
        CheckResult(
            "events",
            "evidence span equals raw_text[start:end]",
            not bad,
            "error",
            {"sample": bad[:5], "unexpected_count": len(bad)},
        )
    )
    return results


def validate_tables(tables: dict[str, pa.Table], report_path: Path | None = None) -> dict:
    """Validate every staged table; write the report; raise ValidationFailed on an error."""
    results: list[CheckResult] = []
    for name, table in sorted(tables.items()):
        suite = load_suite(name)
        if suite is not None:
            results.extend(run_suite(name, table, suite))
    results.extend(cross_table_checks(tables))
    errors = [r for r in results if not r.success and r.severity == "error"]
    warnings = [r for r in results if not r.success and r.severity != "error"]
    outcome = "failed" if errors else ("warning" if warnings else "passed")
    report = {"outcome": outcome, "results": [r.__dict__ for r in results]}
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    for w in warnings:
        log.warning("validation warning: %s %s %s", w.table, w.check, w.detail)
    if errors:
        lines = [
            f"{e.table}: {e.check} failed ({e.detail.get('unexpected_count')} rows; sample {e.detail.get('sample')})"
            for e in errors
        ]
        raise ValidationFailed("validation failed, nothing published:\n  " + "\n  ".join(lines))
    return report
