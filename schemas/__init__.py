"""Table schemas of the warehouse (see tables.py)."""

from schemas.tables import (
    PARTITION_KEY,
    SCHEMA_VERSION,
    TABLES,
    Column,
    Table,
)

__all__ = ["PARTITION_KEY", "SCHEMA_VERSION", "TABLES", "Column", "Table"]
