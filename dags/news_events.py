"""News events DAG: one run per publication day, prepare (ingest + clean) -> extract (one mapped
task per shard) -> finish (validate + publish, then event_clusters). Three tasks, nothing beside.

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

`finish` declares one Airflow Asset per published table as outlets (`pipeline/assets.py`), so a
downstream DAG can be scheduled on, e.g., the `events` table; a day that published nothing
skips `finish` and so emits no asset event. A manual run's Params (Trigger form) can name
another source, a date range and whether to reprocess dates already published
(`pipeline/manual_run.py`): a range goes through the same three tasks (`prepare` returns the
shards of every date of it, `finish` validates and publishes them all), so no fourth task is
started on every run only to skip itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task

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
        "Process the source's dates from here (YYYY-MM-DD) instead of the run's day; empty: its own day.",
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
        """Ingest and clean the run's day, or a manual run's range; the shards, or none (falsy:
        extract and finish skipped)."""
        from pipeline.manual_run import manual_run, prepare_run

        ctx = get_current_context()
        settings = _settings()
        day = ctx["data_interval_start"].date()
        shards = prepare_run(manual_run(ctx["params"], settings), day, ctx["run_id"], settings)
        return [s.to_xcom() for s in shards]

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

        from pipeline.manual_run import finish_run
        from pipeline.records import Shard
        from pipeline.runner import PartitionsFailed

        try:
            done = finish_run([Shard.from_xcom(s) for s in shards], list(event_paths))
        except PartitionsFailed as exc:
            # Deterministic: retrying the same staged data cannot pass, so fail now with the message
            # (the dates that passed are published; a retry would find them so and skip them).
            raise AirflowFailException(str(exc)) from None
        _tell_downstream(done["published"])
        return done

    shards = prepare()
    finish(shards, extract.expand(shard=shards))


news_events()
