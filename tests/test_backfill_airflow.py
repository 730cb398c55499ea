"""A backfill through the real Airflow scheduler (the session's one, conftest.airflow_backfill):
exactly the dates with documents get partitions; days without documents succeed, write their
run row and skip extract and finish; every component listens on loopback only and
AIRFLOW_HOME's secrets are readable by their owner only."""

from __future__ import annotations

import stat

import pytest
from conftest import AIRFLOW_RANGE, TWO_DAYS

from pipeline.config import DAG_ID
from pipeline.stages import SKIPPED

pytestmark = pytest.mark.airflow


def test_backfill_publishes_exactly_the_dates_with_documents(airflow_backfill):
    runs, warehouse = airflow_backfill["runs"], airflow_backfill["warehouse"]
    first, last = AIRFLOW_RANGE
    assert sorted(str(r["logical_date"])[:10] for r in runs) == [
        first.isoformat(),
        *(d.isoformat() for d in TWO_DAYS),
        last.isoformat(),
    ]
    assert all(r["state"] == "success" for r in runs), runs
    for table in ("documents", "events", "removed_segments"):
        parts = sorted(p.name for p in (warehouse / table).iterdir())
        assert parts == [f"published_date={d}" for d in TWO_DAYS], (table, parts)
    assert list((warehouse / "event_clusters").glob("part-*.parquet")), "event_clusters not refreshed"
    assert not any((warehouse / "_staging").rglob("*.parquet")), "staging left behind"


def test_days_without_documents_short_circuit(airflow_backfill):
    """prepare ran and wrote the run row; extract and finish never started (no task log)."""
    from pipeline.warehouse import read_table

    runs = read_table(airflow_backfill["warehouse"], "runs").to_pylist()
    by_day = {r["published_date"]: r["validation"] for r in runs}
    assert by_day[AIRFLOW_RANGE[0]] == by_day[AIRFLOW_RANGE[1]] == SKIPPED
    assert {by_day[d] for d in TWO_DAYS} <= {"passed", "warning"}
    logs = airflow_backfill["home"] / "logs" / f"dag_id={DAG_ID}"
    for run in airflow_backfill["runs"]:
        tasks = {p.name for p in (logs / f"run_id={run['run_id']}").iterdir()}
        empty = str(run["logical_date"])[:10] not in {d.isoformat() for d in TWO_DAYS}
        expected = {"task_id=prepare"} if empty else {"task_id=prepare", "task_id=extract", "task_id=finish"}
        assert tasks == expected, (run["run_id"], tasks)


def test_asset_events_only_for_the_days_that_published(airflow_backfill):
    """One event per published table and day with documents; none for an empty day."""
    import json
    import sqlite3

    from schemas import TABLES

    db = sqlite3.connect(airflow_backfill["home"] / "airflow.db")
    extras = [json.loads(e or "{}") for (e,) in db.execute("SELECT extra FROM asset_event")]
    db.close()
    days = sorted(d for e in extras for d in e.get("published_dates", []))
    assert days == sorted([d.isoformat() for d in TWO_DAYS] * len(TABLES)), extras


def test_every_airflow_component_listens_on_loopback_only(airflow_backfill):
    listeners = airflow_backfill["listeners"]
    assert listeners, "no listening socket found for the running components: the check saw nothing"
    assert all(addr.startswith("127.0.0.1:") for addr in listeners), listeners


def test_airflow_home_secrets_are_private(airflow_backfill):
    home = airflow_backfill["home"]
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("jwt_secret", "airflow.db"):
        mode = stat.S_IMODE((home / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    task_logs = [p for p in (home / "logs").rglob("*") if p.is_file()]
    assert task_logs and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in task_logs), [
        (str(p), oct(p.stat().st_mode)) for p in task_logs if p.stat().st_mode & 0o077
    ]
