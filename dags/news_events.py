"""News events DAG: one run per publication day, prepare (ingest + clean) -> extract (one mapped
task per shard) -> finish (validate + publish, then event_clusters).

Wiring only: the sequence is `pipeline.runner`'s (the one the command line and the process pool
run), imported inside the tasks so that parsing this file costs no spaCy, GX, pandas or pyarrow
import. Tasks hand each other typed records as plain JSON dicts through XCom
(`pipeline.records`: paths and counts, never data).

- `prepare` is a short-circuit: a day without documents writes its run row and returns no
  shard, and Airflow skips `extract` and `finish` instead of starting them.
- Three tasks per day, not five: on one machine a task costs a process fork and a scheduler
  round trip, and separate ingest/clean or validate/publish tasks bought nothing (a retry of
  `finish` validates the same staged files again, then publishes; see docs/operations.md).
- `execution_timeout` on every task: a stuck input can never hold a worker slot forever.

The timetable is `CronDataIntervalTimetable`: each run owns the real one-day interval
[data_interval_start, data_interval_end), and the partition is the day it starts on (UTC).
Airflow 3's default `@daily` (CronTriggerTimetable) would give zero-length intervals.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from pipeline.config import DAG_ID

# Upper bounds, not estimates: a corpus day takes seconds; a 5,000-document day minutes.
PREPARE_TIMEOUT = timedelta(minutes=30)
EXTRACT_TIMEOUT = timedelta(hours=2)
FINISH_TIMEOUT = timedelta(hours=1)


def _settings():
    from pipeline.config import Settings

    return Settings()


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2012, 1, 1),
    catchup=False,
    max_active_runs=int(os.environ.get("NEWSEVENTS_MAX_ACTIVE_RUNS", "2")),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20), "execution_timeout": FINISH_TIMEOUT},
    tags=["news", "events"],
    doc_md=__doc__,
)
def news_events():
    @task.short_circuit(execution_timeout=PREPARE_TIMEOUT)
    def prepare() -> list[dict]:
        """Ingest and clean the run's day; its shards, or none (falsy: downstream skipped)."""
        from pipeline.runner import prepare

        ctx = get_current_context()
        settings = _settings()
        day = ctx["data_interval_start"].date()
        prepared = prepare(settings.source, settings.warehouse, day, ctx["run_id"], settings)
        return [shard.to_xcom() for shard in prepared.shards]

    @task(
        execution_timeout=EXTRACT_TIMEOUT,
        max_active_tis_per_dagrun=int(os.environ.get("NEWSEVENTS_EXTRACT_PARALLELISM", "2")),
    )
    def extract(shard: dict) -> str:
        from pipeline.records import Shard
        from pipeline.runner import extract

        return extract(Shard.from_xcom(shard), _settings())

    @task(execution_timeout=FINISH_TIMEOUT)
    def finish(shards: list[dict], event_paths: list[str]) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.records import Shard
        from pipeline.runner import after_publish, finish_one
        from pipeline.validate import ValidationFailed

        try:
            published = finish_one(Shard.from_xcom(shards[0]).cleaned, list(event_paths))
        except ValidationFailed as exc:
            # Deterministic: retrying the same staged data cannot pass, so fail now with the message.
            raise AirflowFailException(str(exc)) from None
        return {**published.to_xcom(), "clusters": after_publish(published.warehouse, [published])}

    shards = prepare()
    finish(shards, extract.expand(shard=shards))


news_events()
