"""Stage records survive XCom (plain JSON) unchanged, and a dict of another shape is refused
with the field's name rather than failing somewhere downstream."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.records import Cleaned, Counts, Ingested, Prepared, Published, RecordError, Shard, Validated, grown

DAY = dt.date(2024, 2, 29)


def ingested() -> Ingested:
    return Ingested(
        day=DAY,
        run_id="backfill__2024-02-29T00:00:00+00:00",
        started_at="2024-03-01T00:00:01+00:00",
        source="/src",
        warehouse="s3://bucket/wh",
        stage="s3://bucket/wh/_staging/2024-02-29/r",
        ingested_file="s3://bucket/wh/_staging/2024-02-29/r/ingested.parquet",
        quarantine_file="s3://bucket/wh/_staging/2024-02-29/r/quarantine.parquet",
        counts=Counts(inputs=3, documents=2, duplicates=0, quarantined=1),
        source_counts={"inputs": 9, "documents": 7},
        index={"files": 4, "files_read": 1},
        seconds={"ingest": 0.25},
    )


def test_every_record_round_trips_through_json():
    cleaned = grown(ingested(), Cleaned, documents_file="d.parquet", removed_segments_file="r.parquet")
    validated = grown(
        cleaned,
        Validated,
        events_file="e.parquet",
        validation="passed",
        fingerprint="abc",
        counts=Counts(3, 2, 0, 1, events=5),
    )
    published = Published(DAY, "r", "wh", validated.counts, "passed", {"publish": 0.5}, "rep.json", None)
    records = [
        ingested(),
        cleaned,
        validated,
        Shard(cleaned, 1, 2, 1, 1),
        published,
        Prepared(done=published),
        Prepared(shards=[Shard(cleaned, 0, 1, 0, 200)]),
    ]
    for record in records:
        data = json.loads(json.dumps(record.to_xcom()))
        back = type(record).from_xcom(data)
        assert back == record, type(record).__name__
    assert Shard.from_xcom(records[3].to_xcom()).cleaned.day == DAY  # a date again, not a string


def test_a_dict_of_another_record_is_refused_naming_the_fields():
    shard = Shard(grown(ingested(), Cleaned, documents_file="d", removed_segments_file="r"), 0, 1, 0, 1)
    with pytest.raises(RecordError, match=r"not a Cleaned record \(unknown fields \['cleaned'"):
        Cleaned.from_xcom(shard.to_xcom())
    data = shard.to_xcom()
    del data["cleaned"]["documents_file"]
    with pytest.raises(RecordError, match=r"Shard.cleaned: .*missing \['documents_file'\]"):
        Shard.from_xcom(data)


def test_counts_leave_out_what_is_not_known_yet():
    assert Counts(1, 1, 0, 0).as_dict() == {"inputs": 1, "documents": 1, "duplicates": 0, "quarantined": 0}
    assert Counts(1, 1, 0, 0, events=4).as_dict()["events"] == 4
