"""Validate staged tables with the Great Expectations suites of `expectations/`, plus the checks
across tables that GX cannot express alone; an error blocks publishing, a warning is reported.

Suites are JSON (GX Core 1.x format), one per table, loaded as they are: the code never adds
or edits an expectation. Each expectation carries `meta.severity` = "error" (blocks) or
"warning" (reported). Value sets too long to read inline (ISO codes, event types) are suite
parameters, `{"$PARAMETER": "NAME"}`, filled from `expectations/parameters/NAME.json`;
`run_date` is the partition's date.

GX is costly to start (5-15 s of imports, a context), so one context is built per process and
reused by every validation in it, with progress bars off; only the columns a suite names are
handed to pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.config import PROJECT_ROOT

log = logging.getLogger(__name__)
# A checkout reads the project's `expectations/`; an installed wheel carries the same files as
# package data, `pipeline/expectations/` (pyproject.toml, force-include).
EXPECTATIONS_DIR = next(
    (d for d in (PROJECT_ROOT / "expectations", Path(__file__).parent / "expectations") if d.is_dir()),
    PROJECT_ROOT / "expectations",
)
PARAMETERS_DIR = EXPECTATIONS_DIR / "parameters"
SAMPLE_ROWS = 5
RUN_DATE = "_run_date"  # added to every validated row: the partition (date) the row is staged for
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
KEYS = {
    "documents": ["doc_id"],
    "events": ["event_id", "doc_id"],
    "event_participants": ["event_id"],
    "removed_segments": ["doc_id", "start"],
    "partitions": ["published_date"],
    "event_clusters": ["cluster_id"],
}


class ValidationFailed(RuntimeError):
    """An error-level check failed: the partition must not be published (the published one stays)."""

    def __init__(self, message: str, report: dict):
        super().__init__(message)
        self.report = report

    def __reduce__(self):
        # Pickled with its report: a pool worker (pipeline/parallel.py) hands it back to the parent.
        return type(self), (str(self), self.report)


@dataclass
class CheckResult:
    """One expectation or cross-table check on one table, as kept in the run's report."""

    table: str
    check: str
    success: bool
    severity: str
    unexpected_count: int | None = None
    element_count: int | None = None
    sample: list = field(default_factory=list)
    source: str = "gx"

    def line(self) -> str:
        counted = f"{self.unexpected_count} of {self.element_count} rows" if self.unexpected_count is not None else ""
        sample = json.dumps(self.sample[:SAMPLE_ROWS], default=str, ensure_ascii=False)
        return f"[{self.severity}] {self.table}: {self.check} failed {counted}; sample: {sample}"


# ---------------------------------------------------------------- suites and parameters


class SuiteError(RuntimeError):
    """A suite (or a parameter file) is missing or unreadable: validation would check less, so the run stops."""


def load_suite_json(table: str, folder: Path | None = None) -> dict:
    """The table's suite; SuiteError naming the file when it is missing, unreadable or has no expectations.

    Every validated table must have its suite: a missing file once let a run publish after 5
    checks instead of 63. Read at each call (a few KB), so a suite edited between runs of one
    process is the one used."""
    path = (folder or EXPECTATIONS_DIR) / f"{table}.json"
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(
            f"validation suite {path} is missing: restore it (git checkout expectations/); nothing was published"
        ) from None
    except (OSError, ValueError) as exc:
        raise SuiteError(
            f"validation suite {path} cannot be read ({exc}): fix or restore it; nothing was published"
        ) from None
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list) or not suite["expectations"]:
        raise SuiteError(
            f"validation suite {path} has no 'expectations' list: fix or restore it; nothing was published"
        )
    return suite


def suite_parameters(folder: Path | None = None) -> dict[str, list]:
    """Every value list of `expectations/parameters/`, by name; SuiteError naming a file that cannot be read."""
    out = {}
    for p in sorted((folder or PARAMETERS_DIR).glob("*.json")):
        try:
            out[p.stem] = json.loads(p.read_text(encoding="utf-8"))["values"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SuiteError(f"suite parameter file {p} cannot be read ({exc!r}): fix or restore it") from None
    return out


def _parameter_names(value: object) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {value["$PARAMETER"]}
        return set().union(*(_parameter_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value)) if value else set()
    return set()


def _condition_columns(cond: object) -> set[str]:
    """Columns named by a row condition (GX Condition JSON: `{"column": {"name": ...}, ...}`)."""
    if isinstance(cond, dict):
        found = {cond["column"]["name"]} if isinstance(cond.get("column"), dict) else set()
        return found.union(*(_condition_columns(v) for v in cond.values() if isinstance(v, dict | list)))
    if isinstance(cond, list):
        return set().union(*(_condition_columns(v) for v in cond)) if cond else set()
    return set()


def columns_used(suite_json: dict, table_columns: list[str]) -> list[str]:
    """The columns a suite reads (kwargs and row conditions), so pandas gets only those."""
    used: set[str] = set()
    for e in suite_json["expectations"]:
        kw = e.get("kwargs", {})
        for k in COLUMN_KWARGS:
            v = kw.get(k)
            if isinstance(v, str):
                used.add(v)
            elif isinstance(v, list):
                used.update(v)
        used.update(_condition_columns(kw.get("row_condition")))
    return [c for c in table_columns if c in used]


# ---------------------------------------------------------------- GX, once per process


@functools.lru_cache(maxsize=1)
def _context():
    """One ephemeral GX context per process: building one costs more than validating a partition."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = context.data_sources.add_pandas("staged")
    return context, source


@functools.cache
def _batch_definition(table_name: str):
    _, source = _context()
    return source.add_dataframe_asset(table_name).add_batch_definition_whole_dataframe("whole")


@functools.cache
def _suite(table_name: str):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite_json = load_suite_json(table_name)
    configs = [ExpectationConfiguration(**e) for e in suite_json["expectations"]]
    return gx.ExpectationSuite(name=suite_json["name"], expectations=[c.to_domain_obj() for c in configs])


def _check_name(cfg) -> str:
    shown = {k: v for k, v in cfg.kwargs.items() if k in (*COLUMN_KWARGS, "regex")}
    cond = cfg.kwargs.get("row_condition")
    if cond:
        shown["row_condition"] = str(cond)
    for k in ("value_set", "min_value", "max_value"):
        if k in cfg.kwargs:
            v = cfg.kwargs[k]
            shown[k] = v if not isinstance(v, list) or len(v) <= 8 else f"<{len(v)} values>"
    return f"{cfg.type}({', '.join(f'{k}={v}' for k, v in shown.items())})"


def _sample_rows(table: pa.Table, table_name: str, columns: list[str], indices: list) -> list[dict]:
    keys = [k for k in KEYS.get(table_name, []) if k in table.column_names]
    wanted = list(dict.fromkeys(keys + [c for c in columns if c in table.column_names]))
    idx = [int(i) for i in indices[:SAMPLE_ROWS] if isinstance(i, int | float)]
    if not idx or not wanted:
        return []
    return table.select(wanted).take(pa.array(idx, pa.int64())).to_pylist()


def run_suite(table_name: str, table: pa.Table, partitions: list[dt.date]) -> tuple[dict, object | None]:
    """Run the table's suite once over the rows of every partition of the batch.

    `table` holds the rows of several partitions, each tagged with its `_run_date`. GX reports
    every offending row's index (result format COMPLETE), so each partition gets its own
    outcome: a partition fails an expectation only when one of its own rows does. Returns
    {partition: [CheckResult]} and GX's result (for Data Docs).
    """
    suite_json = load_suite_json(table_name)
    wanted = _parameter_names(suite_json)
    known = suite_parameters()
    missing = wanted - set(known)
    if missing:
        raise ValueError(
            f"suite expectations/{table_name}.json uses parameters {sorted(missing)} that have no file in "
            f"expectations/parameters/: add NAME.json with a 'values' list"
        )
    params = {k: known[k] for k in wanted}
    cols = columns_used(suite_json, table.column_names) or table.column_names[:1]
    df = table.select(cols).to_pandas()
    batch = _batch_definition(table_name).get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(_suite(table_name), result_format="COMPLETE", expectation_parameters=params)
    owner = table.column(RUN_DATE).to_pylist()
    rows_of = {p: 0 for p in partitions}
    for d in owner:
        rows_of[d] += 1
    out: dict[dt.date, list[CheckResult]] = {p: [] for p in partitions}
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        info = r.exception_info or {}
        named = [v for k, v in cfg.kwargs.items() if k in COLUMN_KWARGS]
        flat = [c for v in named for c in (v if isinstance(v, list) else [v])]
        indices = res.get("unexpected_index_list")
        by_partition: dict[dt.date, list[int]] = {p: [] for p in partitions}
        failed_everywhere = bool(info.get("raised_exception")) or (not r.success and indices is None)
        for i in indices or []:
            if isinstance(i, int | float):
                by_partition[owner[int(i)]].append(int(i))
        for p in partitions:
            if failed_everywhere:
                detail = info.get("exception_message") or res.get("observed_value")
                success, count, sample = False, None, [{"detail": detail}]
            else:
                bad = by_partition[p]
                success, count = not bad, len(bad)
                sample = _sample_rows(table, table_name, flat, bad)
            out[p].append(
                CheckResult(
                    table=table_name,
                    check=_check_name(cfg),
                    success=success,
                    severity=(cfg.meta or {}).get("severity", "error"),
                    unexpected_count=count,
                    element_count=rows_of[p],
                    sample=sample,
                )
            )
    return out, result


def check_event_clusters(table: pa.Table) -> list[CheckResult]:
    """The event_clusters suite over the whole table: the table spans dates, so it is checked on its
    own (`python -m pipeline clusters --check`), not inside a date's validation."""
    whole = dt.date.min
    tagged = table.append_column(RUN_DATE, pa.array([whole] * table.num_rows, pa.date32()))
    results, _ = run_suite("event_clusters", tagged, [whole])
    return results[whole]


# ---------------------------------------------------------------- views and cross-table checks


def participants_view(events: pa.Table) -> pa.Table:
    """events.participants flattened to one row per participant, so a suite can check its fields."""
    col = events.column("participants").combine_chunks()
    flat = pc.list_flatten(col)
    parents = pc.list_parent_indices(col)
    if len(flat) == 0:
        return pa.table(
            {
                "event_id": pa.array([], pa.string()),
                "name": pa.array([], pa.string()),
                "country": pa.array([], pa.string()),
                "role": pa.array([], pa.string()),
            }
        )
    return pa.table(
        {
            "event_id": pc.take(events.column("event_id"), parents),
            "name": flat.field("name"),
            "country": flat.field("country"),
            "role": flat.field("role"),
        }
    )


def _check(table: str, name: str, bad: list[dict], total: int, severity: str = "error") -> CheckResult:
    return CheckResult(table, name, not bad, severity, len(bad), total, bad[:SAMPLE_ROWS], source="cross-table")


def _span_errors(rows: list[dict], raw_by_id: dict[str, str], start: str, end: str, text: str, keys: list[str]):
    bad = []
    for r in rows:
        raw = raw_by_id.get(r["doc_id"])
        if raw is None:
            continue
        s, e = r[start], r[end]
        if s is None or e is None or not (0 <= s < e <= len(raw)) or raw[s:e] != r[text]:
            bad.append(
                {
                    **{k: r[k] for k in keys},
                    start: s,
                    end: e,
                    "raw_chars": len(raw),
                    text: (r[text] or "")[:80],
                }
            )
    return bad


def cross_table_checks(tables: dict[str, pa.Table]) -> list[CheckResult]:
    """Checks GX cannot express alone: keys across tables, spans inside their document's raw text."""
    results: list[CheckResult] = []
    docs = tables.get("documents")
    if docs is None:
        return results
    raw_by_id = dict(zip(docs.column("doc_id").to_pylist(), docs.column("raw_text").to_pylist(), strict=True))
    lengths = docs.select(["doc_id", "raw_chars"]).to_pylist()
    results.append(
        _check(
            "documents",
            "raw_chars equals len(raw_text)",
            [r for r in lengths if r["raw_chars"] != len(raw_by_id[r["doc_id"]] or "")],
            docs.num_rows,
        )
    )
    events = tables.get("events")
    if events is not None:
        rows = events.select(["event_id", "doc_id", "evidence_text", "evidence_start", "evidence_end"]).to_pylist()
        orphans = [{"event_id": r["event_id"], "doc_id": r["doc_id"]} for r in rows if r["doc_id"] not in raw_by_id]
        results.append(_check("events", "events.doc_id in documents.doc_id", orphans, len(rows)))
        spans = _span_errors(rows, raw_by_id, "evidence_start", "evidence_end", "evidence_text", ["event_id", "doc_id"])
        results.append(
            _check(
                "events",
                "evidence_text equals raw_text[evidence_start:evidence_end] (within the document)",
                spans,
                len(rows),
            )
        )
    removed = tables.get("removed_segments")
    if removed is not None:
        rows = removed.select(["doc_id", "start", "end", "text"]).to_pylist()
        orphans = [{"doc_id": r["doc_id"], "start": r["start"]} for r in rows if r["doc_id"] not in raw_by_id]
        results.append(_check("removed_segments", "removed_segments.doc_id in documents.doc_id", orphans, len(rows)))
        spans = _span_errors(rows, raw_by_id, "start", "end", "text", ["doc_id"])
        results.append(
            _check("removed_segments", "text equals raw_text[start:end] (within the document)", spans, len(rows))
        )
    return results


# ---------------------------------------------------------------- the validation step


@dataclass
class Partition:
    """One staged partition to validate, and where its report and Data Docs go."""

    day: dt.date
    tables: dict[str, pa.Table]
    run_id: str = ""
    report_path: str | None = None
    data_docs_dir: str | None = None


def partition_views(p: Partition) -> dict[str, pa.Table]:
    """The tables a partition is validated as: its staged tables, the participants view and the
    partition's row counts, each row tagged with the partition (`_run_date`)."""
    views = dict(p.tables)
    if "events" in views:
        views["event_participants"] = participants_view(views["events"])
    views["partitions"] = pa.table(
        {
            "published_date": pa.array([p.day], pa.date32()),
            **{name: pa.array([t.num_rows], pa.int64()) for name, t in sorted(p.tables.items())},
        }
    )
    return {name: t.append_column(RUN_DATE, pa.array([p.day] * t.num_rows, pa.date32())) for name, t in views.items()}


def validate_partitions(parts: list[Partition]) -> list[dict]:
    """Validate several partitions with one GX pass per suite; returns one report per partition.

    GX's cost is mostly a fixed cost per expectation and call (~30-60 ms each, whatever the row
    count), so a backfill of many small days validates them together: same suites, same
    per-partition outcome, a fraction of the time. Reports and Data Docs are written per
    partition; nothing is raised here (see `validate_tables`).
    """
    t0 = time.perf_counter()
    days = [p.day for p in parts]
    if len(set(days)) != len(days):
        raise ValueError(f"validate_partitions: a date appears twice in one batch: {sorted(days)}")
    views_of = {p.day: partition_views(p) for p in parts}
    names = sorted({n for v in views_of.values() for n in v})
    results: dict[dt.date, list[CheckResult]] = {d: [] for d in days}
    gx_results = {}
    for name in names:
        combined = pa.concat_tables([views_of[d][name] for d in days if name in views_of[d]], promote_options="default")
        checks, gx_result = run_suite(name, combined, days)
        for d, rows in checks.items():
            results[d].extend(rows)
        if gx_result is not None:
            gx_results[name] = gx_result
    pages = render_gx_pages(gx_results, parts) if any(p.data_docs_dir for p in parts) else {}
    shared = write_pass_pages(parts, pages) if len(parts) > 1 and pages else None
    reports = []
    for p in parts:
        rs = results[p.day] + cross_table_checks(p.tables)
        errors = [r for r in rs if not r.success and r.severity == "error"]
        warnings = [r for r in rs if not r.success and r.severity != "error"]
        report = {
            "run_id": p.run_id,
            "published_date": p.day.isoformat(),
            "outcome": "failed" if errors else ("warning" if warnings else "passed"),
            "errors": len(errors),
            "warnings": len(warnings),
            "checks": len(rs),
            "rows": {name: t.num_rows for name, t in views_of[p.day].items()},
            "batch": [d.isoformat() for d in days],
            "report": p.report_path,
            "data_docs": None,
            "results": [asdict(r) for r in rs],
        }
        if p.data_docs_dir is not None:
            report["data_docs"] = write_data_docs(p.data_docs_dir, report, pages, shared)
        report["seconds"] = round(time.perf_counter() - t0, 3)
        if p.report_path is not None:
            from pipeline.warehouse import write_bytes

            write_bytes(json.dumps(report, indent=2, default=str, ensure_ascii=False).encode(), p.report_path)
        for w in warnings:
            log.warning("validation warning %s: %s", p.day, w.line())
        log.info("validation %s: %s (%d checks, %d warnings)", p.day, report["outcome"], len(rs), len(warnings))
        report["_errors"] = errors
        reports.append(report)
    homes = data_docs_homes(parts)
    for home in homes:
        write_data_docs_home(home)
    return reports


def raise_if_failed(report: dict) -> dict:
    """The report without its in-memory error list; ValidationFailed when an error-level check failed."""
    errors = report.pop("_errors", [])
    if errors:
        raise ValidationFailed(failure_message(report, errors), report)
    return report


def validate_tables(
    tables: dict[str, pa.Table],
    run_date: dt.date,
    report_path: str | None = None,
    data_docs_dir: str | None = None,
    run_id: str = "",
) -> dict:
    """Validate one partition's staged tables; keep the report and Data Docs; raise on an error.

    The report (JSON) and the Data Docs (HTML) are written before raising, so a failed run
    leaves the evidence of why it failed where the message says.
    """
    (report,) = validate_partitions([Partition(run_date, tables, run_id, report_path, data_docs_dir)])
    return raise_if_failed(report)


def failure_message(report: dict, errors: list[CheckResult]) -> str:
    day = report["published_date"]
    lines = [f"validation failed for {day} (run {report['run_id']}): {len(errors)} error(s); nothing was published"]
    lines.append("and the partition already published (if any) is unchanged.")
    lines.extend("  " + e.line() for e in errors)
    lines.append(f"report: {report['report']}")
    if report.get("data_docs"):
        lines.append(f"data docs: {report['data_docs']}")
    lines.append(
        "next: fix the cause (input file, extractor rule or suite, see docs/validation.md), then rerun the date: "
        f"`python -m pipeline run --start {day} --end {day}` or clear the run's tasks in Airflow."
    )
    return "\n".join(lines)


# ---------------------------------------------------------------- Data Docs


def pass_run_name(parts: list[Partition]) -> str:
    """The run name GX pages show: the run id, or for a pass over several partitions its runs and dates."""
    if len(parts) == 1:
        return parts[0].run_id or parts[0].day.isoformat()
    days = sorted(p.day for p in parts)
    return f"{len(parts)} runs validated together, {days[0]}..{days[-1]}"


def render_gx_pages(gx_results: dict, parts: list[Partition]) -> dict[str, str]:
    """GX's own Data Docs page (HTML) of each suite's result, rendered once per validation pass,
    with the run name, run time and data asset (the table) filled in, and made to work offline."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    from pipeline.data_docs import fill_run_info, offline_page, write_static

    shipped: set[str] = set()
    for home in data_docs_homes(parts):
        shipped = write_static(home)
    run_name, run_time = pass_run_name(parts), dt.datetime.now(dt.UTC)
    renderer, view = ValidationResultsPageRenderer(), DefaultJinjaPageView()
    pages = {}
    for name, result in sorted(gx_results.items()):
        fill_run_info(result, run_name, run_time, f"staged {name}")
        # show_how_to_buttons: GX's walkthrough pop-up, which needs jQuery from a CDN
        pages[name] = offline_page(view.render(renderer.render(result), show_how_to_buttons=False), shipped)
    return pages


def data_docs_homes(parts: list[Partition]) -> set[str]:
    """The `_data_docs` folders of the partitions (a partition's Data Docs go to HOME/DATE/RUN/)."""
    return {p.data_docs_dir.rstrip("/").rsplit("/", 2)[0] for p in parts if p.data_docs_dir}


def write_pass_pages(parts: list[Partition], pages: dict[str, str]) -> dict[str, str]:
    """The GX pages of a pass over several partitions, written once for all of them.

    A GX page covers every partition of its pass, so a copy in each partition's folder made a
    backfill's Data Docs grow with dates x batch size (272 KB a date, 64 copies of each page).
    They go to `_data_docs/_passes/KEY/` instead (KEY from the pass's dates and run ids), and each
    partition's index links there. Returns {table: href relative to a partition's folder}."""
    from pipeline.warehouse import join, write_bytes

    homes = data_docs_homes(parts)
    key = hashlib.sha1(
        "\n".join(sorted(f"{p.day.isoformat()} {p.run_id}" for p in parts)).encode(), usedforsecurity=False
    ).hexdigest()[:16]
    for home in homes:
        for name, page in pages.items():
            write_bytes(page.encode("utf-8"), join(home, "_passes", key, f"{name}.html"))
    return {name: f"../../_passes/{key}/{name}.html" for name in pages}


def write_data_docs(folder: str, report: dict, pages: dict[str, str], shared: dict[str, str] | None = None) -> str:
    """Write a partition's Data Docs: the GX pages of its validation pass and an index of every check.

    The index adds the cross-table checks, which are not GX expectations, and shows this
    partition's outcome (a GX page covers every partition validated in the same pass). With
    `shared` (hrefs from write_pass_pages) the index links to the pass's pages instead of
    holding a copy. Written through fsspec, so it works for object-store warehouses.
    """
    from pipeline.warehouse import join, write_bytes

    links = dict(shared or {})
    for name, page in pages.items():
        if name in links:
            continue
        write_bytes(page.encode("utf-8"), join(folder, f"{name}.html"))
        links[name] = f"{name}.html"
    index = join(folder, "index.html")
    write_bytes(_index_html(report, links).encode("utf-8"), index)
    return index


HEAD_BYTES = 2048


def write_data_docs_home(root: str) -> str:
    """`_data_docs/index.html`: every validated run with its status, failures first (pipeline/data_docs.py)."""
    from pipeline.data_docs import home_html, run_of
    from pipeline.warehouse import filesystem, join, write_bytes

    fs, inner = filesystem(root)
    base = inner.rstrip("/")
    paths = [p for p in fs.glob(f"{base}/*/*/index.html") if not p[len(base) + 1 :].startswith("_")]
    # the status tags open each index: read only their first bytes, not every run's whole page
    heads = fs.cat_ranges(paths, [0] * len(paths), [HEAD_BYTES] * len(paths)) if paths else []
    runs = [run_of(h.decode("utf-8", errors="replace"), p[len(base) + 1 :]) for p, h in zip(paths, heads, strict=True)]
    target = join(root, "index.html")
    write_bytes(home_html(runs).encode("utf-8"), target)
    return target


def _index_html(report: dict, pages: dict[str, str]) -> str:
    from pipeline.data_docs import run_meta

    esc = html.escape
    rows = []
    for r in report["results"]:
        status = "ok" if r["success"] else r["severity"]
        sample = "" if r["success"] else esc(json.dumps(r["sample"], default=str, ensure_ascii=False))
        rows.append(
            f"<tr class='{status}'><td>{esc(status)}</td><td>{esc(r['table'])}</td><td>{esc(r['check'])}</td>"
            f"<td>{r['unexpected_count'] if r['unexpected_count'] is not None else ''}</td><td><code>{sample}</code></td></tr>"
        )
    links = " · ".join(f"<a href='{esc(p)}'>{esc(n)} (GX Data Docs)</a>" for n, p in pages.items())
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{run_meta(report)}"
        f"<title>validation {esc(report['published_date'])} {esc(report['outcome'])}</title>"
        "<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:top}"
        ".error{background:#fdd}.warning{background:#ffd}</style></head><body>"
        f"<h1>Partition {esc(report['published_date'])}: {esc(report['outcome'])}</h1>"
        f"<p>run {esc(report['run_id'])} · {report['errors']} errors · {report['warnings']} warnings · "
        f"{report['checks']} checks · rows {esc(json.dumps(report['rows']))} · "
        f"validated in one pass with {esc(', '.join(report.get('batch', [])))}</p>"
        f"<p>{links}</p><table><tr><th>status</th><th>table</th><th>check</th><th>unexpected</th><th>sample</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
