"""The warehouse: staged tables, atomic publishing of partitions, locks, reading back.

Every path of the layout is built in `pipeline/layout.py` (tables, staging, journal,
validation reports, Data Docs, index, locks); this module writes and reads them: one file per
table partition, so publishing a table's partition is one atomic step (a rename on a local
disk, a single-object PUT on object storage) and readers see the old file or the new one.
`event_clusters` is one file per period of cluster ids (`ROOT/event_clusters/part-PERIOD.parquet`),
maintained by pipeline/cluster_store.py, its bookkeeping in `ROOT/_clusters/`.

Guarantees: each table's partition is replaced atomically; the tables of one partition are
replaced one after another under a per-date lock, and the journal plus the `runs` row written
last tell whether a publish completed (see docs/validation.md for what a reader may see while
a publish runs and how a rerun heals an interrupted one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import env_name
from pipeline.layout import (  # noqa: F401  (re-exported: the warehouse's callers import paths from here too)
    LOCK_DIR_ENV,
    PART_FILE,
    is_local,
    join,
    journal_dir,
    journal_path,
    local_path,
    lock_file,
    partition_dir,
    partition_file,
    previous_dir,
    staging_root,
    whole_table_file,
)
from schemas import PARTITION_KEY, SCHEMA_VERSION, TABLES

log = logging.getLogger(__name__)
FAULT_ENV = env_name("fault_kill_at")  # listed in config.OTHER_SETTINGS
# Every point where the kill tests may SIGKILL the process (tests/test_kill.py covers each).
PUBLISH_STEPS = ("documents", "events", "removed_segments", "quarantine", "runs")
FAULT_POINTS = (
    "validate:after_merge",
    "validate:after_report",
    "publish:after_journal",
    *(f"publish:{when}_{step}" for step in PUBLISH_STEPS for when in ("before_replace", "after")),
    "publish:after_commit",
)


class CorruptFile(OSError):
    """A Parquet file of the warehouse cannot be read: the message names it and what to do."""

    def __init__(self, path: str, error: str):
        super().__init__(
            f"{path} is not a readable Parquet file ({error}): restore it from a backup, or delete it and "
            "rerun its date"
        )
        self.path, self.error = path, error


# ---------------------------------------------------------------- file systems and paths


def filesystem(path: str | Path):
    """The fsspec file system of a path or URI, and the path inside it."""
    import fsspec

    fs, inner = fsspec.core.url_to_fs(str(path))
    return fs, inner


def exists(path: str | Path) -> bool:
    fs, inner = filesystem(path)
    return fs.exists(inner)


def write_bytes(data: bytes, target: str | Path, fault: str | None = None) -> str:
    """Put bytes at `target` so that a reader sees the old content or the new one, never a part.

    Local disk: write a temp file beside the target's folder, then `os.replace` (atomic rename).
    Object storage (s3, gs, memory): one PUT of the whole object, which the store makes visible
    atomically; there is no rename to rely on, so no temp object is written.
    """
    if is_local(target):
        path = local_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent.parent / f".{path.parent.name}.{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException as exc:
            # A full disk (ENOSPC) or a Ctrl-C mid-write: never leave a partial temp file behind.
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise OSError(
                    exc.errno, f"{exc.strerror or exc}; nothing was replaced and the temp file was removed", str(path)
                ) from exc
            raise
        if fault:
            fault_point(fault)
        os.replace(tmp, path)
        return str(path)
    fs, inner = filesystem(target)
    fs.makedirs(inner.rsplit("/", 1)[0], exist_ok=True)
    if fault:
        fault_point(fault)
    fs.pipe_file(inner, data)
    return str(target)


def remove_stray_temps(target: str | Path) -> None:
    """Temp files `write_bytes` left for `target` when killed before its rename.

    Call only while holding the lock that guards `target` (the date's lock for a partition,
    the quarantine and the `runs` row), so no live writer's temp file is in reach."""
    if is_local(target):
        path = local_path(target)
        for tmp in path.parent.parent.glob(f".{path.parent.name}.{path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def read_bytes(path: str | Path) -> bytes:
    fs, inner = filesystem(path)
    return fs.cat_file(inner)


def remove_tree(path: str | Path) -> None:
    fs, inner = filesystem(path)
    if fs.exists(inner):
        fs.rm(inner, recursive=True)


def remove_file(path: str | Path) -> None:
    fs, inner = filesystem(path)
    if fs.exists(inner):
        fs.rm_file(inner)


def list_files(folder: str | Path, pattern: str = "*") -> list[str]:
    """Files matching `pattern` in `folder`, as paths or URIs like the folder, sorted."""
    fs, inner = filesystem(folder)
    if not fs.exists(inner):
        return []
    names = sorted(p.rsplit("/", 1)[-1] for p in fs.glob(f"{inner.rstrip('/')}/{pattern}"))
    return [join(folder, n) for n in names]


def parquet_bytes(table: pa.Table) -> bytes:
    """A table as Parquet bytes; the same table always gives the same bytes (no timestamps)."""
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


# ---------------------------------------------------------------- staged tables


def to_arrow(table_name: str, rows: list[dict]) -> pa.Table:
    """Rows to an Arrow table with the table's full schema (partition key included)."""
    schema = TABLES[table_name].schema
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def write_staged(table: pa.Table, path: str | Path) -> str:
    """Write a staged table (full schema) whole, so a crash leaves the old file or none."""
    return write_bytes(parquet_bytes(table), path)


def read_staged(path: str | Path) -> pa.Table:
    if is_local(path):
        return pq.read_table(local_path(path))
    return pq.read_table(io.BytesIO(read_bytes(path)))


# ---------------------------------------------------------------- published tables


def file_table(table_name: str, table: pa.Table, fingerprint: str | None = None) -> pa.Table:
    """The table as stored in the Parquet file: partition key dropped, schema version in metadata.

    `fingerprint` identifies the publish the file belongs to (a hash of the staged content, so two
    builds from the same input carry the same one): files of one partition with different
    fingerprints were published by different runs.
    """
    spec = TABLES[table_name]
    table = table.select(spec.file_schema.names).cast(spec.file_schema)
    meta = {"table": table_name, "schema_version": SCHEMA_VERSION}
    if fingerprint:
        meta["publish_fingerprint"] = fingerprint
    return table.replace_schema_metadata(meta)


def publish_file(table: pa.Table, target: str | Path, fault: str | None = None) -> str:
    """Atomically put `table` at `target`: readers see the old file or the new one, never a mix."""
    return write_bytes(parquet_bytes(table), target, fault)


def publish_partition(
    root: str | Path, table_name: str, day: dt.date, table: pa.Table, fingerprint: str | None = None
) -> str:
    """Replace one table's partition of `day` by `table` (one file, replaced atomically)."""
    folder = partition_dir(root, table_name, day)
    target = join(folder, PART_FILE)
    remove_stray_temps(target)
    publish_file(file_table(table_name, table, fingerprint), target, fault=f"publish:before_replace_{table_name}")
    for stray in list_files(folder, "*.parquet"):
        if stray.rsplit("/", 1)[-1] != PART_FILE:
            # A partition holds exactly one file; anything else (an older layout) would duplicate rows.
            remove_file(stray)
    return target


def file_metadata(path: str | Path) -> dict[str, str]:
    """The key-value metadata of a published Parquet file (table, schema_version, publish_fingerprint)."""
    if is_local(path):
        meta = pq.read_schema(local_path(path)).metadata or {}
    else:
        meta = pq.read_schema(io.BytesIO(read_bytes(path))).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items() if not k.startswith(b"ARROW")}


def partition_fingerprints(root: str | Path, day: dt.date, tables: tuple[str, ...]) -> dict[str, str | None]:
    """The publish fingerprint of each table's partition of `day` (None: no partition).

    Equal fingerprints mean the partitions come from one publish (or from identical inputs);
    different ones mean a publish was interrupted between tables: rerun the date.
    """
    out: dict[str, str | None] = {}
    for name in tables:
        path = partition_file(root, name, day)
        out[name] = file_metadata(path).get("publish_fingerprint") if exists(path) else None
    return out


def content_fingerprint(paths: list[str]) -> str:
    """A hash of staged files' bytes: equal inputs give equal fingerprints, on any machine."""
    h = hashlib.sha256()
    for p in paths:
        h.update(hashlib.sha256(read_bytes(p)).digest())
    return h.hexdigest()[:16]


def read_table(
    root: str | Path,
    table_name: str,
    columns: list[str] | None = None,
    skip_corrupt: list[CorruptFile] | None = None,
) -> pa.Table | None:
    """A whole table as Arrow, partition key restored as a date; None when it does not exist.

    `columns` reads only those (the ones the table's schema has): a scan of the whole warehouse
    should not load article texts it does not need. A file that cannot be read raises
    CorruptFile naming it; with `skip_corrupt` (a list) such files are left out and appended to
    it instead, for readers whose work the damage does not touch (`inspect`, `--skip-done`)."""
    import pyarrow.dataset as ds

    folder = join(root, table_name)
    fs, inner = filesystem(folder)
    if not fs.exists(inner) or not fs.glob(f"{inner}/**/*.parquet") + fs.glob(f"{inner}/*.parquet"):
        return None
    spec = TABLES[table_name]
    part = (
        ds.partitioning(pa.schema([pa.field(PARTITION_KEY, pa.date32())]), flavor="hive") if spec.partitioned else None
    )
    source = str(local_path(folder)) if is_local(folder) else inner
    options = {
        "format": "parquet",
        "partitioning": part,
        "schema": spec.schema if spec.partitioned else None,
        "filesystem": None if is_local(folder) else fs,
    }
    wanted = None if columns is None else [c for c in columns if c in spec.schema.names]
    if skip_corrupt is not None:
        files, bad = readable_files(folder)
        skip_corrupt.extend(bad)
        if not files:
            return None
        files = [str(local_path(f)) if is_local(f) else filesystem(f)[1] for f in files]
        return ds.dataset(files, partition_base_dir=source, **options).to_table(columns=wanted)
    try:
        return ds.dataset(source, exclude_invalid_files=False, **options).to_table(columns=wanted)
    except (pa.ArrowException, OSError) as exc:
        _, bad = readable_files(folder)
        if bad:
            raise bad[0] from exc  # name the file instead of pyarrow's anonymous error
        raise


def readable_files(folder: str | Path) -> tuple[list[str], list[CorruptFile]]:
    """The table's Parquet files whose footer reads, and a CorruptFile for each that does not."""
    fs, inner = filesystem(folder)
    paths = sorted(set(fs.glob(f"{inner}/**/*.parquet") + fs.glob(f"{inner}/*.parquet")))
    good, bad = [], []
    for p in paths:
        if p.rsplit("/", 1)[-1].startswith("."):
            continue
        path = join(folder, p[len(inner.rstrip("/")) :]) if p.startswith(inner.rstrip("/")) else p
        try:
            with fs.open(p, "rb") as fh:
                pq.read_metadata(fh)
            good.append(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            bad.append(CorruptFile(str(path), str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    return good, bad


def read_partition(root: str | Path, table_name: str, day: dt.date, columns: list[str]) -> pa.Table | None:
    """One published partition's `columns` (partition key restored), None when it does not exist.

    Columns a file written before they were added lacks come back as nulls, as in read_table."""
    import pyarrow.dataset as ds

    path = partition_file(root, table_name, day)
    if not exists(path):
        return None
    spec = TABLES[table_name]
    fs, inner = filesystem(path)
    wanted = [c for c in columns if c in spec.file_schema.names]
    table = ds.dataset(
        str(local_path(path)) if is_local(path) else inner,
        format="parquet",
        schema=spec.file_schema,
        filesystem=None if is_local(path) else fs,
    ).to_table(columns=wanted)
    if PARTITION_KEY in columns:
        table = table.append_column(spec.schema.field(PARTITION_KEY), pa.array([day] * table.num_rows, pa.date32()))
    return table.select([c for c in columns if c in table.column_names])


def partition_signatures(root: str | Path, table_name: str) -> dict[dt.date, str]:
    """Size and modification stamp of every partition file of a table, by date, from one listing.

    A republished partition is a new file (written beside, then renamed), so its signature changes:
    derived tables compare signatures to find the dates they have not caught up with."""
    folder = join(root, table_name)
    prefix = f"{PARTITION_KEY}="
    out: dict[dt.date, str] = {}
    if is_local(folder):
        base = local_path(folder)
        if not base.is_dir():
            return out
        with os.scandir(base) as entries:
            for entry in entries:
                if not entry.name.startswith(prefix):
                    continue
                try:
                    st = os.stat(f"{entry.path}/{PART_FILE}")
                    # the inode too: two publishes within one clock tick still differ (each is a new file)
                    stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
                    out[dt.date.fromisoformat(entry.name[len(prefix) :])] = stamp
                except (FileNotFoundError, ValueError):
                    continue
        return out
    fs, inner = filesystem(folder)
    if not fs.exists(inner):
        return out
    for path, info in fs.find(inner, detail=True).items():
        parent, _, name = path.rstrip("/").rpartition("/")
        key = parent.rsplit("/", 1)[-1]
        if name != PART_FILE or not key.startswith(prefix):
            continue
        stamp = (
            info.get("mtime")
            or info.get("LastModified")
            or info.get("updated")
            or info.get("ETag")
            or info.get("created")
        )
        out[dt.date.fromisoformat(key[len(prefix) :])] = f"{info.get('size')}:{stamp}"
    return out


# ---------------------------------------------------------------- journal: the write-ahead log of a publish
#
# A publish of a date is a list of steps (each table's partition, the quarantine file, the
# `runs` row), every one an atomic file swap. Before the first swap, `begin_publish` keeps a
# link (or copy) of every file it will replace under `_publish/DATE.previous/`, then writes the
# journal `_publish/DATE.json` naming every step; removing the journal is the commit. A journal
# left behind is an interrupted publish: `recover_publishes` (called by every command and by the
# DAG's first task) finishes it from the staged files, or, when those are gone or changed, rolls
# every step back to the kept files, so no date keeps tables from two runs.

JOURNAL_VERSION = 2


def write_journal(root: str | Path, day: dt.date, entry: dict) -> None:
    write_bytes(json.dumps(entry, indent=2, sort_keys=True).encode(), journal_path(root, day))


def read_journal(root: str | Path, day: dt.date) -> dict | None:
    """The open journal of `day`; {"unreadable": reason} when it cannot be parsed (reported, never ignored)."""
    path = journal_path(root, day)
    if not exists(path):
        return None
    try:
        return json.loads(read_bytes(path))
    except (OSError, ValueError) as exc:
        return {"published_date": day.isoformat(), "unreadable": f"{path}: {exc}"}


def journal_days(root: str | Path) -> list[dt.date]:
    """Dates with an open journal (a publish running now, or interrupted)."""
    days = []
    for path in list_files(journal_dir(root), "*.json"):
        with contextlib.suppress(ValueError):
            days.append(dt.date.fromisoformat(path.rsplit("/", 1)[-1][: -len(".json")]))
    return days


def interrupted_publishes(root: str | Path) -> list[dict]:
    """Open journals: publishes running now or interrupted and not yet repaired."""
    return [j for j in (read_journal(root, d) for d in journal_days(root)) if j is not None]


def copy_file(source: str | Path, target: str | Path) -> None:
    """`target` becomes a copy of `source`: a hard link on a local disk (free), a copy elsewhere."""
    if is_local(source) and is_local(target):
        dst = local_path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.unlink(missing_ok=True)
        try:
            os.link(local_path(source), dst)
            return
        except OSError:
            pass
    write_bytes(read_bytes(source), target)


def relative(root: str | Path, path: str | Path) -> str:
    """A path inside the warehouse as the journal keeps it: relative to the root, so a journal
    stays true when the warehouse folder is moved or copied before it is repaired."""
    base, s = str(root).rstrip("/") + "/", str(path)
    return s[len(base) :] if s.startswith(base) else s


def resolve(root: str | Path, path: str) -> str:
    """The inverse of `relative`."""
    return path if path.startswith("/") or "://" in path else join(root, path)


def begin_publish(root: str | Path, day: dt.date, entry: dict, steps: list[dict]) -> dict:
    """Keep every file the steps replace, then write the journal; returns the journal.

    Each step: {"table", "kind": "partition" | "file", "staged", "target"}; a "partition" step
    replaces `TABLE/published_date=DAY/part-0.parquet` stamped with the journal's fingerprint,
    a "file" step puts the staged table at `target` whole.
    """
    remove_tree(previous_dir(root, day))
    remove_stray_temps(journal_path(root, day))
    kept = []
    for i, step in enumerate(steps):
        previous = None
        if exists(step["target"]):
            previous = join(previous_dir(root, day), f"{i}-{step['table']}.parquet")
            copy_file(step["target"], previous)
            previous = relative(root, previous)
        paths = {k: relative(root, step[k]) for k in ("staged", "target")}
        kept.append({**step, **paths, "previous": previous})
    journal = {
        **entry,
        "stage": relative(root, entry["stage"]) if entry.get("stage") else None,
        "version": JOURNAL_VERSION,
        "published_date": day.isoformat(),
        "steps": kept,
    }
    write_journal(root, day, journal)
    return journal


def run_publish(root: str | Path, day: dt.date, journal: dict) -> None:
    """Apply every step of the journal in order, then commit (remove the journal)."""
    for step in journal["steps"]:
        staged, target = resolve(root, step["staged"]), resolve(root, step["target"])
        if step["kind"] == "partition":
            publish_partition(root, step["table"], day, read_staged(staged), journal["fingerprint"])
        else:
            remove_stray_temps(target)
            data = parquet_bytes(file_table(step["table"], read_staged(staged)))
            # e.g. the source's quarantine, the same for every date of a backfill: written only when it changed
            if not (exists(target) and read_bytes(target) == data):
                write_bytes(data, target, fault=f"publish:before_replace_{step['table']}")
        fault_point(f"publish:after_{step['table']}")
    remove_file(journal_path(root, day))
    fault_point("publish:after_commit")
    remove_tree(previous_dir(root, day))


def staged_intact(root: str | Path, journal: dict) -> bool:
    """The journal's staged files all exist and the partition tables still hash to its fingerprint."""
    steps = journal.get("steps") or []
    try:
        staged = {i: resolve(root, s["staged"]) for i, s in enumerate(steps)}
        if not steps or not all(exists(p) for p in staged.values()):
            return False
        partitions = [staged[i] for i, s in enumerate(steps) if s["kind"] == "partition"]
        return content_fingerprint(partitions) == journal["fingerprint"]
    except (OSError, KeyError):
        return False


def roll_back(root: str | Path, day: dt.date, journal: dict) -> bool:
    """Put back every file the publish replaced (remove those it created); False when a kept file is gone."""
    steps = journal.get("steps") or []
    if not steps or not all(s["previous"] is None or exists(resolve(root, s["previous"])) for s in steps):
        return False
    for step in reversed(steps):
        remove_stray_temps(resolve(root, step["target"]))
        if step["previous"] is None:
            remove_file(resolve(root, step["target"]))
        else:
            write_bytes(read_bytes(resolve(root, step["previous"])), resolve(root, step["target"]))
    remove_file(journal_path(root, day))
    remove_tree(previous_dir(root, day))
    return True


def recover_day(root: str | Path, day: dt.date) -> dict | None:
    """Finish or roll back the interrupted publish of `day`; the caller holds the date's lock.

    Returns None (no journal) or {"date", "run_id", "action", "detail"} with action "finished",
    "rolled back" or "unrepaired" (a journal of an older version, or staged and kept files both
    gone: the next publish of the date replaces every table; `backfill --skip-done` reruns it).
    """
    journal = read_journal(root, day)
    if journal is None:
        return None
    stage = journal.get("stage")
    out = {"date": day.isoformat(), "run_id": journal.get("run_id"), "stage": resolve(root, stage) if stage else None}
    if "unreadable" in journal:
        return {**out, "action": "unrepaired", "detail": f"journal unreadable ({journal['unreadable']}): rerun {day}"}
    if journal.get("version") == JOURNAL_VERSION and staged_intact(root, journal):
        run_publish(root, day, journal)
        return {**out, "action": "finished", "detail": "every table now holds the run's staged files"}
    if journal.get("version") == JOURNAL_VERSION and roll_back(root, day, journal):
        return {**out, "action": "rolled back", "detail": "staged files gone or changed; the tables before it are back"}
    return {
        **out,
        "action": "unrepaired",
        "detail": f"journal {journal_path(root, day)} cannot be replayed or rolled back: rerun {day}",
    }


def publish_in_progress(root: str | Path, day: dt.date) -> bool:
    """True when a live process holds the date's lock (a publish running now, not an interrupted one)."""
    try:
        with partition_lock(root, day, timeout=0):
            return False
    except TimeoutError:
        return True


def recover_publishes(root: str | Path) -> list[dict]:
    """Repair every interrupted publish of the warehouse, before a command does anything else.

    A date whose lock is held is being published right now (flock dies with its holder, so a held
    lock is a live process): reported "in progress" and left alone. Finished or rolled-back
    publishes have their staging folder removed.
    """
    done = []
    for day in journal_days(root):
        try:
            with partition_lock(root, day, timeout=0):
                outcome = recover_day(root, day)
        except TimeoutError:
            done.append({"date": day.isoformat(), "action": "in progress", "detail": "another run is publishing it"})
            continue
        if outcome is None:
            continue
        if outcome["action"] != "unrepaired" and outcome.get("stage"):
            with contextlib.suppress(ValueError):
                remove_staging(root, outcome["stage"])
        log.warning("interrupted publish of %s (run %s): %s", day, outcome["run_id"], outcome["action"])
        done.append(outcome)
    return done


# ---------------------------------------------------------------- staging folders


def inside_staging(root: str | Path, path: str | Path) -> bool:
    """True when `path` is strictly inside the warehouse's `_staging/` (resolved: no `..`, no symlink out)."""
    base, target = staging_root(root), str(path)
    if is_local(base) and is_local(target):
        b, t = local_path(base).resolve(), local_path(target).resolve()
        return t != b and b in t.parents
    parts = target.rstrip("/").split("/")
    return ".." not in parts and target.rstrip("/").startswith(base.rstrip("/") + "/")


def remove_staging(root: str | Path, path: str | Path) -> None:
    """Remove a run's staging folder (and its date folder once empty), only ever inside `_staging/`.

    The path may come from outside the process (an XCom in Airflow): anything else is refused,
    so a tampered or mistaken value can never delete a folder of the machine.
    """
    if not inside_staging(root, path):
        raise ValueError(
            f"refusing to remove {path}: it is not inside the warehouse's staging folder {staging_root(root)}"
        )
    remove_tree(path)
    if is_local(path):
        folder = local_path(path)
        for stray in folder.parent.glob(f".{folder.name}.*.tmp"):
            stray.unlink(missing_ok=True)  # temp files of a write killed in this run's folder
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # only succeeds when no other run stages that date


# ---------------------------------------------------------------- command-line sessions

SESSION_RUN = re.compile(r"^cli__\d{4}-\d{2}-\d{2}__(?P<token>[0-9A-Za-z]+)-[0-9a-f]{8}$")


def session_run_id(day: dt.date, token: str) -> str:
    """A command-line run id, unique per command (`cli__DATE__TOKEN`): two commands running at
    once stage in different folders, and each rerun adds its own row to `runs`."""
    return f"cli__{day.isoformat()}__{token}"


@contextlib.contextmanager
def cli_session(root: str | Path) -> Iterator[str]:
    """A command's token, with a lock held while it lives; its staging folders are removed at the end.

    The lock tells `sweep_stale_staging` which command-line staging folders belong to a live
    command; a folder of a command that died (SIGKILL) is removed by the next command.
    """
    token = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}{uuid.uuid4().hex[:8]}"
    lock = lock_file(root, f"session-{token}")
    with _flock(lock, f"command {token}", None):
        try:
            yield token
        finally:
            needed = journal_stages(root)  # a publish cut short (Ctrl-C): its repair needs the staged files
            for folder in session_folders(root, token):
                if folder not in needed:
                    remove_staging(root, folder)
    lock.unlink(missing_ok=True)


def journal_stages(root: str | Path) -> set[str]:
    """The staging folders that open journals name (kept: a repair replays from them)."""
    return {resolve(root, j["stage"]) for j in interrupted_publishes(root) if j.get("stage")}


def session_folders(root: str | Path, token: str | None = None) -> list[str]:
    """Command-line staging folders (of one session's token, or of every session)."""
    out = []
    for day_folder in list_files(staging_root(root), "*"):
        for folder in list_files(day_folder, "cli__*"):
            m = SESSION_RUN.match(folder.rsplit("/", 1)[-1])
            if m and (token is None or m["token"] == token):
                out.append(folder)
    return out


def sweep_stale_staging(root: str | Path) -> list[str]:
    """Remove the staging folders of command-line runs that died (their session lock is free).

    Folders an open journal still needs are kept (the journal's repair uses them). Airflow runs'
    folders are left alone: a retried task needs them, and Airflow decides when a run is over.
    """
    needed = journal_stages(root)
    removed = []
    for folder in session_folders(root):
        token = SESSION_RUN.match(folder.rsplit("/", 1)[-1])["token"]
        lock = lock_file(root, f"session-{token}")
        if folder in needed:
            continue
        try:
            with _flock(lock, f"command {token}", 0):
                remove_staging(root, folder)
                removed.append(folder)
        except TimeoutError:
            continue  # a live command
        if not session_folders(root, token):
            lock.unlink(missing_ok=True)
    return removed


# ---------------------------------------------------------------- locks


@contextlib.contextmanager
def _flock(path: Path, what: str, timeout: float | None) -> Iterator[None]:
    import time

    with open(path, "a+") as fh:
        start = time.monotonic()
        waited = False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    log.info("waiting for the lock on %s (%s): another run holds it", what, path)
                    waited = True
                if timeout is not None and time.monotonic() - start >= timeout:
                    raise TimeoutError(
                        f"{what} is locked by another run for more than {timeout:.0f} s ({path}); "
                        "wait for it to finish, or remove the lock file if no run is alive"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def partition_lock(root: str | Path, day: dt.date, timeout: float | None = None):
    """Exclusive lock of one date's partitions: two runs of a date never interleave their writes.

    `flock` is released by the kernel when the holder dies (even on SIGKILL), so a crash never
    leaves a stale lock behind. Runs of different dates take different locks and run in parallel.
    """
    return _flock(lock_file(root, day.isoformat()), f"partition {day}", timeout)


def warehouse_lock(root: str | Path, timeout: float | None = None):
    """Exclusive lock for warehouse-wide rebuilds (e.g. event_clusters from every partition)."""
    return _flock(lock_file(root, "_warehouse"), "the warehouse", timeout)


# ---------------------------------------------------------------- fault injection (tests only)


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when `NEWSEVENTS_FAULT_KILL_AT` names this point.

    Only the kill tests set the variable; they use it to prove that a crash at any point of
    staging or publishing leaves every table either old or new, and that a rerun heals it.
    """
    if name not in FAULT_POINTS:
        raise ValueError(f"fault point {name!r} is not in FAULT_POINTS: add it there so the kill tests cover it")
    if os.environ.get(FAULT_ENV) == name:
        log.warning("fault injection: killing the process at %s", name)
        os.kill(os.getpid(), signal.SIGKILL)
