"""News events DAG: one run per publication day, ingest -> clean (and plan shards) -> extract (mapped
shards) -> validate -> publish (and rebuild event_clusters).

Wiring only: the work is in `pipeline.stages`, imported inside the tasks so that parsing this
file costs no spaCy, GX, pandas or pyarrow import. Tasks hand each other paths (small dicts)
through XCom, never data.

The timetable is `CronDataIntervalTimetable`: each run owns the real one-day interval
[data_interval_start, data_interval_end), and the partition is the day it starts on (UTC).
Airflow 3's default `@daily` (CronTriggerTimetable) would give zero-length intervals.

`publish` and `run_range` declare one Airflow Asset per published table as outlets
(`pipeline/assets.py`), so a downstream DAG can be scheduled on, e.g., the `events` table. A
manual run's Params (Trigger form) can name another source, a date range (then `run_range`
processes it and the daily chain is skipped) and whether to reprocess dates already published
(`pipeline/manual_run.py`).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from pipeline.assets import table_assets
from pipeline.config import Settings

DAG_ID = "news_events"
OWNER = "newsevents-data"  # the team that answers for the tables; Airflow shows it per DAG and task
# one Asset per published table of the configured warehouse: the outlets of the publishing tasks
PUBLISHED = table_assets(Settings().warehouse)


def _optional(title: str, description: str, **schema) -> Param:
    """A Trigger-form field that may stay empty (None: what a scheduled run does)."""
    return Param(None, type=["null", "string"], title=title, description=description, **schema)


PARAMS = {
    "source": _optional("Source", "Folder or JSON Lines export to read; empty: NEWSEVENTS_SOURCE."),
    "start": _optional(
        "First publication date",
        "Process the source's dates from here (YYYY-MM-DD) in one task; empty: the run's own day.",
        format="date",
    ),
    "end": _optional("Last publication date", "Inclusive; empty: the first date alone.", format="date"),
    "reprocess": Param(
        True,
        type="boolean",
        title="Reprocess published dates",
        description="Off: dates already published (passed or warned) are left as they are.",
    ),
}


def _tell_downstream(days: list[str]) -> None:
    """The publication dates just published, in each table's asset event (`extra`), so a downstream
    DAG reads the partitions that changed instead of the whole table."""
    outlet_events = get_current_context()["outlet_events"]
    for asset in PUBLISHED:
        outlet_events[asset].extra = {"published_dates": days}


def _settings():
    from pipeline.config import Settings

    return Settings()


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2012, 1, 1),
    catchup=False,
    max_active_runs=int(os.environ.get("NEWSEVENTS_MAX_ACTIVE_RUNS", "2")),
    # a task that hangs (a stuck read, a stuck worker) fails after this and is retried, instead of holding its slot forever
    default_args={
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "execution_timeout": timedelta(minutes=int(os.environ.get("NEWSEVENTS_TASK_TIMEOUT_MINUTES", "60"))),
    },
    params=PARAMS,
    tags=["news", "events"],
    doc_md=__doc__,
)
def news_events():
    @task
    def ingest() -> dict:
        from pipeline.manual_run import is_done, manual_run
        from pipeline.stages import ingest_stage

        ctx = get_current_context()
        settings = _settings()
        run = manual_run(ctx["params"], settings)
        day = ctx["data_interval_start"].date()
        if run.is_range:
            raise AirflowSkipException(f"a manual run for {run.start}..{run.end}: task run_range processes it")
        if not run.reprocess and is_done(day, settings):
            raise AirflowSkipException(f"{day} is already published and reprocess is off")
        return ingest_stage(run.source, settings.warehouse, day, ctx["run_id"], settings)

    @task(outlets=PUBLISHED)
    def run_range() -> dict:
        from pipeline.manual_run import manual_run
        from pipeline.manual_run import run_range as process_range

        ctx = get_current_context()
        settings = _settings()
        run = manual_run(ctx["params"], settings)
        if not run.is_range:
            raise AirflowSkipException("no date range in the run's params: the daily tasks process its day")
        done = process_range(run, ctx["run_id"], settings)
        _tell_downstream(done["published"])
        return done

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

    @task(outlets=PUBLISHED)
    def publish(validated: dict) -> dict:
        from pipeline.stages import publish_stage, refresh_event_clusters

        published = publish_stage(validated)
        # event_clusters spans days: rebuilt whole from every published partition
        published["clusters"] = refresh_event_clusters(published["warehouse"])
        _tell_downstream([published["day"]])
        return published

    shards = clean(ingest())
    publish(validate(shards, extract.expand(shard=shards)))
    run_range()


news_events()
