"""A downstream DAG scheduled on the `events` Asset runs after a publish, through the real
scheduler: the DAG is the one docs/operations.md shows, taken from the page."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyarrow.dataset as ds
import pytest
from conftest import ROOT, SEEDS

pytestmark = pytest.mark.airflow

DOWNSTREAM = "events_per_type"


def documented_dag() -> str:
    """The Python block of the "Downstream DAGs" section of docs/operations.md."""
    page = (ROOT / "docs" / "operations.md").read_text()
    section = page.split("## Downstream DAGs", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return code


def downstream_runs(al, env) -> list[dict]:
    status, page = al.api(env, "GET", f"/api/v2/dags/{DOWNSTREAM}/dagRuns?limit=100")
    return page.get("dag_runs", []) if status == 200 else []


def test_a_dag_scheduled_on_the_events_asset_runs_after_a_publish(tmp_path):
    from pipeline import airflow_local as al

    dags, warehouse, reports = tmp_path / "dags", tmp_path / "warehouse", tmp_path / "reports"
    dags.mkdir()
    (dags / "news_events.py").symlink_to(ROOT / "dags" / "news_events.py")
    (dags / f"{DOWNSTREAM}.py").write_text(documented_dag())
    env = al.airflow_env(
        tmp_path / "airflow_home",
        port=al.free_port(),
        extra={
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "NEWSEVENTS_SOURCE": str(SEEDS),
            "NEWSEVENTS_WAREHOUSE": str(warehouse),
            "EVENTS_REPORT_DIR": str(reports),
        },
    )
    al.init_db(env)
    day = dt.date(2023, 9, 19)  # a seed date
    with al.running_airflow(env):
        al.wait_for_dag(env)
        deadline = time.monotonic() + 180
        while al.api(env, "GET", f"/api/v2/dags/{DOWNSTREAM}")[0] != 200:
            assert time.monotonic() < deadline, "the downstream DAG was not parsed: airflow dags list-import-errors"
            time.sleep(2)
        status, body = al.api(env, "PATCH", f"/api/v2/dags/{DOWNSTREAM}?update_mask=is_paused", {"is_paused": False})
        assert status == 200, body
        assert downstream_runs(al, env) == [], "nothing runs before a publish"
        (run,) = al.backfill(env, day, day, timeout=900)
        assert run["state"] == "success", run
        deadline = time.monotonic() + 300
        while not any(r["state"] in al.TERMINAL for r in downstream_runs(al, env)):
            assert time.monotonic() < deadline, "the downstream DAG did not run after the publish"
            time.sleep(2)
        runs = downstream_runs(al, env)
    assert [(r["run_type"], r["state"]) for r in runs] == [("asset_triggered", "success")], runs
    events = ds.dataset(warehouse / "events" / f"published_date={day}").to_table(columns=["event_type"])
    expected = sorted((t, events["event_type"].to_pylist().count(t)) for t in set(events["event_type"].to_pylist()))
    report = (reports / f"events_per_type_{day}.csv").read_text().splitlines()
    assert report == ["event_type,events"] + [f"{t},{n}" for t, n in expected]
