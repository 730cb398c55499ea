"""docs/tables.md is generated from schemas/: it must match what `make docs` would write."""

from __future__ import annotations

from pipeline.docs import TABLES_MD, render_tables_md
from schemas import TABLES


def test_tables_md_is_in_sync_with_schemas():
    assert TABLES_MD.read_text(encoding="utf-8") == render_tables_md(), "docs/tables.md is stale: run `make docs`"


def test_every_column_is_documented_with_its_type():
    text = render_tables_md()
    for name, spec in TABLES.items():
        assert f"## {name}" in text
        for c in spec.columns:
            assert c.description.strip(), f"{name}.{c.name} has no description"
            assert f"| `{c.name}` | `{c.type}` |" in text
