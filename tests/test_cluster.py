"""Cross-article clusters: same real event across articles and days clusters; other types or parties don't;
ids depend only on the event row, never on which other rows or partitions exist."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa

from pipeline.cluster import assign_cluster_ids, build_clusters, cluster_id, cluster_key
from schemas.tables import EVENT_CLUSTERS


def event(event_id: str, doc_id: str, **fields) -> dict:
    base = {
        "event_id": event_id,
        "doc_id": doc_id,
        "published_date": dt.date(2024, 11, 16),
        "event_type": "summit",
        "actor_name": "Yoon Suk Yeol",
        "actor_country": "KOR",
        "participants": [{"name": "Xi Jinping", "country": "CHN", "role": "counterpart"}],
        "event_date": dt.date(2024, 11, 15),
        "event_date_precision": "day",
    }
    base.update(fields)
    return base


DOCS = [
    {"doc_id": "d1", "outlet": "Reuters", "source_name": "a.txt"},
    {"doc_id": "d2", "outlet": "AP", "source_name": "b.txt"},
    {"doc_id": "d3", "outlet": None, "source_name": "c.txt"},
    {"doc_id": "d4", "outlet": "Reuters", "source_name": "d.txt"},
]


def test_same_summit_reported_on_different_days_and_precisions_clusters() -> None:
    day = event("e1", "d1")
    next_day_other_side = event(
        "e2",
        "d2",
        published_date=dt.date(2024, 11, 17),
        actor_name="Xi Jinping",
        actor_country="CHN",
        participants=[{"name": "Yoon", "country": "KOR", "role": "counterpart"}],
    )
    month_only = event(
        "e3", "d3", published_date=dt.date(2024, 11, 20), event_date=dt.date(2024, 11, 1), event_date_precision="month"
    )
    assert cluster_id(day) == cluster_id(next_day_other_side) == cluster_id(month_only)
    (row,) = build_clusters([day, next_day_other_side, month_only], DOCS)
    assert row["mentions"] == 3 and row["articles"] == 3 and row["outlets"] == 3  # Reuters, AP, c.txt
    assert row["countries"] == ["CHN", "KOR"]
    assert row["event_date"] == dt.date(2024, 11, 15) and row["event_date_precision"] == "day"
    assert (row["first_published"], row["last_published"]) == (dt.date(2024, 11, 16), dt.date(2024, 11, 20))
    assert row["event_ids"] == ["e1", "e2", "e3"]


def test_different_types_or_disjoint_parties_or_months_do_not_cluster() -> None:
    summit = event("e1", "d1")
    agreement = event("e2", "d2", event_type="agreement")
    other_parties = event(
        "e3", "d2", actor_country="USA", participants=[{"name": "Japan", "country": "JPN", "role": None}]
    )
    next_month = event("e4", "d2", event_date=dt.date(2024, 12, 15))
    ids = {cluster_id(e) for e in (summit, agreement, other_parties, next_month)}
    assert len(ids) == 4
    assert len(build_clusters([summit, agreement, other_parties, next_month], DOCS)) == 4


def test_statements_cluster_by_day_not_by_month() -> None:
    monday = event("e1", "d1", event_type="statement", event_date=dt.date(2024, 11, 11))
    friday = event("e2", "d2", event_type="statement", event_date=dt.date(2024, 11, 15))
    friday_again = event("e3", "d4", event_type="statement", event_date=dt.date(2024, 11, 15))
    assert cluster_id(monday) != cluster_id(friday) == cluster_id(friday_again)
    rows = {r["cluster_id"]: r for r in build_clusters([monday, friday, friday_again], DOCS)}
    assert rows[cluster_id(friday)]["outlets"] == 2  # d2 AP, d4 Reuters


def test_undated_events_use_the_publication_date_and_nameless_ones_are_singletons() -> None:
    undated = event("e1", "d1", event_date=None, event_date_precision=None)
    assert cluster_key(undated) == "summit|countries:CHN,KOR|2024-11"
    nothing = event(
        "e2", "d1", actor_name=None, actor_country=None, participants=[], event_date=None, published_date=None
    )
    also_nothing = {**nothing, "event_id": "e3"}
    assert cluster_key(nothing) is None
    assert cluster_id(nothing) != cluster_id(also_nothing)
    assert len(build_clusters([nothing, also_nothing], DOCS)) == 2


def test_actor_name_stands_in_when_no_country_is_known() -> None:
    a = event("e1", "d1", actor_country=None, participants=[], actor_name="Hamas  ")
    b = event("e2", "d2", actor_country=None, participants=[], actor_name="hamas")
    c = event("e3", "d2", actor_country=None, participants=[], actor_name="Hezbollah")
    assert cluster_id(a) == cluster_id(b) != cluster_id(c)


def test_ids_do_not_depend_on_other_rows_or_order() -> None:
    events = [event(f"e{i}", f"d{i % 4 + 1}", event_date=dt.date(2024, 1 + i % 3, 5)) for i in range(12)]
    alone = {e["event_id"]: cluster_id(e) for e in events}
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    together = {e["event_id"]: e["cluster_id"] for e in assign_cluster_ids(shuffled)}
    assert alone == together
    assert build_clusters(events, DOCS) == build_clusters(shuffled, DOCS)
    first_partition_only = build_clusters(events[:4], DOCS)
    assert {r["cluster_id"] for r in first_partition_only} <= {r["cluster_id"] for r in build_clusters(events, DOCS)}


def test_rows_fit_the_event_clusters_schema() -> None:
    rows = build_clusters([event("e1", "d1"), event("e2", "d2")], DOCS)
    table = pa.Table.from_pylist(rows, schema=EVENT_CLUSTERS.schema)
    assert table.num_rows == 1
    assert not EVENT_CLUSTERS.partitioned
    assert set(rows[0]) == set(EVENT_CLUSTERS.schema.names)


def test_rebuild_event_clusters_from_a_warehouse(tmp_path) -> None:
    from pipeline.stages import refresh_event_clusters
    from pipeline.warehouse import publish_partition, read_table, to_arrow

    assert refresh_event_clusters(str(tmp_path))["clusters"] == 0  # no events yet
    day1 = [event("e1", "d1", published_date=dt.date(2024, 11, 16), evidence_text="x", evidence_start=0)]
    day2 = [event("e2", "d2", published_date=dt.date(2024, 11, 17), evidence_text="y", evidence_start=0)]
    docs = {
        dt.date(2024, 11, 16): [{**DOCS[0], "published_date": dt.date(2024, 11, 16), "raw_text": "x", "text": "x"}],
        dt.date(2024, 11, 17): [{**DOCS[1], "published_date": dt.date(2024, 11, 17), "raw_text": "y", "text": "y"}],
    }
    for rows in (day1, day2):
        day = rows[0]["published_date"]
        defaults = {"evidence_end": 1, "confidence": 1.0, "extractor_version": "t", "raw_chars": 1, "removed_chars": 0}
        publish_partition(tmp_path, "events", day, to_arrow("events", [{**defaults, **r} for r in rows]))
        publish_partition(tmp_path, "documents", day, to_arrow("documents", [{**defaults, **d} for d in docs[day]]))
    assert refresh_event_clusters(str(tmp_path))["clusters"] == 1
    assert len(list((tmp_path / "event_clusters").glob("part-*.parquet"))) == 1
    table = read_table(tmp_path, "event_clusters")
    assert table.num_rows == 1
    (row,) = table.to_pylist()
    assert (row["mentions"], row["articles"], row["outlets"]) == (2, 2, 2)
    assert row["first_published"] == dt.date(2024, 11, 16) and row["last_published"] == dt.date(2024, 11, 17)


def pledge(event_id: str, doc_id: str, value: float | None, **fields) -> dict:
    return event(
        event_id,
        doc_id,
        event_type="pledge",
        actor_name="Japan",
        actor_country="JPN",
        participants=[{"name": "Ukraine", "country": "UKR", "role": "recipient"}],
        amount_value=value,
        amount_currency="USD" if value is not None else None,
        **fields,
    )


def test_pledges_of_different_sums_are_different_events() -> None:
    small, large, larger = pledge("e1", "d1", 150e6), pledge("e2", "d2", 300e6), pledge("e3", "d2", 2e9)
    again = pledge("e4", "d4", 300e6, published_date=dt.date(2024, 11, 18))
    unstated = pledge("e5", "d1", None)
    assert len({cluster_id(e) for e in (small, large, larger, unstated)}) == 4
    assert cluster_id(large) == cluster_id(again)
    in_euros = {**again, "event_id": "e6", "amount_currency": "EUR"}
    assert cluster_id(in_euros) != cluster_id(again)
    rows = {r["cluster_id"]: r for r in build_clusters([small, large, larger, again, unstated], DOCS)}
    assert rows[cluster_id(large)]["mentions"] == 2 and rows[cluster_id(large)]["amount_value"] == 300e6
    assert sum(r["amount_value"] or 0 for r in rows.values()) == 150e6 + 300e6 + 2e9  # each pledge counted once
    summit = event("e7", "d1")
    assert cluster_key(summit).count("amount") == 0  # only pledges carry the amount in their key


def test_a_cluster_row_stands_alone() -> None:
    docs = [{**d, "url": f"https://example.org/{d['doc_id']}"} for d in DOCS]
    members = [
        event(
            "e1",
            "d1",
            cameo_code="043",
            status="planned",
            confidence=0.6,
            evidence_text="They will meet.",
            location_name="Seoul",
            location_country="KOR",
            location_lat=37.5,
            location_lon=127.0,
        ),
        event(
            "e2",
            "d2",
            cameo_code="043",
            status="occurred",
            confidence=0.9,
            evidence_text="They met in Seoul.",
            location_name="Seoul",
            location_country="KOR",
            location_lat=37.5,
            location_lon=127.0,
            published_date=dt.date(2024, 11, 17),
        ),
        event(
            "e3",
            "d3",
            cameo_code="042",
            confidence=0.9,
            evidence_text="They met.",
            actor_name="Xi Jinping",
            actor_country="CHN",
            participants=[{"name": "Yoon", "country": "KOR", "role": "counterpart"}],
            location_name=None,
            location_country="KOR",
            published_date=dt.date(2024, 11, 18),
        ),
    ]
    (row,) = build_clusters(members, docs)
    assert (row["actor_country"], row["actor_name"]) == ("KOR", "Yoon Suk Yeol")
    assert (row["location_name"], row["location_country"], row["location_lat"]) == ("Seoul", "KOR", 37.5)
    assert row["cameo_code"] == "043" and row["status"] == "occurred" and row["confidence"] == 0.9
    # highest confidence, then earliest published: e2 (0.9, Nov 17) before e3 (0.9, Nov 18)
    assert row["evidence_text"] == "They met in Seoul." and row["url"] == "https://example.org/d2"
    assert row["outlet"] == "AP"
