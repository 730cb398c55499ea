"""The DAG file parses without errors, is wired as designed, and stays cheap to import."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

from conftest import ROOT

from pipeline import HEAVY_MODULES as HEAVY
from pipeline.config import DAG_ID


@functools.cache
def _dagbag():
    """Parsed once for the module: a DagBag costs seconds and every test reads the same one."""
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dag_imports_without_errors():
    bag = _dagbag()
    assert bag.import_errors == {}
    assert DAG_ID in bag.dags


def test_dag_wiring_and_timetable():
    dag = _dagbag().dags[DAG_ID]
    assert set(dag.task_ids) == {"prepare", "extract", "finish"}  # a manual range goes through them too
    assert dag.get_task("extract").upstream_task_ids == {"prepare"}
    assert dag.get_task("finish").upstream_task_ids == {"prepare", "extract"}
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
    assert all(t.retries >= 1 for t in dag.tasks)


def test_publishing_tasks_declare_one_asset_per_published_table(tmp_path, monkeypatch):
    from pipeline.assets import PUBLISHED_TABLES, table_uri
    from schemas import TABLES

    assert list(PUBLISHED_TABLES) == list(TABLES), "pipeline/assets.py names every table of schemas/tables.py"
    monkeypatch.setenv("NEWSEVENTS_WAREHOUSE", str(tmp_path / "wh"))
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    expected = [f"file://{tmp_path}/wh/{t}" for t in TABLES]
    assert [a.uri for a in dag.get_task("finish").outlets] == expected
    assert table_uri("s3://bucket/prefix/", "events") == "s3://bucket/prefix/events"
    assert {t.owner for t in dag.tasks} == {"newsevents-data"}


def test_trigger_form_params():
    dag = _dagbag().dags[DAG_ID]
    params = dag.params
    names = list(params.keys())
    assert set(names) == {"source", "start", "end", "reprocess"}
    schema = {k: params.get_param(k).schema for k in names}
    assert schema["start"]["format"] == schema["end"]["format"] == "date"
    assert schema["reprocess"]["type"] == "boolean" and params["reprocess"] is True
    assert all(schema[k].get("title") and params.get_param(k).description for k in schema)
    # the defaults validate: a scheduled run (no conf) gets them
    params.validate()


def test_every_task_has_a_timeout_and_empty_days_short_circuit():
    """A stuck input never holds a worker slot forever; a day without documents skips
    extract and finish instead of starting them (prepare is a short-circuit)."""
    dag = _dagbag().dags[DAG_ID]
    assert all(t.execution_timeout is not None and t.execution_timeout.total_seconds() > 0 for t in dag.tasks)
    assert type(dag.get_task("prepare")).__name__ == "_ShortCircuitDecoratedOperator"
    assert dag.get_task("prepare").ignore_downstream_trigger_rules is True


def test_dag_module_imports_no_heavy_libraries():
    """Parsing the DAG file (what the dag-processor does every few seconds) loads none of the
    libraries the tasks need: none is in sys.modules after it that was not there after
    `import airflow.sdk` alone."""
    code = (
        "import sys, json, importlib.util\n"
        "import airflow.sdk\n"
        f"before = {{k for k in {HEAVY!r} if k in sys.modules}}\n"
        f"spec = importlib.util.spec_from_file_location('d', {str(ROOT / 'dags' / 'news_events.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"after = {{k for k in {HEAVY!r} if k in sys.modules}}\n"
        "print(json.dumps({'before': sorted(before), 'added': sorted(after - before)}))"
    )
    env = dict(os.environ, AIRFLOW__CORE__LOAD_EXAMPLES="False", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["added"] == [], f"the DAG file imports {result['added']} at parse time: import them inside the tasks"
    # Airflow 3.3's SDK itself loads none of them either, so the check above covers every one
    assert result["before"] == [], result
