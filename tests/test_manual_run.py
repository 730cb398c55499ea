"""The Trigger form's Params: defaults are what a scheduled run does; a range is read from the
source's dates; reprocess off leaves published dates alone."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEED_DATES, SEEDS

from pipeline.config import Settings
from pipeline.manual_run import manual_run, range_days


def test_defaults_are_the_scheduled_run(tmp_path):
    settings = Settings(source=str(SEEDS), warehouse=str(tmp_path))
    run = manual_run({"source": None, "start": None, "end": None, "reprocess": True}, settings)
    assert (run.source, run.is_range, run.reprocess) == (str(SEEDS), False, True)
    assert manual_run(None, settings) == run


def test_a_range_and_its_errors(tmp_path):
    settings = Settings(source=str(SEEDS), warehouse=str(tmp_path))
    run = manual_run({"start": "2023-09-19", "end": None, "source": "/data/x"}, settings)
    assert (run.start, run.end, run.source) == (dt.date(2023, 9, 19), dt.date(2023, 9, 19), "/data/x")
    with pytest.raises(ValueError, match="before start"):
        manual_run({"start": "2023-09-20", "end": "2023-09-19"}, settings)
    with pytest.raises(ValueError, match="needs a start"):
        manual_run({"end": "2023-09-19"}, settings)
    with pytest.raises(ValueError, match="not a date"):
        manual_run({"start": "19/09/2023"}, settings)


def test_range_days_are_the_source_dates_and_skip_done_ones_without_reprocess(seed_warehouse, tmp_path):
    first, last = SEED_DATES[0], SEED_DATES[-1]
    params = {"start": first.isoformat(), "end": last.isoformat()}
    empty = Settings(source=str(SEEDS), warehouse=str(tmp_path / "empty"))
    assert range_days(manual_run(params, empty), empty) == list(SEED_DATES)
    built = Settings(source=str(SEEDS), warehouse=str(seed_warehouse))
    assert range_days(manual_run(params, built), built) == list(SEED_DATES)
    assert range_days(manual_run({**params, "reprocess": False}, built), built) == []


def test_run_range_publishes_the_dates_of_the_range(tmp_path):
    """The DAG's prepare -> extract -> finish for a manual range, in this process."""
    from pipeline.manual_run import run_range

    warehouse = tmp_path / "warehouse"
    settings = Settings(source=str(SEEDS), warehouse=str(warehouse))
    day = SEED_DATES[0]
    run = manual_run({"start": day.isoformat(), "end": day.isoformat()}, settings)
    done = run_range(run, "manual__t", settings)
    assert done == {"days": [day.isoformat()], "published": [day.isoformat()]}
    assert [p.name for p in (warehouse / "events").iterdir()] == [f"published_date={day}"]
    # published now: without reprocess, the same range has nothing left to do
    again = manual_run({"start": day.isoformat(), "reprocess": False}, settings)
    assert run_range(again, "manual__u", settings) == {"days": [], "published": []}


def test_a_range_is_the_shards_of_every_date_finished_in_one_pass(tmp_path):
    """prepare returns the shards of each date of the range, finish publishes them together and
    names only dates that published; a published day without reprocess prepares nothing."""
    from pipeline.manual_run import finish_run, manual_run, prepare_run
    from pipeline.runner import extract

    settings = Settings(source=str(SEEDS), warehouse=str(tmp_path / "warehouse"))
    two = SEED_DATES[:2]
    params = {"start": (two[0] - dt.timedelta(days=1)).isoformat(), "end": two[1].isoformat()}
    shards = prepare_run(manual_run(params, settings), dt.date(2000, 1, 1), "manual__r", settings)
    assert sorted({s.cleaned.day for s in shards}) == two
    done = finish_run(shards, [extract(s, settings) for s in shards])
    assert done["published"] == [d.isoformat() for d in two]
    assert prepare_run(manual_run({"reprocess": False}, settings), two[0], "scheduled__x", settings) == []
