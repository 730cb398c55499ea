"""A warehouse of many dates built directly with pyarrow, for measuring and testing what grows with it.

No extraction runs: each date gets documents and events partitions in the published layout
(`TABLE/published_date=D/part-0.parquet`, schema from schemas/tables.py) with made-up but valid
rows. Events repeat the same parties within a month, so clusters span dates the way real
coverage does (the same summit reported on several days), and pledges come in a few sums.
`variant` changes a date's content (another draw, another number of events), as a rerun of the
date with new articles would.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.cluster import cluster_id
from pipeline.warehouse import file_table, partition_file, publish_partition, to_arrow

TYPES = ("summit", "meeting", "visit", "statement", "pledge", "agreement")
PAIRS = (("KOR", "CHN"), ("USA", "JPN"), ("FRA", "DEU"), ("RUS", "PRK"), ("GBR", "UKR"), ("IND", "BRA"))
PLACES = {"KOR": ("Seoul", 37.566, 126.978), "USA": ("Washington", 38.895, -77.036), "FRA": ("Paris", 48.853, 2.349)}
SUMS = (150e6, 300e6, 2e9)
OUTLETS = ("Wire A", "Wire B", "Daily C", "Times D")


def date_rows(day: dt.date, events_per_date: int, variant: int = 0) -> tuple[list[dict], list[dict]]:
    """The documents and events rows of one date (deterministic for a day and variant)."""
    rng = random.Random(f"{day.isoformat()}:{variant}")
    n_events = max(1, events_per_date - variant % 3)
    n_docs = max(1, n_events // 4)
    docs = [
        {
            "doc_id": f"d{day:%Y%m%d}v{variant}n{k}",
            "published_date": day,
            "source_name": f"{day:%Y%m%d}-{k}.txt",
            "outlet": OUTLETS[rng.randrange(len(OUTLETS))],
            "url": f"https://news.example/{day:%Y/%m/%d}/{variant}-{k}",
            "raw_text": "text",
            "text": "text",
            "raw_chars": 4,
            "removed_chars": 0,
        }
        for k in range(n_docs)
    ]
    events = []
    for j in range(n_events):
        actor, other = PAIRS[rng.randrange(len(PAIRS))]
        etype = TYPES[rng.randrange(len(TYPES))]
        place = PLACES.get(actor)
        lag = rng.randrange(0, 20)
        row = {
            "event_id": f"e{day:%Y%m%d}v{variant}n{j}",
            "doc_id": docs[j % n_docs]["doc_id"],
            "published_date": day,
            "event_type": etype,
            "cameo_code": "043" if etype in ("summit", "meeting") else "010",
            "actor_name": f"Leader of {actor}",
            "actor_country": actor,
            "actor_kind": "person",
            "participants": [{"name": f"Leader of {other}", "country": other, "role": "counterpart"}],
            "location_name": place[0] if place else None,
            "location_country": actor if place else None,
            "location_lat": place[1] if place else None,
            "location_lon": place[2] if place else None,
            "event_date": day - dt.timedelta(days=lag) if rng.random() < 0.8 else None,
            "event_date_precision": "day",
            "status": "occurred" if rng.random() < 0.7 else "planned",
            "amount_value": SUMS[rng.randrange(len(SUMS))] if etype == "pledge" else None,
            "amount_currency": "USD" if etype == "pledge" else None,
            "evidence_text": f"{actor} and {other}: {etype} number {j}.",
            "evidence_start": 0,
            "evidence_end": 4,
            "confidence": round(rng.uniform(0.5, 1.0), 2),
            "extractor_version": "synthetic",
        }
        if row["event_date"] is None:
            row["event_date_precision"] = None
        row["cluster_id"] = cluster_id(row)
        events.append(row)
    return docs, events


def publish_date(root: str | Path, day: dt.date, events_per_date: int, variant: int = 0, fast: bool = False) -> int:
    """Publish one date's documents and events partitions; returns the number of events.

    `fast` skips publish_partition's fsync and stray-file sweep, to build thousands of dates quickly
    (each file is still a new file renamed into place, as a publish makes it)."""
    docs, events = date_rows(day, events_per_date, variant)
    for name, rows in (("documents", docs), ("events", events)):
        table = to_arrow(name, rows)
        if fast:
            target = Path(partition_file(root, name, day))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent.parent / f".{target.parent.name}.tmp"
            pq.write_table(file_table(name, table), tmp)
            os.replace(tmp, target)
        else:
            publish_partition(root, name, day, table)
    return len(events)


def build(root: str | Path, days: list[dt.date], events_per_date: int, fast: bool = True) -> int:
    """Every date of `days`; returns the number of events written."""
    return sum(publish_date(root, day, events_per_date, fast=fast) for day in days)
