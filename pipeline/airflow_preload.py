"""Imported once by the LocalExecutor's forkserver (`[core] mp_forkserver_preload`, set in
pipeline/airflow_local.py), so that every task process inherits these modules and the loaded
spaCy model copy-on-write instead of importing them again.

Airflow 3.3 starts a task by forking its LocalExecutor worker; with `[scheduler]
mp_start_method = forkserver`, the workers are forked from a server process that imported
this module first. Without it each task paid Airflow's task-runner imports, pyarrow, spaCy and
its model (about 1.5 s) and, in validate, Great Expectations (5-8 s): most of a small day's cost
(benchmarks/airflow_overhead.py measures it). Never imported by the DAG file, whose parse must
stay cheap (tests/test_dag_import.py).
"""

from __future__ import annotations

import logging

log = logging.getLogger("pipeline")


def preload() -> list[str]:
    """Import what the tasks import and load the configured model; returns what was loaded.

    A failure is logged, never raised: a task then imports what it needs itself, slower but
    the same; a broken forkserver would stop every task of the scheduler."""
    loaded: list[str] = []
    try:
        import airflow.dag_processing.dagbag  # noqa: F401  (the task process parses the DAG file with it)
        import airflow.providers.standard.decorators.short_circuit  # noqa: F401
        import airflow.sdk.execution_time.supervisor  # noqa: F401  (the worker supervises each task)
        import airflow.sdk.execution_time.task_runner  # noqa: F401  (what every task process runs)
        import great_expectations  # noqa: F401  (pipeline.validate imports it lazily: 5-8 s)
        import great_expectations.expectations.expectation_configuration  # noqa: F401
        import great_expectations.render.renderer  # noqa: F401
        import great_expectations.render.view  # noqa: F401

        import pipeline.runner  # noqa: F401
        import pipeline.stages  # noqa: F401
        import pipeline.validate  # noqa: F401

        loaded.append("modules")
        from pipeline.config import Settings
        from pipeline.extract import load_model

        load_model(Settings().model)
        loaded.append("model")
    except Exception as exc:  # a missing model or a bad setting: the task reports it itself
        log.warning("airflow preload incomplete (%s): tasks will import on their own", exc)
    return loaded


LOADED = preload()
