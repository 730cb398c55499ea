"""Airflow Assets for the published tables, so downstream DAGs can be scheduled on them.

One Asset per published table, its URI the table's folder under the warehouse root:
`file:///abs/warehouse/events` for a local warehouse, `s3://bucket/prefix/events` for an
object-store one (Airflow 3.3 accepts both as they are). The publishing tasks of the DAG declare
them as outlets, so each successful publish records an asset event per table and a DAG with
`schedule=[Asset(...)]` runs after it (docs/operations.md, "Downstream DAGs").

Imported at DAG-parse time: no pyarrow, no pipeline stage, only names and strings
(tests/test_dag_import.py checks that `PUBLISHED_TABLES` matches schemas/tables.py).
"""

from __future__ import annotations

from pathlib import Path

# every table the publish step writes (schemas/tables.py TABLES), in that order
PUBLISHED_TABLES = ("documents", "events", "removed_segments", "quarantine", "event_clusters", "runs")


def table_uri(warehouse: str | Path, table: str) -> str:
    """The URI of a published table: the warehouse root (a path or a URI) joined with the table name."""
    root = str(warehouse)
    if "://" not in root:
        root = Path(root).expanduser().resolve().as_uri()
    return f"{root.rstrip('/')}/{table}"


def table_assets(warehouse: str | Path) -> list:
    """One `airflow.sdk.Asset` per published table of this warehouse."""
    from airflow.sdk import Asset

    return [Asset(table_uri(warehouse, table)) for table in PUBLISHED_TABLES]
