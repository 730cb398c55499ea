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

`finish` and `run_range` declare one Airflow Asset per published table as outlets
(`pipeline/assets.py`), so a downstream DAG can be scheduled on, e.g., the `events` table. A
manual run's Params (Trigger form) can name another source, a date range (then `run_range`
processes it and the daily chain is skipped) and whether to reprocess dates already published
(`pipeline/manual_run.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from pipeline.assets import table_assets
from pipeline.config import DAG_ID, Settings, env_setting

# Upper bounds, not estimates: a corpus day takes seconds; a 5,000-document day minutes.
PREPARE_TIMEOUT = timedelta(minutes=30)
EXTRACT_TIMEOUT = timedelta(hours=2)
FINISH_TIMEOUT = timedelta(hours=1)
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
    max_active_runs=int(env_setting("max_active_runs")),
    default_args={
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "execution_timeout": FINISH_TIMEOUT,
    },
    params=PARAMS,
    tags=["news", "events"],
    doc_md=__doc__,
)
def news_events():
    @task.short_circuit(execution_timeout=PREPARE_TIMEOUT)
    def prepare() -> list[dict]:
        """Ingest and clean the run's day; its shards, or none (falsy: downstream skipped)."""
        from pipeline.manual_run import is_done, manual_run
        from pipeline.runner import prepare

        ctx = get_current_context()
        settings = _settings()
        run = manual_run(ctx["params"], settings)
        day = ctx["data_interval_start"].date()
        if run.is_range:
            raise AirflowSkipException(f"a manual run for {run.start}..{run.end}: task run_range processes it")
        if not run.reprocess and is_done(day, settings):
            raise AirflowSkipException(f"{day} is already published and reprocess is off")
        prepared = prepare(run.source, settings.warehouse, day, ctx["run_id"], settings)
        return [shard.to_xcom() for shard in prepared.shards]

    @task(
        execution_timeout=EXTRACT_TIMEOUT,
        max_active_tis_per_dagrun=int(env_setting("extract_parallelism")),
    )
    def extract(shard: dict) -> str:
        from pipeline.records import Shard
        from pipeline.runner import extract

        return extract(Shard.from_xcom(shard), _settings())

    @task(execution_timeout=FINISH_TIMEOUT, outlets=PUBLISHED)
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
        clusters = after_publish(published.warehouse, [published])
        _tell_downstream([published.day.isoformat()])
        return {**published.to_xcom(), "clusters": clusters}

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

    shards = prepare()
    finish(shards, extract.expand(shard=shards))
    run_range()


news_events()
