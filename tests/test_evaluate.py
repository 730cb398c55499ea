"""The --explain error report: every case in its category, and the scorer's own numbers.

The gold file and the warehouse are written here (pyarrow, no spaCy): each prediction is made
to fall into one known category, so a category misreported or a count that drifts from the
scorer's fails a test.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import EXIT_OK, EXIT_USAGE, main
from pipeline.evaluate import (
    check_against_scorer,
    evaluate,
    explain,
    judged_right,
    load_scorer,
    match_events,
    read_gold,
    read_warehouse,
    render_markdown,
)
from pipeline.warehouse import to_arrow

DAY = dt.date(2024, 3, 5)
RAW_A = (
    "Smith said the talks had failed. "
    "The ministers met in Berlin to discuss the crisis. "
    "Germany pledged 5 million euros to Ukraine on Saturday. "
    "The chancellor will visit Kyiv next week, aides said. "
    "Leaders gathered for a summit in Rome. "
    "Critics said the plan was weak. "
    "Jones said prices would rise. "
    "Brown said the weather was fine. "
    "Lee said the vote was close. "
    "Troops shelled the town."
)
RAW_B = "Someone said something in an article the gold does not cover."


def gold_line(
    gid,
    types,
    evidence,
    actor=None,
    parties=(),
    location=None,
    date=None,
    amount=None,
    status="occurred",
    required=True,
):
    return {
        "doc": "a.txt",
        "id": gid,
        "types": types,
        "evidence": [evidence],
        "actor": {"name": "x", "country": actor} if actor else None,
        "participants": [{"name": p, "country": p} for p in parties],
        "location": location,
        "date": date,
        "amount": amount,
        "status": status,
        "required": required,
    }


GOLD = [
    gold_line(
        "a-1",
        ["statement"],
        "Smith said the talks had failed",
        "USA",
        ["FRA"],
        {"name": "Paris", "country": "FRA"},
        "2024-03-05",
    ),
    gold_line(
        "a-2", ["meeting"], "ministers met in Berlin", "DEU", ["FRA"], {"name": "Berlin", "country": "DEU"}, "2024-03"
    ),
    gold_line(
        "a-3",
        ["pledge"],
        "pledged 5 million euros",
        "DEU",
        ["UKR"],
        None,
        "2024-03-02",
        {"value": 5_000_000, "currency": "EUR"},
        "occurred",
    ),
    gold_line(
        "a-4",
        ["visit"],
        "will visit Kyiv next week",
        "DEU",
        ["UKR"],
        {"name": "Kyiv", "country": "UKR"},
        None,
        None,
        "planned",
    ),
    gold_line(
        "a-5",
        ["summit"],
        "Leaders gathered for a summit in Rome",
        None,
        ["ITA"],
        {"name": "Rome", "country": "ITA"},
        "2024-03-05",
    ),
    gold_line("a-6", ["statement"], "Critics said the plan was weak", required=False),
    gold_line("a-7", ["statement"], "Jones said prices would rise", "GBR", [], None, None),
]


def sentence(raw: str, words: str) -> tuple[str, int]:
    """The sentence of `raw` holding `words`, and its offset."""
    at = raw.index(words)
    start = raw.rfind(". ", 0, at) + 2 if raw.rfind(". ", 0, at) >= 0 else 0
    end = raw.find(". ", at)
    end = len(raw) if end < 0 else end + 1
    return raw[start:end], start


def event(
    n,
    doc_id,
    raw,
    words,
    etype,
    actor=None,
    parties=(),
    location=None,
    date=None,
    precision=None,
    amount=None,
    status="occurred",
):
    text, start = sentence(raw, words)
    return {
        "event_id": f"ev-{doc_id}-{n:03d}",
        "doc_id": doc_id,
        "published_date": DAY,
        "event_type": etype,
        "actor_name": f"actor of {n}" if actor else None,
        "actor_country": actor,
        "participants": [{"name": p, "country": p, "role": "target"} for p in parties],
        "location_name": location[0] if location else None,
        "location_country": location[1] if location else None,
        "event_date": date,
        "event_date_precision": precision,
        "status": status,
        "amount_value": amount[0] if amount else None,
        "amount_currency": amount[1] if amount else None,
        "evidence_text": text,
        "evidence_start": start,
        "evidence_end": start + len(text),
        "confidence": 0.8,
        "extractor_version": "test",
    }


EVENTS = [
    # a-1: parties miss FRA, no date (gold = the publication day), no place; then a duplicate of it
    event(1, "A", RAW_A, "Smith said", "statement", "USA"),
    event(2, "A", RAW_A, "Smith said", "statement", "USA"),
    # a-2: an extra country, a year where the gold has a month, the right place, planned for occurred
    event(
        3,
        "A",
        RAW_A,
        "ministers met",
        "meeting",
        "DEU",
        ["FRA", "POL"],
        ("Berlin", "DEU"),
        dt.date(2024, 1, 1),
        "year",
        status="planned",
    ),
    # a-3: the currency wrong, another day
    event(4, "A", RAW_A, "pledged 5", "pledge", "DEU", ["UKR"], None, dt.date(2024, 3, 3), "day", (5_000_000.0, "USD")),
    # a-4 found as a statement: a false positive of another type, and a miss found with another type
    event(5, "A", RAW_A, "will visit Kyiv", "statement", "DEU"),
    # a-6 is optional: matching it is right, not a false positive
    event(6, "A", RAW_A, "Critics said", "statement"),
    # a-7: no country at all
    event(7, "A", RAW_A, "Jones said", "statement"),
    # two false positives with no gold event in their sentence
    event(8, "A", RAW_A, "Brown said", "statement", "GBR"),
    event(9, "A", RAW_A, "Lee said", "statement", "KOR"),
    # a type the scorer ignores, and a document the gold does not cover
    event(10, "A", RAW_A, "Troops shelled", "military"),
    event(11, "B", RAW_B, "Someone said", "statement"),
]


def write_table(root: Path, name: str, rows: list[dict]) -> None:
    folder = root / name / f"published_date={DAY}"
    folder.mkdir(parents=True)
    # the project's column types, only the columns given (the partition key lives in the folder name)
    given = [c for c in rows[0] if c != "published_date"]
    pq.write_table(to_arrow(name, rows).select(given), folder / "part-0.parquet")


@pytest.fixture
def case(tmp_path) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(g) + "\n" for g in GOLD), encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    docs = [
        {"doc_id": d, "source_name": name, "published_date": DAY, "raw_text": raw, "text": raw}
        for d, name, raw in (("A", "a.txt", RAW_A), ("B", "b.txt", RAW_B))
    ]
    write_table(warehouse, "documents", docs)
    write_table(warehouse, "events", EVENTS)
    return gold, warehouse


def kinds_of(section: list[dict]) -> list[tuple[str, int]]:
    return [(k["kind"], k["count"]) for k in section]


def test_each_prediction_gets_the_scorers_outcome(case):
    gold, warehouse = case
    docs, events = read_warehouse(warehouse)
    outcomes, matched = match_events(read_gold(gold), docs, events)
    by_event = {e["event_id"]: o for e, o in zip(events, outcomes, strict=True)}
    kinds = {eid[-3:]: (o.kind, o.gold_id) for eid, o in by_event.items()}
    assert kinds == {
        "001": ("match", "a-1"),
        "002": ("duplicate", "a-1"),
        "003": ("match", "a-2"),
        "004": ("match", "a-3"),
        "005": ("false_positive", None),
        "006": ("match", "a-6"),
        "007": ("match", "a-7"),
        "008": ("false_positive", None),
        "009": ("false_positive", None),
        "010": ("other_type", None),
        "011": ("outside_gold", None),
    }
    assert set(matched) == {"a-1", "a-2", "a-3", "a-6", "a-7"}
    assert [judged_right(by_event[f"ev-A-{n:03d}"]) for n in (2, 5, 6, 10)] == [True, False, True, None]


def test_totals_are_the_scorers(case):
    gold, warehouse = case
    report = evaluate(gold, warehouse)
    explained = explain(gold, warehouse)
    s = explained["summary"]
    for key in ("true_positive", "false_positive", "duplicates", "other_types_ignored", "outside_gold_documents"):
        assert s[key] == report[key], key
    assert (s["true_positive"], s["false_positive"], s["duplicates"], s["missed"]) == (5, 3, 1, 2)
    assert s["missed"] == len(report["missed"])
    for arg, value in report["arguments"].items():
        assert explained["arguments"][arg]["score"] == value, arg
        assert explained["arguments"][arg]["scored"] == report["argument_counts"][arg], arg


def test_argument_categories(case):
    arguments = explain(*case)["arguments"]
    assert kinds_of(arguments["parties_f1"]["kinds"]) == [
        ("extra country", 1),
        ("gold country missing", 1),
        ("no country predicted", 1),
    ]
    assert kinds_of(arguments["date"]["kinds"]) == [
        ("coarser precision than the gold", 1),
        ("different date", 1),
        ("no date predicted (gold is the publication day)", 1),
    ]
    assert kinds_of(arguments["location_country"]["kinds"]) == [("no place predicted", 1)]
    assert kinds_of(arguments["status"]["kinds"]) == [("predicted planned, gold occurred", 1)]
    assert kinds_of(arguments["amount"]["kinds"]) == [("different value or currency", 1)]
    extra = arguments["parties_f1"]["kinds"][0]["cases"][0]
    assert (extra["gold_id"], extra["predicted"], extra["gold"]) == ("a-2", ["DEU", "FRA", "POL"], ["DEU", "FRA"])
    assert extra["evidence"] == "The ministers met in Berlin to discuss the crisis."
    date = arguments["date"]["kinds"][0]["cases"][0]
    assert (date["predicted"], date["gold"]) == ("2024-01-01 (year)", "2024-03")
    assert arguments["amount"]["kinds"][0]["cases"][0]["predicted"] == "5e+06 USD"
    assert arguments["location_country"]["kinds"][0]["cases"][0]["gold"] == "Paris (FRA)"
    assert arguments["parties_f1"]["kinds"][0]["by_type"] == {"meeting": 1}


def test_false_positives_and_misses_most_frequent_first(case):
    explained = explain(*case)
    assert kinds_of(explained["false_positives"]) == [
        ("no gold event in this sentence", 2),
        ("gold has another type in this sentence", 1),
    ]
    typed = explained["false_positives"][1]["cases"][0]
    assert typed["gold"] == ["a-4: visit"] and typed["event_type"] == "statement"
    assert explained["false_positives"][0]["by_type"] == {"statement": 2}
    assert kinds_of(explained["misses"]) == [
        ("found with another type", 1),
        ("not found (no prediction in its sentence)", 1),
    ]
    typed_miss = explained["misses"][0]["cases"][0]
    assert typed_miss["gold_id"] == "a-4" and typed_miss["nearest"]["event_type"] == "statement"
    assert typed_miss["gold"]["location"] == "Kyiv (UKR)" and typed_miss["gold"]["status"] == "planned"
    lost = explained["misses"][1]["cases"][0]
    # the nearest prediction by position: the sentence before the summit's
    assert lost["gold_id"] == "a-5" and lost["nearest"]["evidence"].startswith("The chancellor will visit Kyiv")


def test_disagreement_with_the_scorer_fails_loudly(case):
    gold, warehouse = case
    report = evaluate(gold, warehouse)
    explained = explain(gold, warehouse)
    explained["summary"]["false_positive"] += 1
    with pytest.raises(RuntimeError, match="false_positive"):
        check_against_scorer(explained, report)
    explained = explain(gold, warehouse)
    explained["arguments"]["date"]["score"] = 1.0
    with pytest.raises(RuntimeError, match="argument date"):
        check_against_scorer(explained, report)


def test_markdown_shows_every_section_with_cases(case):
    text = render_markdown(explain(*case))
    for heading in (
        "## Parties",
        "## Date",
        "## Location country",
        "## Status",
        "## Amount",
        "## False positives: 3",
        "## Missed required events: 2",
    ):
        assert heading in text, heading
    assert "| no gold event in this sentence | 2 | statement 2 |" in text
    assert "predicted DEU, FRA, POL; gold DEU, FRA" in text
    assert "> gold evidence: Leaders gathered for a summit in Rome" in text
    # the most frequent false-positive kind comes first
    assert text.index("#### no gold event in this sentence") < text.index("#### gold has another type in this sentence")


def test_cli_explain_markdown_json_and_usage(case, tmp_path, capsys):
    gold, warehouse = case
    out = tmp_path / "report.md"
    assert main(["evaluate", str(gold), str(warehouse), "--explain", "--out", str(out)]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["f1"] == evaluate(gold, warehouse)["f1"]
    assert out.read_text().startswith("# Extraction error report")
    assert main(["evaluate", str(gold), str(warehouse), "--explain", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["summary"]["false_positive"] == 3
    assert main(["evaluate", str(gold), str(warehouse), "--json"]) == EXIT_USAGE
    assert "--explain" in capsys.readouterr().err


def test_scorer_is_the_shared_one_unchanged():
    shared = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score_events.py"
    if not shared.is_file():
        pytest.skip("../shared is not beside this clone")
    assert Path(load_scorer().__file__).read_bytes() == shared.read_bytes()
