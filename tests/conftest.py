"""Shared fixtures: the seeds, and one warehouse built from them once per test session."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Airflow reads AIRFLOW_HOME at import: keep every test's Airflow state out of ~ and the repo,
# in a folder made only when none is set, and removed when the session ends.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="newsevents-airflow-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold" / "seed_events.jsonl"
SEED_DATES = [
    dt.date(2023, 9, 19),
    dt.date(2023, 9, 20),
    dt.date(2023, 11, 15),
    dt.date(2024, 11, 15),
    dt.date(2024, 11, 16),
]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory) -> Path:
    """The seeds run through every stage (command-line path) into a fresh warehouse."""
    from pipeline.config import Settings
    from pipeline.stages import run_partition

    warehouse = tmp_path_factory.mktemp("seed_warehouse")
    settings = Settings(source=str(SEEDS), warehouse=str(warehouse))
    for day in SEED_DATES:
        run_partition(str(SEEDS), str(warehouse), day, f"test__{day}", settings)
    return warehouse


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """A writable copy of the seeds."""
    dst = tmp_path / "source"
    shutil.copytree(SEEDS, dst)
    return dst
