"""A downstream DAG scheduled on the `events` Asset runs after a publish, through the real
scheduler (the session's one, conftest.airflow_backfill): the DAG is the one
docs/operations.md shows, taken from the page."""

from __future__ import annotations

import pyarrow.dataset as ds
import pytest
from conftest import TWO_DAYS

pytestmark = pytest.mark.airflow


def test_a_dag_scheduled_on_the_events_asset_runs_after_a_publish(airflow_backfill):
    assert airflow_backfill["downstream_before_publish"] == [], "nothing runs before a publish"
    runs = airflow_backfill["downstream_after_publish"]
    assert [(r["run_type"], r["state"]) for r in runs] == [("asset_triggered", "success")], runs
    day = TWO_DAYS[0]  # the one date published while the downstream DAG was unpaused
    events = ds.dataset(airflow_backfill["warehouse"] / "events" / f"published_date={day}").to_table(
        columns=["event_type"]
    )
    types = events["event_type"].to_pylist()
    assert types, "no events published: nothing was compared"
    expected = sorted((t, types.count(t)) for t in set(types))
    report = (airflow_backfill["reports"] / f"events_per_type_{day}.csv").read_text().splitlines()
    assert report == ["event_type,events"] + [f"{t},{n}" for t, n in expected]
    assert sorted(p.name for p in airflow_backfill["reports"].iterdir()) == [f"events_per_type_{day}.csv"]
