"""A backfill through the real Airflow scheduler (started here, stopped after): exactly the
seed dates of the range get partitions, empty days write nothing and succeed."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEEDS

pytestmark = pytest.mark.airflow


def test_backfill_over_seed_dates_and_empty_days(tmp_path):
    from pipeline import airflow_local as al

    warehouse = tmp_path / "warehouse"
    env = al.airflow_env(
        tmp_path / "airflow_home",
        port=al.free_port(),
        extra={"NEWSEVENTS_SOURCE": str(SEEDS), "NEWSEVENTS_WAREHOUSE": str(warehouse)},
    )
    al.init_db(env)
    start, end = dt.date(2023, 9, 18), dt.date(2023, 9, 21)  # seeds on 09-19 and 09-20
    with al.running_airflow(env):
        al.wait_for_dag(env)
        runs = al.backfill(env, start, end, timeout=900)
    assert sorted(str(r["logical_date"])[:10] for r in runs) == [
        "2023-09-18",
        "2023-09-19",
        "2023-09-20",
        "2023-09-21",
    ]
    assert all(r["state"] == "success" for r in runs), runs
    for table in ("documents", "events", "removed_segments"):
        parts = sorted(p.name for p in (warehouse / table).iterdir())
        assert parts == ["published_date=2023-09-19", "published_date=2023-09-20"], (table, parts)
    assert not any((warehouse / "_staging").rglob("*.parquet")), "staging left behind"
