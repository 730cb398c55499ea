"""Cross-article grouping of event mentions into real events (the `event_clusters` table).

Constraint: a publication-date partition is published on its own and a rerun replaces only that
partition, so the `cluster_id` written into an event row must not depend on which other partitions
exist or on the order of runs. Clustering is therefore a *key*, computed from the event row alone:

    event_type | sorted party countries (actor + participants) | date bucket [| amount, for pledges]

and `cluster_id` is `c`, the key's period (month or year of its date bucket, see `cluster_period`),
a dash and a hash of that key. Pledges carry their amount and currency in the key: two
pledges of the same parties in one month but of different sums (150 million, 2 billion) are
different commitments, and a pledge whose sum is unknown is kept apart from those whose sum is
stated (merging it into one of them would be a guess). Two mentions are the same real event exactly when their keys
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

DAY_BUCKET_TYPES = frozenset({"statement", "speech"})
AMOUNT_KEY_TYPES = frozenset({"pledge"})
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
    key = f"{event_type}|{parties_kind}:{parties}|{bucket}"
    return f"{key}|{amount_part(event)}" if event_type in AMOUNT_KEY_TYPES else key


def amount_part(event: Mapping[str, Any]) -> str:
    """The amount in a pledge's key: value to the cent and currency, or `amount:none` when unstated."""
    value, currency = event.get("amount_value"), event.get("amount_currency")
    if value is None:
        return "amount:none"
    return f"amount:{float(value):.2f} {currency or '?'}"


def cluster_period(event: Mapping[str, Any]) -> str:
    """The month (`YYYY-MM`) or year (`YYYY`) of the key's date bucket, `undated` without any date.

    It leads the cluster id, so the clusters of one period are stored together (cluster_store.py):
    a date's events belong to a few periods, and refreshing it touches a few files."""
    bucket = date_bucket(event)
    return bucket[:7] if bucket else "undated"


def cluster_id(event: Mapping[str, Any]) -> str:
    """Deterministic cluster id of an event row, `c<period>-<hash of the key>` (the event_id stands in
    for the key when the row has too little to match)."""
    key = cluster_key(event)
    basis = key if key is not None else f"event:{event['event_id']}"
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
    return f"{CLUSTER_ID_PREFIX}{cluster_period(event)}-{digest}"


def assign_cluster_ids(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the event rows with `cluster_id` set (the column of the events table)."""
    return [{**event, "cluster_id": cluster_id(event)} for event in events]


def outlet_of(doc: Mapping[str, Any]) -> str | None:
    """documents.outlet, or the source file name when the outlet is unknown."""
    outlet = doc.get("outlet") or doc.get("source_name")
    return str(outlet).strip() if outlet else None


def member_rows(events: Iterable[Mapping[str, Any]], documents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Event rows with their article's `outlet` and `url` (None when the document is missing)."""
    docs = {d["doc_id"]: d for d in documents if d.get("doc_id")}
    out = []
    for event in events:
        doc = docs.get(event.get("doc_id"), {})
        out.append({**event, "outlet": outlet_of(doc) if doc else None, "url": doc.get("url")})
    return out


def _most_frequent(values: Iterable[Any]) -> Any:
    """The most frequent non-null value (ties: the smallest), so a cluster's row is stable."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], _sort_key(v)))


def _sort_key(value: Any) -> tuple:
    if isinstance(value, tuple):
        return tuple(("" if v is None else str(v)) for v in value)
    return (str(value),)


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


def _location(members: list[Mapping[str, Any]]) -> tuple[Any, Any, Any, Any]:
    """The most frequent place among the mentions that give one, with its country and point."""
    places = [
        (m.get("location_name"), m.get("location_country"), m.get("location_lat"), m.get("location_lon"))
        for m in members
        if m.get("location_name") or m.get("location_country")
    ]
    named = [p for p in places if p[0]]
    return _most_frequent(named or places) or (None, None, None, None)


def _status(members: list[Mapping[str, Any]]) -> str | None:
    statuses = {m.get("status") for m in members}
    return "occurred" if "occurred" in statuses else ("planned" if "planned" in statuses else None)


def _representative(members: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The mention whose sentence stands for the cluster: highest confidence, earliest published, lowest id."""
    return min(
        members,
        key=lambda m: (
            -(m.get("confidence") or 0.0),
            _as_date(m.get("published_date")) or dt.date.max,
            str(m["event_id"]),
        ),
    )


def cluster_row(cid: str, members: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One event_clusters row from its member rows (event rows with `outlet` and `url`, see member_rows)."""
    actor_country = _most_frequent(m.get("actor_country") for m in members)
    same_country = [m for m in members if m.get("actor_country") == actor_country] or members
    location_name, location_country, lat, lon = _location(members)
    event_date, precision = _cluster_date(members)
    published = [d for d in (_as_date(m.get("published_date")) for m in members) if d]
    amount = _most_frequent(
        (m.get("amount_value"), m.get("amount_currency")) for m in members if m.get("amount_value") is not None
    ) or (None, None)
    best = _representative(members)
    return {
        "cluster_id": cid,
        "event_type": members[0]["event_type"],
        "cameo_code": _most_frequent(m.get("cameo_code") for m in members),
        "actor_name": _most_frequent(m.get("actor_name") for m in same_country),
        "actor_country": actor_country,
        "countries": sorted({c for m in members for c in party_countries(m)}),
        "location_name": location_name,
        "location_country": location_country,
        "location_lat": lat,
        "location_lon": lon,
        "event_date": event_date,
        "event_date_precision": precision,
        "amount_value": amount[0],
        "amount_currency": amount[1],
        "status": _status(members),
        "confidence": max((m.get("confidence") or 0.0) for m in members),
        "first_published": min(published) if published else None,
        "last_published": max(published) if published else None,
        "mentions": len(members),
        "articles": len({m.get("doc_id") for m in members if m.get("doc_id")}),
        "outlets": len({m["outlet"] for m in members if m.get("outlet")}),
        "evidence_text": best.get("evidence_text"),
        "url": best.get("url"),
        "outlet": best.get("outlet"),
        "event_ids": sorted(str(m["event_id"]) for m in members),
    }


def group_members(members: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Member rows by cluster id (the stored events.cluster_id, else the one computed from the row)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for member in members:
        groups[member.get("cluster_id") or cluster_id(member)].append(member)
    return groups


def cluster_rows(members: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the event_clusters table, sorted by cluster_id, from member rows."""
    groups = group_members(members)
    return [cluster_row(cid, groups[cid]) for cid in sorted(groups)]


def build_clusters(events: list[dict[str, Any]], documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the event_clusters table: one per cluster, with mention, article and outlet counts.

    An outlet is documents.outlet, or the source file name when the outlet is unknown; events whose
    document is missing still count as mentions and articles but add no outlet.
    """
    return cluster_rows(member_rows(events, documents))


EVENT_COLUMNS = (
    "event_id",
    "doc_id",
    "published_date",
    "event_type",
    "cameo_code",
    "actor_name",
    "actor_country",
    "participants",
    "location_name",
    "location_country",
    "location_lat",
    "location_lon",
    "event_date",
    "event_date_precision",
    "status",
    "amount_value",
    "amount_currency",
    "confidence",
    "evidence_text",
    "cluster_id",
)
DOCUMENT_COLUMNS = ("doc_id", "outlet", "source_name", "url")
