"""Validation: the suites of expectations/ catch what they promise, with severities, samples and reports."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from conftest import ROOT, SEED_DATES

from pipeline.validate import ValidationFailed, load_suite_json, suite_parameters, validate_tables

DAY = SEED_DATES[3]  # 2024-11-15


def partition(warehouse, table: str, day: dt.date) -> pa.Table:
    """A published partition read back with its partition column, as the validate stage sees it."""
    t = ds.dataset(warehouse / table / f"published_date={day}").to_table()
    return t.add_column(1, "published_date", pa.array([day] * t.num_rows, pa.date32()))


@pytest.fixture(scope="module")
def seed_tables(seed_warehouse) -> dict[str, pa.Table]:
    return {name: partition(seed_warehouse, name, DAY) for name in ("documents", "events", "removed_segments")}


def replace_column(table: pa.Table, name: str, values: list) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type))


def set_first(table: pa.Table, name: str, value) -> pa.Table:
    values = table.column(name).to_pylist()
    values[0] = value
    return replace_column(table, name, values)


def failure(tables: dict, day: dt.date = DAY) -> str:
    with pytest.raises(ValidationFailed) as exc:
        validate_tables(tables, day, run_id="test")
    return str(exc.value)


def test_every_suite_is_json_with_known_severities_and_parameters():
    params = suite_parameters()
    for name in ("documents", "events", "event_participants", "removed_segments", "partitions", "event_clusters"):
        suite = load_suite_json(name)
        assert suite["name"] == name and suite["expectations"], name
        for e in suite["expectations"]:
            assert e["meta"]["severity"] in ("error", "warning"), e
        text = json.dumps(suite)
        for p in params:
            text = text.replace(f'"$PARAMETER": "{p}"', "")
        assert "$PARAMETER" not in text, f"{name} uses a parameter without a file in expectations/parameters/"
    assert len(params["iso3166_alpha3"]) == 252 and {"KOR", "XKX"} <= set(params["iso3166_alpha3"])
    assert "USD" in params["iso4217"] and "EUR" in params["iso4217"]
    core = json.loads((ROOT / "expectations/parameters/event_types.json").read_text())["core"]
    assert set(core) <= set(params["event_types"])


def test_every_country_code_the_gazetteer_can_emit_passes_the_suites():
    """A correct extraction must never be blocked by the value set: Kosovo (XKX) once failed two
    dates of a 1,000-article run."""
    from pipeline.gazetteer import load_gazetteer

    allowed = set(suite_parameters()["iso3166_alpha3"])
    gaz = load_gazetteer()
    codes = set(gaz.country_names)
    for index in (gaz.actors, gaz.country_places, gaz.regions):
        codes |= {e.country for e in (*index.folded.values(), *index.exact.values())}
    codes |= {t.country for t in gaz.terms}
    codes |= {iso3 for _pop, iso3, _name in gaz._load_cities().values()}
    codes.discard(None)
    assert len(codes) > 240
    assert codes <= allowed, sorted(codes - allowed)


def test_seed_partition_passes_without_errors(seed_tables):
    report = validate_tables(seed_tables, DAY, run_id="test")
    assert report["outcome"] in ("passed", "warning"), report
    assert report["errors"] == 0


def test_confidence_out_of_range_fails_naming_expectation_table_and_rows(seed_tables):
    events = set_first(seed_tables["events"], "confidence", 2.0)
    msg = failure({**seed_tables, "events": events})
    assert "events: expect_column_values_to_be_between(column=confidence" in msg
    assert events.column("event_id")[0].as_py() in msg and '"confidence": 2.0' in msg
    assert "nothing was published" in msg and f"--start {DAY}" in msg


@pytest.mark.parametrize(
    ("column", "value", "expectation"),
    [
        ("actor_country", "XXX", "expect_column_values_to_be_in_set(column=actor_country"),
        ("amount_currency", "DOLLARS", "expect_column_values_to_be_in_set(column=amount_currency"),
        ("status", "rumoured", "expect_column_values_to_be_in_set(column=status"),
        ("event_date_precision", "week", "expect_column_values_to_be_in_set(column=event_date_precision"),
        ("stance", "shrug", "expect_column_values_to_be_in_set(column=stance"),
        ("event_type", "Not A Type", "expect_column_values_to_match_regex(column=event_type"),
        ("amount_value", -5.0, "expect_column_values_to_be_between(column=amount_value"),
    ],
)
def test_value_sets_and_ranges_are_errors(seed_tables, column, value, expectation):
    assert expectation in failure({**seed_tables, "events": set_first(seed_tables["events"], column, value)})


def test_duplicate_event_id_is_an_error(seed_tables):
    ev = seed_tables["events"]
    ids = ev.column("event_id").to_pylist()
    ids[1] = ids[0]
    msg = failure({**seed_tables, "events": replace_column(ev, "event_id", ids)})
    assert "expect_compound_columns_to_be_unique(column_list=['_run_date', 'event_id'])" in msg


def test_participant_role_and_country_are_checked(seed_tables):
    ev = seed_tables["events"]
    parts = ev.column("participants").to_pylist()
    parts[0] = [{"name": "Somebody", "country": "ZZZ", "role": "bystander"}]
    msg = failure({**seed_tables, "events": replace_column(ev, "participants", parts)})
    assert "event_participants: expect_column_values_to_be_in_set(column=role" in msg
    assert "event_participants: expect_column_values_to_be_in_set(column=country" in msg


def test_evidence_beyond_the_document_is_an_error(seed_tables):
    ev = seed_tables["events"]
    raw_chars = seed_tables["documents"].column("raw_chars")[0].as_py()
    ev = set_first(ev, "evidence_end", raw_chars + 10)
    msg = failure({**seed_tables, "events": ev})
    assert "evidence_text equals raw_text[evidence_start:evidence_end]" in msg
    assert f'"raw_chars": {raw_chars}' in msg


def test_event_of_another_document_is_an_error(seed_tables):
    msg = failure({**seed_tables, "events": set_first(seed_tables["events"], "doc_id", "no-such-doc")})
    assert "events.doc_id in documents.doc_id" in msg and "no-such-doc" in msg


def test_partition_column_must_equal_the_run_date(seed_tables):
    msg = failure(seed_tables, day=DAY + dt.timedelta(days=1))
    for table in ("documents", "events", "removed_segments"):
        assert f"] {table}: expect_column_pair_values_to_be_equal(column_A=published_date, column_B=_run_date)" in msg


def test_occurred_event_after_publication_is_a_warning_planned_is_fine(seed_tables):
    ev = seed_tables["events"]
    later = DAY + dt.timedelta(days=30)
    ev = set_first(set_first(ev, "event_date", later), "status", "occurred")
    report = validate_tables({**seed_tables, "events": ev}, DAY, run_id="test")
    assert report["outcome"] == "warning"
    flagged = [r for r in report["results"] if not r["success"] and "column_B=event_date" in r["check"]]
    assert flagged and flagged[0]["severity"] == "warning"
    assert ev.column("event_id")[0].as_py() in json.dumps(flagged[0]["sample"], default=str)
    planned = set_first(ev, "status", "planned")
    flagged_ids = json.dumps(
        [
            r["sample"]
            for r in validate_tables({**seed_tables, "events": planned}, DAY, run_id="t")["results"]
            if "column_B=event_date" in r["check"]
        ]
    )
    assert ev.column("event_id")[0].as_py() not in flagged_ids


def test_documents_without_any_event_is_a_warning(seed_tables):
    empty = seed_tables["events"].slice(0, 0)
    report = validate_tables({**seed_tables, "events": empty}, DAY, run_id="test")
    assert report["outcome"] == "warning"
    assert any(
        r["table"] == "partitions" and "column=events" in r["check"] and not r["success"] and r["severity"] == "warning"
        for r in report["results"]
    )


def test_non_core_documented_type_passes_undocumented_type_warns(seed_tables):
    ev = set_first(seed_tables["events"], "event_type", "protest")
    assert validate_tables({**seed_tables, "events": ev}, DAY, run_id="t")["errors"] == 0
    ev = set_first(seed_tables["events"], "event_type", "space_launch")
    report = validate_tables({**seed_tables, "events": ev}, DAY, run_id="t")
    assert report["errors"] == 0 and report["outcome"] == "warning"


def test_report_json_and_data_docs_are_written_even_on_failure(seed_tables, tmp_path):
    events = set_first(seed_tables["events"], "confidence", -1.0)
    report_path = tmp_path / "_validation" / "r.json"
    docs = tmp_path / "_data_docs" / "r"
    with pytest.raises(ValidationFailed) as exc:
        validate_tables({**seed_tables, "events": events}, DAY, str(report_path), str(docs), run_id="r")
    report = json.loads(report_path.read_text())
    assert report["outcome"] == "failed" and report["data_docs"] == str(docs / "index.html")
    assert str(report_path) in str(exc.value) and str(docs / "index.html") in str(exc.value)
    index = (docs / "index.html").read_text()
    assert "failed" in index and "evidence_text equals" in index  # cross-table checks listed too
    gx_page = (docs / "events.html").read_text()
    assert "Great Expectations" in gx_page and "confidence" in gx_page


def test_suite_columns_only_reach_pandas(seed_tables):
    from pipeline.validate import columns_used

    used = columns_used(load_suite_json("events"), seed_tables["events"].column_names)
    assert "participants" not in used and "quote" not in used
    assert {"status", "event_date", "published_date", "amount_value"} <= set(used)
    assert pc.sum(pc.list_value_length(seed_tables["events"].column("participants"))).as_py() > 0


def test_partitions_validated_together_keep_their_own_outcome(seed_warehouse, seed_tables):
    from pipeline.validate import Partition, validate_partitions

    other_day = SEED_DATES[4]
    other = {name: partition(seed_warehouse, name, other_day) for name in seed_tables}
    bad = {**seed_tables, "events": set_first(seed_tables["events"], "confidence", 3.0)}
    reports = validate_partitions([Partition(DAY, bad, "bad"), Partition(other_day, other, "good")])
    by_day = {r["published_date"]: r for r in reports}
    assert by_day[str(DAY)]["outcome"] == "failed" and by_day[str(DAY)]["errors"] == 1
    assert by_day[str(other_day)]["errors"] == 0
    alone = validate_partitions([Partition(other_day, other, "alone")])[0]
    strip = lambda r: [(c["table"], c["check"], c["success"], c["unexpected_count"]) for c in r["results"]]  # noqa: E731
    assert strip(alone) == strip(by_day[str(other_day)]), "same checks and outcome alone or in a batch"
    failed = [c for c in by_day[str(DAY)]["results"] if not c["success"] and c["severity"] == "error"]
    assert failed[0]["sample"][0]["event_id"] == seed_tables["events"].column("event_id")[0].as_py()


def test_a_pass_over_several_partitions_writes_its_gx_pages_once(seed_warehouse, seed_tables, tmp_path):
    from pipeline.validate import Partition, validate_partitions

    other_day = SEED_DATES[4]
    other = {name: partition(seed_warehouse, name, other_day) for name in seed_tables}
    home = tmp_path / "_data_docs"
    parts = [
        Partition(day, tables, f"run-{day}", None, str(home / day.isoformat() / "r"))
        for day, tables in ((DAY, seed_tables), (other_day, other))
    ]
    reports = validate_partitions(parts)
    (pass_dir,) = (home / "_passes").iterdir()
    assert {p.name for p in pass_dir.iterdir()} >= {"events.html", "documents.html"}
    for report in reports:
        folder = home / report["published_date"] / "r"
        assert [p.name for p in folder.iterdir()] == ["index.html"]  # no copy of the pass's pages
        index = (folder / "index.html").read_text()
        assert f"../../_passes/{pass_dir.name}/events.html" in index
        assert (folder / f"../../_passes/{pass_dir.name}/events.html").resolve().is_file()


def test_every_type_the_extractor_can_emit_is_in_the_event_types_suite():
    """The lexicon and the suite's value set are two files: keep them in step."""
    import json

    from conftest import ROOT

    lexicon = json.loads((ROOT / "pipeline" / "extract" / "rules" / "lexicon.json").read_text())
    allowed = set(json.loads((ROOT / "expectations" / "parameters" / "event_types.json").read_text())["values"])
    emitted = {t for t in set(lexicon["verbs"]) | set(lexicon["nouns"]) if not t.startswith("_")}
    assert emitted <= allowed, sorted(emitted - allowed)
