"""Cross-article grouping of event mentions into real events (the `event_clusters` table).

Constraint: a publication-date partition is published on its own and a rerun replaces only that
partition, so the `cluster_id` written into an event row must not depend on which other partitions
exist or on the order of runs. Clustering is therefore a *key*, computed from the event row alone:

    event_type | sorted party countries (actor + participants) | date bucket

and `cluster_id` is a hash of that key. Two mentions are the same real event exactly when their keys
agree, whichever days and articles they come from; `build_clusters` only groups rows by key and counts.

The date bucket is where "compatible dates" are decided:
- summit, meeting, visit, agreement, pledge and other types: the MONTH of the event date. A
  day-precision mention ("on Friday", 2024-11-15) and a month-precision one ("this month", 2024-11)
  of the same summit then share a key. Trade-offs: two different meetings of the same parties and
  type in one month merge, and an event straddling a month end (Nov 30 - Dec 1) splits in two.
- statement and speech: the DAY when the date is day-precise (officials speak about each other every
  day; a month bucket would merge a month of distinct statements), else the month.
- year-precision dates bucket on the year and so meet only other year-precision mentions.
- no event date: the publication date is used at the same granularity (undated statements and
  summits are mostly reported on, or just after, the day they happen).
Parties are the set of countries; when no country is known, the normalised actor name stands in.
An event with neither countries nor actor name cannot be matched with anything: it is its own
cluster, keyed by its event_id (`cluster_key` returns None).

Because keys are exact, mentions whose party sets differ (one article names only the host, another
both leaders) fall into different clusters: the grouping prefers precision to recall.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

DAY_BUCKET_TYPES = frozenset({"statement", "speech"})
CLUSTER_ID_PREFIX = "c"


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def party_countries(event: Mapping[str, Any]) -> list[str]:
    """Sorted ISO codes of the actor and the participants (duplicates and nulls removed)."""
    countries = {event.get("actor_country")}
    for participant in event.get("participants") or ():
        if isinstance(participant, Mapping):
            countries.add(participant.get("country"))
    return sorted(c for c in countries if isinstance(c, str) and c)


def date_bucket(event: Mapping[str, Any]) -> str | None:
    """The date part of the key, at the granularity described in the module docstring."""
    date = _as_date(event.get("event_date"))
    precision = (event.get("event_date_precision") or "day") if date else "day"
    if date is None:
        date = _as_date(event.get("published_date"))
        if date is None:
            return None
    if precision == "year":
        return f"{date.year:04d}"
    if precision == "day" and event.get("event_type") in DAY_BUCKET_TYPES:
        return date.isoformat()
    return f"{date.year:04d}-{date.month:02d}"


def _normalised_name(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    text = " ".join(name.lower().split())
    return text or None


def cluster_key(event: Mapping[str, Any]) -> str | None:
    """The key shared by all mentions of one real event, or None when the row has too little to match."""
    event_type = event.get("event_type")
    if not event_type:
        return None
    countries = party_countries(event)
    parties = ",".join(countries) if countries else _normalised_name(event.get("actor_name"))
    bucket = date_bucket(event)
    if not parties or bucket is None:
        return None
    parties_kind = "countries" if countries else "actor"
    return f"{event_type}|{parties_kind}:{parties}|{bucket}"


def cluster_id(event: Mapping[str, Any]) -> str:
    """Deterministic cluster id of an event row: from its key, or from its event_id when it has none."""
    key = cluster_key(event)
    basis = key if key is not None else f"event:{event['event_id']}"
    return f"{CLUSTER_ID_PREFIX}{hashlib.sha256(basis.encode('utf-8')).hexdigest()[:16]}"


def assign_cluster_ids(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the event rows with `cluster_id` set (the column of the events table)."""
    return [{**event, "cluster_id": cluster_id(event)} for event in events]


def _outlet_by_doc(documents: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    outlets: dict[str, str] = {}
    for doc in documents:
        outlet = doc.get("outlet") or doc.get("source_name")
        if doc.get("doc_id") and outlet:
            outlets[doc["doc_id"]] = str(outlet).strip()
    return outlets


def _main_actor_country(members: list[Mapping[str, Any]]) -> str | None:
    """The most frequent actor country among the mentions (ties: alphabetical), so the row is stable."""
    counts = Counter(m.get("actor_country") for m in members if m.get("actor_country"))
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], c))


_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def _cluster_date(members: list[Mapping[str, Any]]) -> tuple[dt.date | None, str | None]:
    """The earliest date at the finest precision any mention gives."""
    dated = [
        (_PRECISION_RANK.get(m.get("event_date_precision") or "day", 3), _as_date(m.get("event_date")), m)
        for m in members
        if _as_date(m.get("event_date"))
    ]
    if not dated:
        return None, None
    rank, date, member = min(dated, key=lambda d: (d[0], d[1]))
    return date, member.get("event_date_precision") or "day"


def build_clusters(events: list[dict[str, Any]], documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the event_clusters table: one per cluster, with mention, article and outlet counts.

    An outlet is documents.outlet, or the source file name when the outlet is unknown; events whose
    document is missing still count as mentions and articles but add no outlet.
    """
    outlets = _outlet_by_doc(documents)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        groups[event.get("cluster_id") or cluster_id(event)].append(event)
    rows: list[dict[str, Any]] = []
    for cid in sorted(groups):
        members = groups[cid]
        countries = sorted({c for m in members for c in party_countries(m)})
        event_date, precision = _cluster_date(members)
        published = [d for d in (_as_date(m.get("published_date")) for m in members) if d]
        doc_ids = {m.get("doc_id") for m in members if m.get("doc_id")}
        rows.append(
            {
                "cluster_id": cid,
                "published_date": min(published) if published else None,
                "event_type": members[0]["event_type"],
                "actor_country": _main_actor_country(members),
                "countries": countries,
                "event_date": event_date,
                "event_date_precision": precision,
                "mentions": len(members),
                "articles": len(doc_ids),
                "outlets": len({outlets[d] for d in doc_ids if d in outlets}),
                "event_ids": sorted(str(m["event_id"]) for m in members),
            }
        )
    return rows


EVENT_COLUMNS = (
    "event_id",
    "doc_id",
    "published_date",
    "event_type",
    "actor_name",
    "actor_country",
    "participants",
    "event_date",
    "event_date_precision",
    "cluster_id",
)
DOCUMENT_COLUMNS = ("doc_id", "outlet", "source_name")


def cluster_table(events: pa.Table, documents: pa.Table | None) -> pa.Table:
    """The event_clusters table (its full schema) from Arrow events and documents tables."""
    from pipeline.warehouse import to_arrow

    event_rows = events.select([c for c in EVENT_COLUMNS if c in events.column_names]).to_pylist()
    doc_rows = (
        documents.select([c for c in DOCUMENT_COLUMNS if c in documents.column_names]).to_pylist()
        if documents is not None
        else []
    )
    return to_arrow("event_clusters", build_clusters(event_rows, doc_rows))
