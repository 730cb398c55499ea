"""What the Trigger form's Params mean for a run of the news_events DAG.

A scheduled or backfill run processes the one day of its data interval. A manual run may say
otherwise in its Params (shown in the Trigger form, defaults = what a scheduled run does):

- `source`: read this source instead of `NEWSEVENTS_SOURCE`;
- `start`/`end`: process the publication dates found in the source on [start, end] (inclusive;
  `end` defaults to `start`) instead of the run's own day, through the same three tasks: `prepare`
  ingests and cleans every date of the range and returns all their shards, `extract` is mapped
  over them, `finish` validates the dates in one GX pass per batch and publishes each;
- `reprocess`: when false, dates already published (last run passed or warned) are left as
  they are, as `pipeline backfill --skip-done` does.

Functions of the params and the settings, so the DAG file stays wiring and the rules are tested
without Airflow (`run_range` runs the three steps in one process, as the DAG's tasks do).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.records import Shard

log = logging.getLogger("pipeline")


@dataclass(frozen=True)
class ManualRun:
    source: str
    start: dt.date | None
    end: dt.date | None
    reprocess: bool

    @property
    def is_range(self) -> bool:
        return self.start is not None


def _date(value, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"param {name}={value!r} is not a date: use YYYY-MM-DD") from None


def manual_run(params: dict | None, settings: Settings) -> ManualRun:
    """The run's Params read with the settings as defaults; a bad date or range is an error."""
    params = params or {}
    start, end = _date(params.get("start"), "start"), _date(params.get("end"), "end")
    if end is not None and start is None:
        raise ValueError(f"param end={end} needs a start: give start (and end) or neither")
    if start is not None and end is not None and end < start:
        raise ValueError(f"param end={end} is before start={start}: swap them")
    return ManualRun(
        source=str(params.get("source") or settings.source),
        start=start,
        end=end or start,
        reprocess=bool(params.get("reprocess", True)),
    )


def is_done(day: dt.date, settings: Settings) -> bool:
    """The date's last recorded run published (validation passed or warning)."""
    from pipeline.cli import done_dates

    return day in done_dates(Path(settings.warehouse))


def range_days(run: ManualRun, settings: Settings) -> list[dt.date]:
    """The publication dates of the source on the run's range, without the done ones unless reprocessing."""
    from pipeline.cli import dates_in_source, done_dates

    days = dates_in_source(Path(run.source), run.start, run.end, settings)
    if not run.reprocess:
        done = done_dates(Path(settings.warehouse))
        days = [d for d in days if d not in done]
    return days


def run_days_of(run: ManualRun, day: dt.date, settings: Settings) -> list[dt.date]:
    """The dates a DAG run processes: its range's, or its own day (none if published and reprocess is off)."""
    if run.is_range:
        return range_days(run, settings)
    if not run.reprocess and is_done(day, settings):
        log.info("%s is already published and reprocess is off: nothing to do", day)
        return []
    return [day]


def prepare_run(run: ManualRun, day: dt.date, run_id: str, settings: Settings) -> list[Shard]:
    """The DAG's `prepare`: ingest and clean each date of the run; the shards of every date with
    documents (a date without is finished here: its run row is written)."""
    from pipeline.runner import prepare

    shards: list[Shard] = []
    for d in run_days_of(run, day, settings):
        prepared = prepare(run.source, settings.warehouse, d, f"{run_id}__{d}" if run.is_range else run_id, settings)
        shards.extend(prepared.shards)
    return shards


def finish_run(shards: list[Shard], event_paths: list[str]) -> dict:
    """The DAG's `finish`: validate and publish the dates of the shards; the dates published
    (with documents: what the asset events announce) and the event_clusters refresh."""
    from pipeline.runner import finish_shards

    results, clusters = finish_shards(shards, event_paths)
    return {"published": [r.day.isoformat() for r in results], "clusters": clusters}


def run_range(run: ManualRun, run_id: str, settings: Settings) -> dict:
    """A manual range in this process, through the DAG's three steps; PartitionsFailed (naming
    each date) if any failed validation."""
    from pipeline.runner import extract

    days = range_days(run, settings)
    shards = prepare_run(run, run.start, run_id, settings)
    done = finish_run(shards, [extract(s, settings) for s in shards]) if shards else {"published": []}
    return {"days": [d.isoformat() for d in days], "published": done["published"]}
