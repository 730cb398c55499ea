"""Every path of the warehouse layout, in one module: a change of layout is made here only.

ROOT is a local folder or a URI (`file://`, `s3://`, `gs://`, `memory://`), so paths are built
as strings joined with `/` (pathlib would turn `s3://b` into `s3:/b`). Nothing here reads or
writes a file, except `lock_file`, which makes its (always local) folder.

- `ROOT/TABLE/published_date=YYYY-MM-DD/part-0.parquet`: one file per table partition.
- `ROOT/TABLE/part-0.parquet`: an unpartitioned table replaced whole (event_clusters);
  `ROOT/quarantine/SOURCEKEY.parquet`: one quarantine file per source.
- `ROOT/runs/published_date=DATE/run-RUNKEY.parquet`: one row per run, so runs accumulate.
- `ROOT/_staging/DATE/RUNKEY/`: a run's staged files (write-audit-publish's "write").
- `ROOT/_publish/DATE.json`: the journal of a publish in progress (a write-ahead log) and
  `ROOT/_publish/DATE.previous/` the files it replaces, kept until it commits.
- `ROOT/_validation/DATE/RUNKEY.json`: validation reports; `ROOT/_data_docs/`: Data Docs.
- `ROOT/_index/`: the ingest index (local warehouses only); `ROOT/_locks/`: lock files.

Service folders start with `_`, outside every table folder, so DuckDB and Polars globs over a
table never see them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path

from pipeline.config import env_name
from schemas import PARTITION_KEY

PART_FILE = "part-0.parquet"
LOCK_DIR_ENV = env_name("lock_dir")  # listed in config.OTHER_SETTINGS

STAGING, JOURNAL, VALIDATION, DATA_DOCS, INDEX, LOCKS = (
    "_staging",
    "_publish",
    "_validation",
    "_data_docs",
    "_index",
    "_locks",
)
# Folders a warehouse may hold besides its tables (work in progress, reports, docs, caches, locks).
SERVICE_DIRS = (STAGING, JOURNAL, VALIDATION, DATA_DOCS, INDEX, LOCKS)


# ---------------------------------------------------------------- local or URI


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


# ---------------------------------------------------------------- keys


def run_key_of(run_id: str) -> str:
    """A file-system-safe, deterministic folder name for a run id (Airflow's contain `:` and `+`)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:60]
    return f"{safe}-{hashlib.sha1(run_id.encode()).hexdigest()[:8]}"


def source_key(source: str | Path) -> str:
    """One key per source folder or file (its resolved path), naming its quarantine file."""
    return hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- tables


def table_dir(root: str | Path, table_name: str) -> str:
    return join(root, table_name)


def partition_dir(root: str | Path, table_name: str, day: dt.date) -> str:
    return join(root, table_name, f"{PARTITION_KEY}={day.isoformat()}")


def partition_file(root: str | Path, table_name: str, day: dt.date) -> str:
    return join(partition_dir(root, table_name, day), PART_FILE)


def whole_table_file(root: str | Path, table_name: str) -> str:
    """The single file of an unpartitioned table replaced whole (event_clusters)."""
    return join(root, table_name, PART_FILE)


def quarantine_file(root: str | Path, source: str | Path) -> str:
    return join(root, "quarantine", f"{source_key(source)}.parquet")


def run_record_path(root: str | Path, day: dt.date, run_id: str) -> str:
    return join(partition_dir(root, "runs", day), f"run-{run_key_of(run_id)}.parquet")


# ---------------------------------------------------------------- service folders


def staging_root(root: str | Path) -> str:
    return join(root, STAGING)


def staging_dir(root: str | Path, day: dt.date, run_id: str) -> str:
    """The run's staging folder; a string, since the warehouse may be a URI (`s3://...`)."""
    return join(root, STAGING, day.isoformat(), run_key_of(run_id))


def staged_file(stage: str, name: str) -> str:
    """A file of a run's staging folder (`ingested.parquet`, `events-00000.parquet`...)."""
    return join(stage, name)


def shard_events_file(stage: str, shard: int) -> str:
    return staged_file(stage, f"events-{shard:05d}.parquet")


def shard_seconds_file(stage: str, shard: int) -> str:
    return staged_file(stage, f"events-{shard:05d}.seconds")


SHARD_SECONDS_GLOB = "events-*.seconds"


def journal_dir(root: str | Path) -> str:
    return join(root, JOURNAL)


def journal_path(root: str | Path, day: dt.date) -> str:
    return join(root, JOURNAL, f"{day.isoformat()}.json")


def previous_dir(root: str | Path, day: dt.date) -> str:
    """Where a publish keeps the files it replaces until it commits (for a rollback)."""
    return join(root, JOURNAL, f"{day.isoformat()}.previous")


def validation_dir(root: str | Path) -> str:
    return join(root, VALIDATION)


def validation_report_path(root: str | Path, day: dt.date, run_id: str) -> str:
    return join(root, VALIDATION, day.isoformat(), f"{run_key_of(run_id)}.json")


def data_docs_home(root: str | Path) -> str:
    return join(root, DATA_DOCS)


def data_docs_dir(root: str | Path, day: dt.date, run_id: str) -> str:
    return join(root, DATA_DOCS, day.isoformat(), run_key_of(run_id))


def index_dir_for(root: str | Path) -> Path | None:
    """The ingest index lives beside a local warehouse; with an object-store warehouse there is
    no index (every run scans the source) rather than a cache on a remote file system."""
    return local_path(root) / INDEX if is_local(root) else None


def lock_file(root: str | Path, name: str) -> Path:
    """The local lock file guarding `name` in `root` (its folder is created).

    A local warehouse keeps its locks in `ROOT/_locks/`, so every process on the machine (and on
    machines sharing the folder over a file system with working `flock`) sees the same lock.
    An object-store warehouse has no lock primitive: the locks live in a local folder
    (`NEWSEVENTS_LOCK_DIR`, default the temp folder) keyed by the warehouse URI, which serialises
    runs on one machine only; across machines the guarantee is Airflow's (one DAG run per
    logical date, see docs/validation.md).
    """
    if is_local(root) and not os.environ.get(LOCK_DIR_ENV):
        folder = local_path(root) / LOCKS
    else:
        key = hashlib.sha1(str(root).encode()).hexdigest()[:12]
        folder = Path(os.environ.get(LOCK_DIR_ENV) or tempfile.gettempdir()) / f"newsevents-locks-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.lock"
