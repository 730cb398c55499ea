"""Code that runs inside the pool's spawned workers, for tests only.

A worker is a fresh interpreter: monkeypatching in the test process does not reach it. A test
instead monkeypatches `pipeline.parallel._init_worker` with `init_worker_with_bad_events`; the
pool pickles the initializer by reference, so each worker imports this module (the tests folder
is on the path it inherits) and runs it.
"""

from __future__ import annotations

import os

import pyarrow as pa

BAD_DAY_ENV = "NEWSEVENTS_TEST_BAD_EVENTS_DAY"


def init_worker_with_bad_events(settings, log_level: int) -> None:
    """The pool's own initializer; then the extraction of the date named by BAD_DAY_ENV writes
    its events with a confidence out of range (1.5), so that date genuinely fails validation."""
    import pipeline.parallel as parallel
    import pipeline.stages as stages
    from pipeline.warehouse import read_staged, write_staged

    parallel._init_worker(settings, log_level)  # the real one: nothing is patched in this process
    bad_day = os.environ[BAD_DAY_ENV]
    real_extract_stage = stages.extract_stage

    def extract_stage(shard, settings=None) -> str:
        path = real_extract_stage(shard, settings)
        if shard.cleaned.day.isoformat() == bad_day:
            events = read_staged(path)
            i = events.schema.get_field_index("confidence")
            events = events.set_column(i, "confidence", pa.array([1.5] * events.num_rows, pa.float64()))
            write_staged(events, path)
        return path

    stages.extract_stage = extract_stage
