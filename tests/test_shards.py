"""Shards and processes change where the work runs, never what is published: a day split into
one-document shards, run on a pool of processes or as mapped Airflow tasks, publishes the same
tables as one shard in one process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SEEDS

DAYS = (dt.date(2024, 3, 1), dt.date(2024, 3, 2))
TABLES = ("documents", "events", "removed_segments")


@pytest.fixture
def two_day_source(tmp_path) -> Path:
    """The seeds re-dated so that each of two days has several documents (3 and 2)."""
    src = tmp_path / "two_days"
    src.mkdir()
    lines = ["file,published_date"]
    for i, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        shutil.copy2(path, src / path.name)
        lines.append(f"{path.name},{DAYS[0] if i < 3 else DAYS[1]}")
    (src / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


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


def test_plan_shards_cover_every_document_exactly_once(tmp_path):
    from pipeline.stages import plan_shards
    from pipeline.warehouse import to_arrow, write_staged

    rows = [
        {"doc_id": f"d{i:02d}", "published_date": DAYS[0], "source_name": f"{i}.txt", "raw_text": "x", "text": "x"}
        for i in range(7)
    ]
    for r in rows:
        r.update(raw_chars=1, removed_chars=0)
    path = write_staged(to_arrow("documents", rows), tmp_path / "documents.parquet")
    shards = plan_shards({"documents": str(path)}, 3)
    assert [(s["offset"], s["limit"], s["shard"], s["shards"]) for s in shards] == [
        (0, 3, 0, 3),
        (3, 3, 1, 3),
        (6, 3, 2, 3),
    ]
    table = pq.read_table(path)
    covered = [d for s in shards for d in table.slice(s["offset"], s["limit"]).column("doc_id").to_pylist()]
    assert covered == [r["doc_id"] for r in rows]


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
def test_mapped_shards_under_local_executor_equal_one_shard(two_day_source, tmp_path, monkeypatch):
    """The real scheduler (LocalExecutor) runs `extract` as one mapped task per document."""
    from pipeline import airflow_local as al

    reference = tmp_path / "reference"
    cli_run(two_day_source, reference, "--shard-size", "1000")

    monkeypatch.setenv("NEWSEVENTS_SHARD_SIZE", "1")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    home = tmp_path / "airflow_home"
    mapped = tmp_path / "mapped"
    runs = al.run_through_airflow(two_day_source, mapped, home=home, days=list(DAYS), progress=lambda _m: None)
    assert sorted(str(r["logical_date"])[:10] for r in runs) == [d.isoformat() for d in DAYS]
    assert all(r["state"] == "success" for r in runs), runs

    # one log folder per mapped extract task instance: 3 shards on the first day, 2 on the second
    expected = {DAYS[0].isoformat(): 3, DAYS[1].isoformat(): 2}
    for run in runs:
        folder = home / "logs" / "dag_id=news_events" / f"run_id={run['run_id']}" / "task_id=extract"
        indexes = sorted(p.name for p in folder.glob("map_index=*"))
        shards = expected[str(run["logical_date"])[:10]]
        assert indexes == [f"map_index={i}" for i in range(shards)], (run["run_id"], indexes)
    assert_same_tables(reference, mapped)
