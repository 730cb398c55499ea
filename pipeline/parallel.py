"""Several partitions, and the shards of a big one, on a pool of worker processes
(`python -m pipeline run --processes N`, or `NEWSEVENTS_PROCESSES`).

spaCy parses on one core, so one process uses one of the machine's cores. The pool runs the
very units the DAG runs (`pipeline.runner`), as pool tasks: a date's `prepare` (ingest +
clean), each extraction shard (`extract`, the units Airflow maps), and a *finish batch*
(`finish`): validate several dates in one Great Expectations pass and publish each that
passed, as one process does (`runner.run_in_process`). GX's cost is mostly fixed per pass, so
validating date by date would dominate a run of many small dates. Only the order of the units
is decided here.

A date whose shards are all extracted is *ready*. A finish batch takes the ready dates (in the
order of `days`) up to the limits of one process, MAX_BATCH_DAYS dates or MAX_BATCH_DOCUMENTS
documents; it is submitted as soon as the ready dates reach a limit, or earlier when nothing
else is left to start (no date waiting, no shard pending), so the last dates are not held
back. Order of what a free worker gets: a full finish batch, then a pending shard, then a new
date, then a partial finish batch.

Bounds: at most `processes` tasks run at once, and a new date is started only while fewer
than MAX_BATCH_DAYS + `processes` dates are started and not yet handed to a finish batch. So
beyond the finish batches running, the staged files of at most one batch's worth of dates
(plus those being extracted) exist at any time, however many dates the run covers.

Failures are those of one process: a date that fails validation is not published and the
others still run and publish; PartitionsFailed(failures, results) is raised at the end. Any
other error (a crash in ingest, extraction or publish) cancels what has not started and is
raised; dates already published stay published. Output is identical to one process: every
unit is deterministic, validate merges a date's shards in a fixed order, and a date's
validation outcome does not depend on the dates validated with it. Each worker loads the
spaCy model once, in its initializer.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.records import Cleaned, Published, Shard
from pipeline.runner import MAX_BATCH_DAYS, PartitionsFailed, batch_is_full, extract, finish, prepare

log = logging.getLogger("pipeline")


def _init_worker(settings: Settings, log_level: int) -> None:
    """Load the model once per worker, before any work arrives."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(processName)s %(name)s %(message)s")
    from pipeline.extract import load_model

    load_model(settings.model)


@dataclass
class _Day:
    """Where one day is: waiting, being prepared or extracted, ready, finishing, or done."""

    day: dt.date
    cleaned: Cleaned | None = None
    pending_shards: list[Shard] = field(default_factory=list)
    running_shards: int = 0
    event_paths: list[str] = field(default_factory=list)
    result: Published | None = None
    failure: Exception | None = None

    @property
    def documents(self) -> int:
        return self.cleaned.counts.documents if self.cleaned else 0


def take_batch(ready: list[_Day], full_only: bool) -> list[_Day]:
    """The first ready days (kept in the order of the run's days) up to one batch's limits.

    With `full_only`, nothing unless the ready days reach a limit, as one process batches."""
    batch: list[_Day] = []
    documents = 0
    for st in ready:
        batch.append(st)
        documents += st.documents
        if batch_is_full(len(batch), documents):
            break
    else:
        if full_only:
            return []
    del ready[: len(batch)]
    return batch


def run_partitions_parallel(
    source: str,
    warehouse: str,
    days: list[dt.date],
    settings: Settings,
    processes: int,
    run_id_of: Callable[[dt.date], str],
    on_done: Callable[[Published], None] | None = None,
) -> list[Published]:
    """Run every day on `processes` workers; results (published or empty days) in the order of `days`.

    Raises PartitionsFailed(failures, results) when some days failed validation (the others
    were published), as `runner.run_in_process`; any other error is raised as it comes."""
    states = {d: _Day(d) for d in days}
    position = {d: i for i, d in enumerate(days)}
    waiting = list(days)
    extracting: list[_Day] = []  # days with shards not yet submitted, in the order they were prepared
    ready: list[_Day] = []
    open_days = 0  # started and not yet handed to a finish batch (nor finished empty)
    max_open = MAX_BATCH_DAYS + processes
    running: dict[Future, tuple[str, list[_Day]]] = {}
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads or a model
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(settings, logging.getLogger().getEffectiveLevel()),
    ) as pool:

        def submit_finish(batch: list[_Day]) -> tuple[str, list[_Day], Future]:
            nonlocal open_days
            open_days -= len(batch)
            items = [(st.cleaned, sorted(st.event_paths)) for st in batch]
            log.info("finish batch: %d date(s) %s..%s", len(batch), batch[0].day, batch[-1].day)
            return "finish", batch, pool.submit(finish, items)

        def next_unit() -> tuple[str, list[_Day], Future] | None:
            nonlocal open_days
            while extracting and not extracting[0].pending_shards:
                extracting.pop(0)
            pending = extracting[0] if extracting else None
            # a full batch first (bounded staging); a partial one only when nothing else can start
            batch = take_batch(ready, full_only=bool(waiting or pending))
            if batch:
                return submit_finish(batch)
            if pending is not None:
                pending.running_shards += 1
                return "extract", [pending], pool.submit(extract, pending.pending_shards.pop(0), settings)
            if waiting and open_days < max_open:
                st = states[waiting.pop(0)]
                open_days += 1
                return (
                    "prepare",
                    [st],
                    pool.submit(prepare, source, warehouse, st.day, run_id_of(st.day), settings),
                )
            return None

        def finished(st: _Day, result: Published) -> None:
            st.result = result
            if on_done:
                on_done(result)

        def maybe_ready(st: _Day) -> None:
            if st.cleaned is not None and not st.pending_shards and st.running_shards == 0:
                ready.append(st)
                ready.sort(key=lambda s: position[s.day])

        try:
            while True:
                while len(running) < processes and (unit := next_unit()) is not None:
                    kind, sts, fut = unit
                    running[fut] = (kind, sts)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    kind, sts = running.pop(fut)
                    value = fut.result()
                    if kind == "prepare" and value.done is not None:
                        open_days -= 1
                        finished(sts[0], value.done)
                    elif kind == "prepare":
                        sts[0].cleaned, sts[0].pending_shards = value.cleaned, list(value.shards)
                        extracting.append(sts[0])
                        maybe_ready(sts[0])
                    elif kind == "extract":
                        sts[0].running_shards -= 1
                        sts[0].event_paths.append(value)
                        maybe_ready(sts[0])
                    else:
                        for st, outcome in zip(sts, value, strict=True):
                            if isinstance(outcome, Exception):
                                st.failure = outcome
                            else:
                                finished(st, outcome)
        except BaseException:
            for fut in running:
                fut.cancel()
            raise
    unfinished = [st.day for st in states.values() if st.result is None and st.failure is None]
    if unfinished:  # a bug of the scheduling above, never an input problem
        raise RuntimeError(f"the pool stopped with dates neither published nor failed: {unfinished}")
    results = [states[d].result for d in days if states[d].result is not None]
    failures = [states[d].failure for d in days if states[d].failure is not None]
    if failures:
        raise PartitionsFailed(failures, results)
    return results
