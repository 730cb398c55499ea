"""The warehouse on disk: staged tables, atomic publishing of partitions, reading back.

Layout: `ROOT/TABLE/published_date=YYYY-MM-DD/part-0.parquet` (one file per partition, so
publishing is one atomic `os.replace` per table), `ROOT/quarantine/*.parquet` (one file per
source), `ROOT/_staging/...` for work in progress (outside every table folder, so DuckDB and
Polars globs over a table never see half-written files).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas import PARTITION_KEY, SCHEMA_VERSION, TABLES

PART_FILE = "part-0.parquet"


def to_arrow(table_name: str, rows: list[dict]) -> pa.Table:
    """Rows to an Arrow table with the table's full schema (partition key included)."""
    schema = TABLES[table_name].schema
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def write_staged(table: pa.Table, path: Path) -> Path:
    """Write a staged table (full schema) via a temp file and rename, so a crash leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def read_staged(path: str | Path) -> pa.Table:
    return pq.read_table(path)


def partition_dir(root: Path, table_name: str, day: dt.date) -> Path:
    return Path(root) / table_name / f"{PARTITION_KEY}={day.isoformat()}"


def file_table(table_name: str, table: pa.Table) -> pa.Table:
    """The table as stored in the Parquet file: partition key dropped, schema version in metadata."""
    spec = TABLES[table_name]
    table = table.select(spec.file_schema.names).cast(spec.file_schema)
    return table.replace_schema_metadata({"table": table_name, "schema_version": SCHEMA_VERSION})


def publish_file(table: pa.Table, target: Path) -> None:
    """Atomically put `table` at `target`: readers see the old file or the new one, never a mix."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent.parent / f".{target.parent.name}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, target)


def publish_partition(root: Path, table_name: str, day: dt.date, table: pa.Table) -> Path:
    target = partition_dir(root, table_name, day) / PART_FILE
    publish_file(file_table(table_name, table), target)
    return target


def read_table(root: Path, table_name: str) -> pa.Table | None:
    """A whole table as Arrow, partition key restored as a date; None when it does not exist."""
    import pyarrow.dataset as ds

    folder = Path(root) / table_name
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return None
    spec = TABLES[table_name]
    part = (
        ds.partitioning(pa.schema([pa.field(PARTITION_KEY, pa.date32())]), flavor="hive") if spec.partitioned else None
    )
    return ds.dataset(
        folder,
        format="parquet",
        partitioning=part,
        schema=spec.schema if spec.partitioned else None,
    ).to_table()
