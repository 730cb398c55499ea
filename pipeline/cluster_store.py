"""event_clusters kept up to date per published date: only the clusters a date's events belong to change.

Why: a cluster spans days, so the table used to be rebuilt from every events partition after each
publish, and the cost of a date grew with the warehouse. A cluster's row depends only on its member
events (pipeline/cluster.py), so after a date changes it is enough to recompute the clusters that
date's events belonged to before and belong to now; every other row stays as it is.

Layout (all files replaced atomically, one at a time, by warehouse.write_bytes):
- `ROOT/event_clusters/part-PERIOD.parquet`: the table, one file per period that cluster ids start
  with (`part-2024-11.parquet`, `part-2024.parquet` for year-precision events, `part-undated`; ids of
  an older form go to `part-hNN` by a hash), so the clusters a date's events belong to sit in a few
  files. A file exists only for a period that has clusters; an empty table is one empty
  `part-empty.parquet`. Each file has the table's schema, so `pd.read_parquet(ROOT/event_clusters)`,
  DuckDB and Polars globs and pyarrow datasets read the folder as one table.
- `ROOT/_clusters/members/part-NNN.parquet`: the member rows of each bucket (the event columns a
  cluster row is built from, plus the article's outlet and url), sorted by cluster_id and event_id.
- `ROOT/_clusters/state.json`: the layout and schema version the files were written with, and per
  published date the signature (size, stamp and inode of its events file) it was folded in with and
  the buckets holding its rows.

A refresh lists the events partitions (one directory listing), and every date
whose signature differs from the state's, or that appeared or disappeared, is folded in: its old
rows leave their buckets, its new rows enter theirs, and the clusters they touch are recomputed.
Before touching a bucket, `_clusters/pending.json` records, for each such date, the union of its
old and new buckets; the state written at the end removes it. A crash at any point leaves those
dates stale with a superset of their buckets, and the next refresh redoes them; the result is the same as a full rebuild, which stays
available (`python -m pipeline clusters --rebuild`) and is used when the state is missing or was
written by another layout or schema version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.cluster import DOCUMENT_COLUMNS, EVENT_COLUMNS, cluster_id, cluster_rows, member_rows
from schemas import SCHEMA_VERSION, TABLES

log = logging.getLogger("pipeline.clusters")

LAYOUT = 2
LEGACY_BUCKETS = 16
EMPTY = "empty"
TABLE = "event_clusters"
STORE = "_clusters"
# Above this share of stale dates a full rebuild costs less than folding them in one by one.
REBUILD_SHARE = 0.5
MIN_DATES_FOR_REBUILD = 50


@dataclass
class State:
    """What the cluster files were built from: per date its input signature and its buckets."""

    dates: dict[str, dict] = field(default_factory=dict)
    layout: int = LAYOUT
    schema_version: str = SCHEMA_VERSION

    def compatible(self) -> bool:
        return (self.layout, self.schema_version) == (LAYOUT, SCHEMA_VERSION)

    def to_json(self) -> bytes:
        body = {
            "layout": self.layout,
            "schema_version": self.schema_version,
            "dates": {d: self.dates[d] for d in sorted(self.dates)},
        }
        # compact, so the C encoder runs: the state of 3,000 dates is written after every refresh
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def member_schema() -> pa.Schema:
    """Schema of the member files: the events columns clusters are built from, plus outlet and url."""
    events = TABLES["events"].schema
    return pa.schema(
        [events.field(c).remove_metadata() for c in EVENT_COLUMNS]
        + [pa.field("outlet", pa.string()), pa.field("url", pa.string())]
    )


_PERIOD_ID = re.compile(r"c(\d{4}(?:-\d{2})?|undated)-[0-9a-f]{16}")


def bucket_of(cid: str) -> str:
    """The file a cluster lives in, from its id alone so that a cluster never moves between files: the
    period the id starts with (a date's events fall in a few periods, so a refresh touches a few
    files), or for an id of an older form a hash bucket `hNN`."""
    match = _PERIOD_ID.fullmatch(cid)
    if match:
        return match.group(1)
    return f"h{int(hashlib.sha1(cid.encode('utf-8')).hexdigest()[:8], 16) % LEGACY_BUCKETS:02d}"


# ---------------------------------------------------------------- paths and files


def _paths(root: str):
    from pipeline.warehouse import join

    return {
        "table": join(root, TABLE),
        "members": join(root, STORE, "members"),
        "state": join(root, STORE, "state.json"),
        "pending": join(root, STORE, "pending.json"),
    }


def _part_name(bucket: str) -> str:
    return f"part-{bucket}.parquet"


def read_state(root: str) -> State | None:
    """The state, with the dates of an unfinished refresh (`pending.json`) marked stale with every
    bucket they may have rows in; None when there is no usable state (a rebuild follows)."""
    from pipeline.warehouse import exists, read_bytes

    paths = _paths(root)
    if not exists(paths["state"]):
        return None
    try:
        body = json.loads(read_bytes(paths["state"]))
        state = State(body["dates"], body["layout"], body["schema_version"])
        pending = json.loads(read_bytes(paths["pending"])) if exists(paths["pending"]) else {}
    except (ValueError, KeyError, TypeError):
        log.warning("event_clusters state in %s is unreadable: rebuilding the table", paths["state"])
        return None
    for day, buckets in pending.items():
        known = set((state.dates.get(day) or {}).get("buckets", ()))
        state.dates[day] = {"signature": None, "buckets": sorted(known | set(buckets))}
    return state


def write_state(root: str, state: State) -> None:
    """The state, then the end of any unfinished refresh (its dates are in the state now)."""
    from pipeline.warehouse import remove_file, write_bytes

    write_bytes(state.to_json(), _paths(root)["state"])
    remove_file(_paths(root)["pending"])


def write_pending(root: str, buckets: dict[str, list[str]]) -> None:
    """Before any bucket changes: the dates being folded in and every bucket each may have rows in."""
    from pipeline.warehouse import write_bytes

    write_bytes(json.dumps(buckets, sort_keys=True).encode(), _paths(root)["pending"])


def _read_file(path: str) -> pa.Table | None:
    from pipeline.warehouse import exists, read_staged

    return read_staged(path) if exists(path) else None


def _write_or_remove(table: pa.Table, path: str, schema: pa.Schema, name: str, keep_empty: bool = False) -> None:
    """Write a bucket file with a fixed schema and metadata (same rows, same bytes), or remove it when empty."""
    from pipeline.warehouse import parquet_bytes, remove_file, write_bytes

    if table.num_rows == 0 and not keep_empty:
        remove_file(path)
        return
    meta = {"table": name, "schema_version": SCHEMA_VERSION}
    table = table.select(schema.names).cast(schema).combine_chunks().replace_schema_metadata(meta)
    write_bytes(parquet_bytes(table), path)


def _cluster_file_schema() -> pa.Schema:
    return TABLES[TABLE].schema


# ---------------------------------------------------------------- inputs


def input_signatures(root: str) -> dict[str, str]:
    """Per published date, the signature of its events file (one listing). A publish replaces a date's
    documents with its events, so the events file stands for both; a documents partition edited by
    hand alone needs `clusters --rebuild`."""
    from pipeline.warehouse import partition_signatures

    return {day.isoformat(): sig for day, sig in partition_signatures(root, "events").items()}


def members_of(events: pa.Table | None, documents: pa.Table | None) -> pa.Table:
    """Member rows (member_schema) of events with their articles' outlet and url; cluster_id filled."""
    schema = member_schema()
    if events is None or events.num_rows == 0:
        return schema.empty_table()
    event_rows = events.select([c for c in EVENT_COLUMNS if c in events.column_names]).to_pylist()
    doc_rows = (
        documents.select([c for c in DOCUMENT_COLUMNS if c in documents.column_names]).to_pylist()
        if documents is not None
        else []
    )
    rows = member_rows(event_rows, doc_rows)
    for row in rows:
        row["cluster_id"] = row.get("cluster_id") or cluster_id(row)
    names = schema.names  # once: iterating a schema per row builds its fields again each time
    return pa.Table.from_pylist([{n: r.get(n) for n in names} for r in rows], schema=schema)


def _date_members(root: str, day: str) -> pa.Table:
    from pipeline.warehouse import read_partition

    date = dt.date.fromisoformat(day)
    return members_of(
        read_partition(root, "events", date, list(EVENT_COLUMNS)),
        read_partition(root, "documents", date, list(DOCUMENT_COLUMNS)),
    )


def _buckets_column(members: pa.Table) -> pa.Array:
    ids = members.column("cluster_id").to_pylist()
    return pa.array([bucket_of(c) for c in ids], pa.string())


def _sorted_members(table: pa.Table) -> pa.Table:
    return table.sort_by([("cluster_id", "ascending"), ("event_id", "ascending")])


def _cluster_table(rows: list[dict]) -> pa.Table:
    from pipeline.warehouse import to_arrow

    return to_arrow(TABLE, rows)


# ---------------------------------------------------------------- full rebuild


def rebuild(root: str) -> dict:
    """Every cluster from every events partition: the reference the incremental path must equal."""
    from pipeline.warehouse import list_files, read_table, remove_file

    t0 = time.perf_counter()
    paths = _paths(root)
    signatures = input_signatures(root)
    events = read_table(root, "events", list(EVENT_COLUMNS))
    members = members_of(events, read_table(root, "documents", list(DOCUMENT_COLUMNS)))
    bucket_column = _buckets_column(members)
    buckets = bucket_column.to_pylist()
    state = State()
    by_date: dict[str, set[str]] = defaultdict(set)
    for day, bucket in zip(members.column("published_date").to_pylist(), buckets, strict=True):
        by_date[day.isoformat()].add(bucket)
    written: set[str] = set()
    clusters = 0
    for bucket in sorted(set(buckets)):
        part = _sorted_members(members.filter(pc.equal(bucket_column, bucket)))
        rows = cluster_rows(part.to_pylist())
        clusters += len(rows)
        _write_or_remove(part, f"{paths['members']}/{_part_name(bucket)}", member_schema(), "event_cluster_members")
        _write_or_remove(_cluster_table(rows), f"{paths['table']}/{_part_name(bucket)}", _cluster_file_schema(), TABLE)
        written.add(_part_name(bucket))
    for folder in (paths["members"], paths["table"]):
        for stale in list_files(folder, "*.parquet"):
            if stale.rsplit("/", 1)[-1] not in written:
                remove_file(stale)
    if events is not None:  # a warehouse with no events table yet gets no event_clusters either
        _settle_empty(root)
    for day, signature in signatures.items():
        state.dates[day] = {"signature": signature, "buckets": sorted(by_date.get(day, ()))}
    write_state(root, state)
    seconds = round(time.perf_counter() - t0, 3)
    log.info("event_clusters rebuilt: %d clusters from %d events in %.3fs", clusters, members.num_rows, seconds)
    return {
        "mode": "rebuild",
        "clusters": clusters,
        "dates": len(signatures),
        "buckets": len(written),
        "seconds": seconds,
    }


def _settle_empty(root: str) -> None:
    """An empty table is one empty `part-empty` file (readers need a file); a non-empty one has none."""
    from pipeline.warehouse import list_files, remove_file

    paths = _paths(root)
    files = list_files(paths["table"], "part-*.parquet")
    first = f"{paths['table']}/{_part_name(EMPTY)}"
    if not files:
        _write_or_remove(_cluster_table([]), first, _cluster_file_schema(), TABLE, keep_empty=True)
        return
    if len(files) > 1 and first in files:
        table = _read_file(first)
        if table is not None and table.num_rows == 0:
            remove_file(first)


# ---------------------------------------------------------------- incremental


def stale_dates(state: State, signatures: dict[str, str]) -> list[str]:
    """Dates whose input changed, appeared or disappeared since they were folded in (or whose fold crashed)."""
    days = set(signatures) | set(state.dates)
    return sorted(d for d in days if signatures.get(d) != (state.dates.get(d) or {}).get("signature"))


def fold_in(root: str, state: State, signatures: dict[str, str], days: list[str]) -> dict:
    """Replace the rows of `days` in their buckets and recompute only the clusters they touch."""
    t0 = time.perf_counter()
    paths = _paths(root)
    fresh = [_date_members(root, d) for d in days if d in signatures]
    new = pa.concat_tables(fresh) if fresh else member_schema().empty_table()
    new_buckets = _buckets_column(new)
    new_by_date: dict[str, set[str]] = defaultdict(set)
    for day, bucket in zip(new.column("published_date").to_pylist(), new_buckets.to_pylist(), strict=True):
        new_by_date[day.isoformat()].add(bucket)
    touched: set[str] = set()
    superset: dict[str, list[str]] = {}
    for d in days:
        both = set((state.dates.get(d) or {}).get("buckets", ())) | new_by_date.get(d, set())
        touched |= both
        superset[d] = sorted(both)
    # a crash from here on leaves these dates stale (read_state), with every bucket to redo
    write_pending(root, superset)
    day_values = pa.array([dt.date.fromisoformat(d) for d in days], pa.date32())
    recomputed = 0
    for bucket in sorted(touched):
        recomputed += _refresh_bucket(paths, bucket, day_values, new.filter(pc.equal(new_buckets, bucket)))
    _settle_empty(root)
    for d in days:
        if d in signatures:
            state.dates[d] = {"signature": signatures[d], "buckets": sorted(new_by_date.get(d, ()))}
        else:
            state.dates.pop(d, None)
    write_state(root, state)
    seconds = round(time.perf_counter() - t0, 3)
    log.info(
        "event_clusters: %d date(s) folded in, %d clusters recomputed in %d bucket(s), %.3fs",
        len(days),
        recomputed,
        len(touched),
        seconds,
    )
    return {
        "mode": "incremental",
        "dates": len(days),
        "buckets": len(touched),
        "clusters": recomputed,
        "seconds": seconds,
    }


def _refresh_bucket(paths: dict, bucket: str, days: pa.Array, incoming: pa.Table) -> int:
    """One bucket: drop the rows of `days`, add `incoming`, recompute the clusters either side touches.

    Returns how many clusters were recomputed (a cluster left without members is removed)."""
    members_path = f"{paths['members']}/{_part_name(bucket)}"
    table_path = f"{paths['table']}/{_part_name(bucket)}"
    old = _read_file(members_path)
    old = old.cast(member_schema()) if old is not None else member_schema().empty_table()
    leaving = pc.is_in(old.column("published_date"), value_set=days)
    affected = set(old.filter(leaving).column("cluster_id").to_pylist()) | set(
        incoming.column("cluster_id").to_pylist()
    )
    members = _sorted_members(pa.concat_tables([old.filter(pc.invert(leaving)), incoming]))
    _write_or_remove(members, members_path, member_schema(), "event_cluster_members")
    affected_set = pa.array(sorted(affected), pa.string())
    rows = cluster_rows(members.filter(pc.is_in(members.column("cluster_id"), value_set=affected_set)).to_pylist())
    current = _read_file(table_path)
    current = current.cast(_cluster_file_schema()) if current is not None else _cluster_file_schema().empty_table()
    kept = current.filter(pc.invert(pc.is_in(current.column("cluster_id"), value_set=affected_set)))
    table = pa.concat_tables([kept, _cluster_table(rows)]).sort_by([("cluster_id", "ascending")])
    _write_or_remove(table, table_path, _cluster_file_schema(), TABLE)
    return len(affected)


def refresh(root: str, rebuild_all: bool = False) -> dict:
    """Bring event_clusters up to date with the published partitions (see the module docstring).

    Held under the warehouse-wide lock, so two dates finishing together fold in one after the other;
    whatever the order of publishes and refreshes, the files equal those of a full rebuild."""
    from pipeline.warehouse import warehouse_lock

    with warehouse_lock(root):
        state = read_state(root)
        if rebuild_all or state is None or not state.compatible():
            return rebuild(root)
        signatures = input_signatures(root)
        days = stale_dates(state, signatures)
        if not days:
            return {"mode": "incremental", "dates": 0, "buckets": 0, "clusters": 0, "seconds": 0.0}
        if len(days) > REBUILD_SHARE * max(1, len(signatures)) and len(days) > MIN_DATES_FOR_REBUILD:
            return rebuild(root)
        return fold_in(root, state, signatures, days)
