"""Several partitions, and the shards of a big one, on a pool of worker processes
(`python -m pipeline run --processes N`, or `NEWSEVENTS_PROCESSES`).

spaCy parses on one core, so one process uses one of the machine's cores. The pool runs the
very stage functions the DAG runs (`pipeline.stages`), as the same units Airflow maps: a
partition's ingest + clean, each extraction shard, and its validate + publish. The shards of
one big day therefore spread over every worker, and small days run side by side. Output is
identical to one process: every unit is deterministic and validate merges a day's shards in
a fixed order.

Each worker loads the spaCy model once, in its initializer. At most `processes` units run at
a time and finishing a started day comes before starting a new one, so memory and staged
files stay bounded however many days the run covers.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from pipeline.config import Settings

log = logging.getLogger("pipeline")


def _init_worker(settings: Settings, log_level: int) -> None:
    """Load the model once per worker, before any work arrives."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(processName)s %(name)s %(message)s")
    from pipeline.extract import load_model

    load_model(settings.model)


def prepare_day(source: str, warehouse: str, day: dt.date, run_id: str, settings: Settings) -> dict:
    """Ingest and clean one day; returns either its finished result or its shards to extract."""
    from pipeline.stages import clean_stage, finish_empty_day, ingest_stage, plan_shards

    ingested = ingest_stage(source, warehouse, day, run_id, settings)
    if ingested["counts"]["documents"] == 0:
        return {"done": finish_empty_day(ingested)}
    cleaned = clean_stage(ingested)
    return {"cleaned": cleaned, "shards": plan_shards(cleaned, settings.shard_size)}


def extract_shard(shard: dict, settings: Settings) -> str:
    from pipeline.stages import extract_stage

    return extract_stage(shard, settings)


def finish_day(cleaned: dict, event_paths: list[str]) -> dict:
    from pipeline.stages import publish_stage, validate_stage

    return publish_stage(validate_stage(cleaned, event_paths))


@dataclass
class _Day:
    """Where one day is: waiting, shards pending, or finished."""

    day: dt.date
    cleaned: dict | None = None
    pending_shards: list[dict] = field(default_factory=list)
    running_shards: int = 0
    event_paths: list[str] = field(default_factory=list)
    finishing: bool = False
    result: dict | None = None


def run_partitions_parallel(
    source: str,
    warehouse: str,
    days: list[dt.date],
    settings: Settings,
    processes: int,
    run_id_of: Callable[[dt.date], str],
    on_done: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Run every day on `processes` workers; results in the order of `days`.

    The first failing unit (a validation error, say) cancels what has not started and is
    raised, as in one process; days already published stay published."""
    states = {d: _Day(d) for d in days}
    waiting = list(days)
    running: dict[Future, tuple[str, _Day]] = {}
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads or a model
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(settings, logging.getLogger().getEffectiveLevel()),
    ) as pool:

        def next_unit() -> tuple[str, _Day, Future] | None:
            # finish started days first (bounded staging), then their shards, then a new day
            for st in states.values():
                if st.cleaned and not st.pending_shards and st.running_shards == 0 and not st.finishing:
                    st.finishing = True
                    return "finish", st, pool.submit(finish_day, st.cleaned, sorted(st.event_paths))
            for st in states.values():
                if st.pending_shards:
                    st.running_shards += 1
                    return "extract", st, pool.submit(extract_shard, st.pending_shards.pop(0), settings)
            if waiting:
                st = states[waiting.pop(0)]
                return "prepare", st, pool.submit(prepare_day, source, warehouse, st.day, run_id_of(st.day), settings)
            return None

        try:
            while True:
                while len(running) < processes and (unit := next_unit()) is not None:
                    kind, st, fut = unit
                    running[fut] = (kind, st)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    kind, st = running.pop(fut)
                    value = fut.result()
                    if kind == "prepare" and "done" in value:
                        st.result = value["done"]
                    elif kind == "prepare":
                        st.cleaned, st.pending_shards = value["cleaned"], list(value["shards"])
                    elif kind == "extract":
                        st.running_shards -= 1
                        st.event_paths.append(value)
                    else:
                        st.result = value
                    if st.result is not None and on_done:
                        on_done(st.result)
        except BaseException:
            for fut in running:
                fut.cancel()
            raise
    return [states[d].result for d in days]
