"""The one place the sequence of a date's stages is written; the command line (one process), the
process pool (`pipeline.parallel`) and the Airflow DAG (`dags/news_events.py`) all call it.

A date runs in three units, the units Airflow schedules and the pool hands its workers:

1. `prepare`: ingest -> a day without documents is finished here (its run row and the source's
   quarantine are written, nothing else) -> clean -> plan the extraction shards;
2. `extract`: one shard's events (mapped: one task or pool unit per shard);
3. `finish`: validate the staged tables of one or more dates in one Great Expectations pass
   (its cost is mostly fixed per pass) and publish each date that passed (write-audit-publish).

After a pass over dates, `after_publish` brings the cross-date `event_clusters` table up to
date once. A change to the sequence is a change to these functions only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pipeline.config import Settings
from pipeline.records import Cleaned, Prepared, Published, Shard

log = logging.getLogger("pipeline")

MAX_BATCH_DAYS = 64
MAX_BATCH_DOCUMENTS = 5000


class PartitionsFailed(RuntimeError):
    """Some dates failed validation (not published); every other date was published."""

    def __init__(self, failures: list[Exception], results: list[Published]):
        published = ", ".join(r.day.isoformat() for r in results) or "none"
        super().__init__(
            f"{len(failures)} date(s) failed validation and were not published (published: {published}):\n"
            + "\n".join(str(f) for f in failures)
        )
        self.failures, self.results = failures, results


def batch_is_full(days: int, documents: int) -> bool:
    """Whether a finish batch has reached one process's limits (bounded staging and memory)."""
    return days >= MAX_BATCH_DAYS or documents >= MAX_BATCH_DOCUMENTS


# ---------------------------------------------------------------- the three units of a date


def prepare(source: str, warehouse: str, day: dt.date, run_id: str, settings: Settings) -> Prepared:
    """Ingest and clean one date; a date without documents is finished here (Prepared.done)."""
    from pipeline.stages import clean_stage, finish_empty_day, ingest_stage, plan_shards

    ingested = ingest_stage(source, warehouse, day, run_id, settings)
    if ingested.counts.documents == 0:
        return Prepared(done=finish_empty_day(ingested))
    return Prepared(shards=plan_shards(clean_stage(ingested), settings.shard_size))


def extract(shard: Shard, settings: Settings) -> str:
    """One shard's events, staged; returns the file."""
    from pipeline.stages import extract_stage

    return extract_stage(shard, settings)


def finish(items: list[tuple[Cleaned, list[str]]]) -> list[Published | Exception]:
    """Validate several extracted dates in one GX pass, then publish each date that passed.

    Returns, per date in order, its Published record or the ValidationFailed of a date that was
    not published. Any other error is raised (dates of the batch published before it stay)."""
    from pipeline.stages import already_published, publish_stage, validate_stages

    earlier = [already_published(cleaned) for cleaned, _ in items]  # a retry after a finished publish
    todo = [item for item, e in zip(items, earlier, strict=True) if e is None]
    outcomes = iter(validate_stages(todo) if todo else [])
    results: list[Published | Exception] = []
    for e in earlier:
        outcome = e if e is not None else next(outcomes)
        results.append(outcome if isinstance(outcome, Published | Exception) else publish_stage(outcome))
    return results


def finish_one(cleaned: Cleaned, event_paths: list[str]) -> Published:
    """`finish` for one date; raises its ValidationFailed. The DAG file up to commit fa122f9
    called it, and benchmarks/airflow_overhead.py still runs that file as a variant."""
    (outcome,) = finish([(cleaned, sorted(event_paths))])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def finish_shards(shards: list[Shard], event_paths: list[str]) -> tuple[list[Published], dict | None]:
    """`finish` for the shards of one or more dates (a DAG run: its day, or a manual run's
    range), `event_paths[i]` the events file of `shards[i]`: one GX pass per batch of dates,
    then event_clusters once. Returns the published dates and the clusters refresh; raises
    PartitionsFailed (after publishing every date that passed) if a date failed validation."""
    by_day: dict[dt.date, tuple[Cleaned, list[str]]] = {}
    for shard, path in zip(shards, event_paths, strict=True):
        by_day.setdefault(shard.cleaned.day, (shard.cleaned, []))[1].append(path)
    items = [(cleaned, sorted(paths)) for cleaned, paths in by_day.values()]
    results: list[Published] = []
    failures: list[Exception] = []
    batch: list[tuple[Cleaned, list[str]]] = []
    for i, item in enumerate(items):
        batch.append(item)
        if i == len(items) - 1 or batch_is_full(len(batch), sum(c.counts.documents for c, _ in batch)):
            for outcome in finish(batch):
                (failures if isinstance(outcome, Exception) else results).append(outcome)
            batch = []
    clusters = after_publish(shards[0].cleaned.warehouse, results) if shards else None
    if failures:
        raise PartitionsFailed(failures, results)
    return results, clusters


def after_publish(warehouse: str, results: list[Published]) -> dict | None:
    """Once per pass over dates (a CLI run, a pool run, a DAG run): bring event_clusters up to
    date when any date of the pass published documents. The only caller of the clusters rebuild."""
    from pipeline.stages import refresh_event_clusters

    if not any(r.counts.documents for r in results):
        return None
    return refresh_event_clusters(warehouse)


# ---------------------------------------------------------------- many dates


def run_in_process(
    source: str,
    warehouse: str,
    days: list[dt.date],
    run_id_of: Callable[[dt.date], str],
    settings: Settings,
    on_done: Callable[[Published], None] | None = None,
) -> list[Published]:
    """Many dates in this process: prepare and extract a batch of dates, finish the batch in one
    GX pass, then the next batch. Validating day by day would pay GX's fixed cost per
    expectation for every date, which dominates a backfill of small days. A failed date is not
    published and does not stop the others; PartitionsFailed is raised at the end."""
    results: list[Published] = []
    failures: list[Exception] = []

    def done(result: Published) -> None:
        results.append(result)
        if on_done:
            on_done(result)

    pending: list[tuple[Cleaned, list[str]]] = []

    def flush() -> None:
        for outcome in finish(pending):
            if isinstance(outcome, Exception):
                failures.append(outcome)
            else:
                done(outcome)
        pending.clear()

    for day in days:
        prepared = prepare(source, warehouse, day, run_id_of(day), settings)
        if prepared.done is not None:
            done(prepared.done)
            continue
        pending.append((prepared.cleaned, [extract(s, settings) for s in prepared.shards]))
        if batch_is_full(len(pending), sum(c.counts.documents for c, _ in pending)):
            flush()
    if pending:
        flush()
    results.sort(key=lambda r: r.day)
    if failures:
        raise PartitionsFailed(failures, results)
    return results


def run_days(
    source: str,
    warehouse: str,
    days: list[dt.date],
    run_id_of: Callable[[dt.date], str],
    settings: Settings,
    on_done: Callable[[Published], None] | None = None,
) -> list[Published]:
    """Every date, in this process or on `settings.processes` workers (identical tables), then
    event_clusters once: also when some dates failed validation (PartitionsFailed is raised
    after), not after a crash or Ctrl-C (a rebuild there would delay the exit and could mask the
    error; the next run brings it up to date)."""
    if settings.processes > 1:
        from pipeline.parallel import run_partitions_parallel

        def run() -> list[Published]:
            return run_partitions_parallel(source, warehouse, days, settings, settings.processes, run_id_of, on_done)
    else:

        def run() -> list[Published]:
            return run_in_process(source, warehouse, days, run_id_of, settings, on_done)

    try:
        results = run()
    except PartitionsFailed as exc:
        after_publish(warehouse, exc.results)
        raise
    after_publish(warehouse, results)
    return results


def run_partition(source: str, warehouse: str, day: dt.date, run_id: str, settings: Settings) -> Published:
    """One date in this process, every unit of it (tests, notebooks)."""
    (result,) = run_days(source, warehouse, [day], lambda _d: run_id, settings)
    return result
