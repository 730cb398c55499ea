"""Helpers shared by the publishing and kill tests: an 'old' and a 'new' version of one date."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from conftest import SEEDS

from pipeline.config import Settings

DAY = dt.date(2023, 9, 19)
DAY_FILE = "004_eacfe106496aee21.txt"
TABLES = ("documents", "events", "removed_segments")
ADDED = "\n\nOn Monday, Japan and South Korea signed an agreement on energy cooperation in Tokyo.\n"


def new_source(tmp: Path) -> Path:
    """The seeds with one more sentence in the article of DAY: the date's 'new' version."""
    dst = tmp / "source-new"
    shutil.copytree(SEEDS, dst)
    with open(dst / DAY_FILE, "a", encoding="utf-8") as fh:
        fh.write(ADDED)
    return dst


def stage_and_validate(source: Path, warehouse: Path | str, run_id: str):
    """Every stage up to (not including) publish: (Cleaned, event paths, Validated)."""
    from pipeline.stages import clean_stage, extract_stage, ingest_stage, plan_shards, validate_stage

    settings = Settings(source=str(source), warehouse=str(warehouse))
    cleaned = clean_stage(ingest_stage(str(source), str(warehouse), DAY, run_id, settings))
    paths = [extract_stage(s, settings) for s in plan_shards(cleaned, settings.shard_size)]
    return cleaned, paths, validate_stage(cleaned, paths)


def part_file(warehouse: Path, table: str, day: dt.date = DAY) -> Path:
    return warehouse / table / f"published_date={day}" / "part-0.parquet"


def snapshot(warehouse: Path, day: dt.date = DAY) -> dict[str, bytes | None]:
    """The published bytes of each table's partition of `day`."""
    return {
        t: part_file(warehouse, t, day).read_bytes() if part_file(warehouse, t, day).exists() else None for t in TABLES
    }


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def read_part(warehouse: Path, table: str, day: dt.date = DAY):
    return pq.read_table(part_file(warehouse, table, day))
