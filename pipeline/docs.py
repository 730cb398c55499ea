"""Generate docs/tables.md from schemas/ (`make docs`, or `python -m pipeline.docs`).

The schemas are the one place where types are stated; the tables' documentation is derived
from them so it cannot drift (tests/test_docs_sync.py fails when docs/tables.md is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT
from schemas import PARTITION_KEY, SCHEMA_VERSION, TABLES

TABLES_MD = PROJECT_ROOT / "docs" / "tables.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_markdown(name: str) -> list[str]:
    spec = TABLES[name]
    key = ", ".join(f"`{k}`" for k in spec.key)
    layout = (
        f"`{name}/{PARTITION_KEY}=YYYY-MM-DD/part-0.parquet` (one file per partition)"
        if spec.partitioned
        else f"`{name}/` (not partitioned by date)"
    )
    lines = [f"## {name}", "", spec.description, "", f"Key: {key}. Files: {layout}.", ""]
    lines += ["| column | type | nullable | description |", "|---|---|---|---|"]
    for c in spec.columns:
        where = " (from the path, not stored in the file)" if spec.partitioned and c.name == PARTITION_KEY else ""
        lines.append(
            f"| `{c.name}` | `{_cell(str(c.type))}` | {'yes' if c.nullable else 'no'} | {_cell(c.description)}{where} |"
        )
    return lines + [""]


def render_tables_md() -> str:
    lines = [
        "# Warehouse tables",
        "",
        "<!-- Generated from schemas/tables.py by `make docs` (python -m pipeline.docs). Do not edit by hand. -->",
        "",
        f"Schema version {SCHEMA_VERSION}: every Parquet file carries it in its metadata (`schema_version`), "
        "with its table name and the fingerprint of the publish that wrote it (`publish_fingerprint`).",
        "",
    ]
    for name in TABLES:
        lines += table_markdown(name)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render_tables_md()
    if "--check" in argv:
        current = TABLES_MD.read_text(encoding="utf-8") if TABLES_MD.exists() else ""
        if current != text:
            print(f"{TABLES_MD} is out of date with schemas/: run `make docs`", file=sys.stderr)
            return 1
        return 0
    Path(TABLES_MD).parent.mkdir(parents=True, exist_ok=True)
    TABLES_MD.write_text(text, encoding="utf-8")
    print(f"wrote {TABLES_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
