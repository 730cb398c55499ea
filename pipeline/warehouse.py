"""The warehouse: staged tables, atomic publishing of partitions, locks, reading back.

Layout (ROOT is a local folder or a URI: `file://`, `s3://`, `gs://`, `memory://`):
- `ROOT/TABLE/published_date=YYYY-MM-DD/part-0.parquet`: one file per partition, so publishing
  a table's partition is one atomic step (a rename on a local disk, a single-object PUT on
  object storage) and readers see the old file or the new one, never a mix.
- `ROOT/quarantine/SOURCEKEY.parquet`: one file per source, replaced whole the same way;
  `ROOT/event_clusters/part-PERIOD.parquet`: one file per period of cluster ids, maintained by
  pipeline/cluster_store.py (its state and member rows in `ROOT/_clusters/`).
- `ROOT/_staging/...` work in progress, `ROOT/_publish/DATE.json` the journal of a publish in
  progress, `ROOT/_validation/` and `ROOT/_data_docs/` validation results, `ROOT/_clusters/` the
  bookkeeping of event_clusters, `ROOT/_locks/` lock
  files. All start with `_`, outside every table folder, so DuckDB and Polars globs over a
  table never see them.

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
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas import PARTITION_KEY, SCHEMA_VERSION, TABLES

log = logging.getLogger(__name__)
PART_FILE = "part-0.parquet"
FAULT_ENV = "NEWSEVENTS_FAULT_KILL_AT"
LOCK_DIR_ENV = "NEWSEVENTS_LOCK_DIR"


# ---------------------------------------------------------------- file systems and paths


def filesystem(path: str | Path):
    """The fsspec file system of a path or URI, and the path inside it."""
    import fsspec

    fs, inner = fsspec.core.url_to_fs(str(path))
    return fs, inner


def is_local(path: str | Path) -> bool:
    s = str(path)
    return "://" not in s or s.startswith("file://")


def local_path(path: str | Path) -> Path:
    s = str(path)
    return Path(s[len("file://") :] if s.startswith("file://") else s)


def join(base: str | Path, *parts: str) -> str:
    """Join path parts with `/`, keeping a URI's scheme (Path would turn `s3://b` into `s3:/b`)."""
    out = str(base).rstrip("/")
    for p in parts:
        out = f"{out}/{str(p).strip('/')}"
    return out


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
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
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


def partition_dir(root: str | Path, table_name: str, day: dt.date) -> str:
    return join(root, table_name, f"{PARTITION_KEY}={day.isoformat()}")


def partition_file(root: str | Path, table_name: str, day: dt.date) -> str:
    return join(partition_dir(root, table_name, day), PART_FILE)


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
    if is_local(root):
        # Temp files of a publish killed before its rename (the date's lock keeps live ones out of reach).
        for tmp in local_path(root).joinpath(table_name).glob(f".{PARTITION_KEY}={day.isoformat()}.*.tmp"):
            tmp.unlink(missing_ok=True)
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


def read_table(root: str | Path, table_name: str, columns: list[str] | None = None) -> pa.Table | None:
    """A whole table as Arrow, partition key restored as a date; None when it does not exist.

    `columns` reads only those (the ones the table's schema has): a scan of the whole warehouse
    should not load article texts it does not need."""
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
    return ds.dataset(
        source,
        format="parquet",
        partitioning=part,
        schema=spec.schema if spec.partitioned else None,
        filesystem=None if is_local(folder) else fs,
        exclude_invalid_files=False,
    ).to_table(columns=None if columns is None else [c for c in columns if c in spec.schema.names])


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


# ---------------------------------------------------------------- journal of a publish in progress


def journal_path(root: str | Path, day: dt.date) -> str:
    return join(root, "_publish", f"{day.isoformat()}.json")


def write_journal(root: str | Path, day: dt.date, entry: dict) -> None:
    write_bytes(json.dumps(entry, indent=2, sort_keys=True).encode(), journal_path(root, day))


def read_journal(root: str | Path, day: dt.date) -> dict | None:
    path = journal_path(root, day)
    return json.loads(read_bytes(path)) if exists(path) else None


def interrupted_publishes(root: str | Path) -> list[dict]:
    """Publishes that started and never finished (the process died): rerun these dates."""
    return [json.loads(read_bytes(p)) for p in list_files(join(root, "_publish"), "*.json")]


# ---------------------------------------------------------------- locks


def lock_file(root: str | Path, name: str) -> Path:
    """The local lock file guarding `name` in `root`.

    A local warehouse keeps its locks in `ROOT/_locks/`, so every process on the machine (and on
    machines sharing the folder over a file system with working `flock`) sees the same lock.
    An object-store warehouse has no lock primitive: the locks live in a local folder
    (`NEWSEVENTS_LOCK_DIR`, default the temp folder) keyed by the warehouse URI, which serialises
    runs on one machine only; across machines the guarantee is Airflow's (one DAG run per
    logical date, see docs/validation.md).
    """
    if is_local(root) and not os.environ.get(LOCK_DIR_ENV):
        folder = local_path(root) / "_locks"
    else:
        key = hashlib.sha1(str(root).encode()).hexdigest()[:12]
        folder = Path(os.environ.get(LOCK_DIR_ENV) or tempfile.gettempdir()) / f"newsevents-locks-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.lock"


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
                if timeout is not None and time.monotonic() - start > timeout:
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
    if os.environ.get(FAULT_ENV) == name:
        log.warning("fault injection: killing the process at %s", name)
        os.kill(os.getpid(), signal.SIGKILL)
