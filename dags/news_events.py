"""News events DAG: one run per publication day, ingest -> clean -> extract (mapped shards)
-> validate -> publish.

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
    def clean(ingested: dict) -> dict:
        from pipeline.stages import clean_stage, finish_empty_day

        if ingested["counts"]["documents"] == 0:
            finish_empty_day(ingested)
            raise AirflowSkipException(f"no documents published on {ingested['day']}: nothing to write")
        return clean_stage(ingested)

    @task
    def shards(cleaned: dict) -> list[dict]:
        from pipeline.stages import plan_shards

        return plan_shards(cleaned, _settings().shard_size)

    @task(max_active_tis_per_dagrun=int(os.environ.get("NEWSEVENTS_EXTRACT_PARALLELISM", "2")))
    def extract(shard: dict) -> str:
        from pipeline.stages import extract_stage

        return extract_stage(shard, _settings())

    @task
    def validate(cleaned: dict, event_paths: list[str]) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.stages import validate_stage
        from pipeline.validate import ValidationFailed

        try:
            return validate_stage(cleaned, list(event_paths))
        except ValidationFailed as exc:
            # Deterministic: retrying the same staged data cannot pass, so fail now with the message.
            raise AirflowFailException(str(exc)) from None

    @task
    def publish(validated: dict) -> dict:
        from pipeline.stages import publish_stage

        return publish_stage(validated)

    @task
    def clusters(published: dict) -> dict:
        """event_clusters spans days: rebuilt whole from every published partition."""
        from pipeline.stages import refresh_event_clusters

        return refresh_event_clusters(published["warehouse"])

    cleaned = clean(ingest())
    event_paths = extract.expand(shard=shards(cleaned))
    clusters(publish(validate(cleaned, event_paths)))


news_events()
