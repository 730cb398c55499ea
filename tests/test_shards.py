"""Shards and processes change where the work runs, never what is published: a day split into
one-document shards, run on a pool of processes or as mapped Airflow tasks, publishes the same
tables as one shard in one process."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import TWO_DAYS, write_two_day_source

from pipeline.config import DAG_ID

DAYS = TWO_DAYS
TABLES = ("documents", "events", "removed_segments")


@pytest.fixture
def two_day_source(tmp_path) -> Path:
    return write_two_day_source(tmp_path / "two_days")


def published(warehouse: Path) -> dict[str, object]:
    """Every published partition file's table, keyed by its path inside the warehouse."""
    out = {}
    for table in TABLES:
        for day in DAYS:
            rel = f"{table}/published_date={day}/part-0.parquet"
            assert (warehouse / rel).is_file(), f"{rel} was not published"
            out[rel] = pq.read_table(warehouse / rel)
    out["quarantine"] = sorted(p.name for p in (warehouse / "quarantine").glob("*.parquet"))
    return out


def assert_same_tables(reference: Path, candidate: Path) -> None:
    a, b = published(reference), published(candidate)
    assert a.keys() == b.keys()
    for key in a:
        if key == "quarantine":
            assert a[key] == b[key]
            continue
        assert a[key].num_rows > 0 or key.startswith("removed_segments"), f"{key} is empty: nothing was compared"
        assert a[key].equals(b[key]), f"{key} differs: {a[key].num_rows} vs {b[key].num_rows} rows"


def cli_run(source: Path, warehouse: Path, *extra: str) -> None:
    from pipeline.cli import main

    assert main(["run", "--source", str(source), "--warehouse", str(warehouse), *extra]) == 0


def test_plan_shards_cover_every_document_exactly_once():
    from pipeline.stages import shard_bounds

    assert shard_bounds(7, 3) == [(0, 3), (3, 3), (6, 3)]
    assert shard_bounds(6, 3) == [(0, 3), (3, 3)]
    assert shard_bounds(0, 3) == []
    for n in range(12):
        for size in (1, 2, 5, 200):
            covered = [i for offset, limit in shard_bounds(n, size) for i in range(n)[offset : offset + limit]]
            assert covered == list(range(n)), (n, size)


def test_process_pool_with_one_document_shards_publishes_identical_tables(two_day_source, tmp_path):
    """--processes 2 --shard-size 1 (5 shards over 2 days on 2 workers) against one process, one shard a day."""
    one = tmp_path / "one_process"
    pool = tmp_path / "two_processes"
    cli_run(two_day_source, one, "--shard-size", "1000")
    cli_run(two_day_source, pool, "--shard-size", "1", "--processes", "2")
    assert_same_tables(one, pool)
    assert not any((pool / "_staging").rglob("*.parquet")), "staging left behind"


def test_processes_must_be_positive(two_day_source, tmp_path, capsys):
    from pipeline.cli import EXIT_USAGE, main

    code = main(["run", "--source", str(two_day_source), "--warehouse", str(tmp_path / "w"), "--processes", "0"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--processes" in err and ">= 1" in err and "0" in err


@pytest.mark.airflow
def test_mapped_shards_under_local_executor_equal_one_shard(airflow_backfill, tmp_path):
    """The real scheduler (LocalExecutor, the session's backfill) ran `extract` as one mapped
    task per document, and published what one process with one shard a day publishes."""
    reference = tmp_path / "reference"
    cli_run(airflow_backfill["source"], reference, "--shard-size", "1000")
    # one log folder per mapped extract task instance: 3 shards on the first day, 2 on the second
    expected = {DAYS[0].isoformat(): 3, DAYS[1].isoformat(): 2}
    logs = airflow_backfill["home"] / "logs" / f"dag_id={DAG_ID}"
    for run in airflow_backfill["runs"]:
        shards = expected.get(str(run["logical_date"])[:10])
        if shards is None:
            continue
        folder = logs / f"run_id={run['run_id']}" / "task_id=extract"
        indexes = sorted(p.name for p in folder.glob("map_index=*"))
        assert indexes == [f"map_index={i}" for i in range(shards)], (run["run_id"], indexes)
    assert_same_tables(reference, airflow_backfill["warehouse"])
