"""News events DAG: one run per publication day, ingest -> clean (and plan shards) -> extract (mapped
shards) -> validate -> publish (and refresh event_clusters).

Wiring only: the work is in `pipeline.stages`, imported inside the tasks so that parsing this
file costs no spaCy, GX, pandas or pyarrow import. Tasks hand each other paths (small dicts)
through XCom, never data.

The timetable is `CronDataIntervalTimetable`: each run owns the real one-day interval
[data_interval_start, data_interval_end), and the partition is the day it starts on (UTC).
Airflow 3's default `@daily` (CronTriggerTimetable) would give zero-length intervals.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

DAG_ID = "news_events"


def _settings():
    from pipeline.config import Settings

    return Settings()


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2012, 1, 1),
    catchup=False,
    max_active_runs=int(os.environ.get("NEWSEVENTS_MAX_ACTIVE_RUNS", "2")),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20)},
    tags=["news", "events"],
    doc_md=__doc__,
)
def news_events():
    @task
    def ingest() -> dict:
        from pipeline.stages import ingest_stage

        ctx = get_current_context()
        settings = _settings()
        day = ctx["data_interval_start"].date()
        return ingest_stage(settings.source, settings.warehouse, day, ctx["run_id"], settings)

    @task
    def clean(ingested: dict) -> list[dict]:
        from pipeline.stages import clean_stage, finish_empty_day, plan_shards

        if ingested["counts"]["documents"] == 0:
            finish_empty_day(ingested)
            raise AirflowSkipException(f"no documents published on {ingested['day']}: nothing to write")
        cleaned = clean_stage(ingested)
        # returns the shard plan (each shard carries the cleaned partition's paths): one task
        # less per run than a separate planning task, and each task costs a process start
        return plan_shards(cleaned, _settings().shard_size)

    @task(max_active_tis_per_dagrun=int(os.environ.get("NEWSEVENTS_EXTRACT_PARALLELISM", "2")))
    def extract(shard: dict) -> str:
        from pipeline.stages import extract_stage

        return extract_stage(shard, _settings())

    @task
    def validate(shards: list[dict], event_paths: list[str]) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.stages import partition_of, validate_stage
        from pipeline.validate import ValidationFailed

        try:
            return validate_stage(partition_of(shards[0]), list(event_paths))
        except ValidationFailed as exc:
            # Deterministic: retrying the same staged data cannot pass, so fail now with the message.
            raise AirflowFailException(str(exc)) from None

    @task
    def publish(validated: dict) -> dict:
        from pipeline.stages import publish_stage, refresh_event_clusters

        published = publish_stage(validated)
        # event_clusters spans days: the clusters this date's events belong to are recomputed
        published["clusters"] = refresh_event_clusters(published["warehouse"])
        return published

    shards = clean(ingest())
    publish(validate(shards, extract.expand(shard=shards)))


news_events()
