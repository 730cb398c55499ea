"""What the Trigger form's Params mean for a run of the news_events DAG.

A scheduled or backfill run processes the one day of its data interval. A manual run may say
otherwise in its Params (shown in the Trigger form, defaults = what a scheduled run does):

- `source`: read this source instead of `NEWSEVENTS_SOURCE`;
- `start`/`end`: process the publication dates found in the source on [start, end] (inclusive;
  `end` defaults to `start`) in one task, `run_range`, the command line's in-process path (one
  GX pass per batch of dates), instead of the run's own day;
- `reprocess`: when false, dates already published (last run passed or warned) are left as
  they are, as `pipeline backfill --skip-done` does.

Pure functions of the params, so the DAG file stays wiring and the rules are tested without
Airflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings


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


def run_range(run: ManualRun, run_id: str, settings: Settings) -> dict:
    """Every date of the range in this task; PartitionsFailed (naming each date) if any failed."""
    from pipeline.runner import run_days

    days = range_days(run, settings)
    results = run_days(run.source, settings.warehouse, days, lambda d: f"{run_id}__{d}", settings)
    return {"days": [d.isoformat() for d in days], "published": [r.day.isoformat() for r in results]}
