"""Crash tests: SIGKILL at points of staging and publishing; every table stays old or new, and a rerun heals.

`NEWSEVENTS_FAULT_KILL_AT=POINT` makes the process kill itself with SIGKILL at that point
(pipeline.warehouse.fault_point); only these tests set it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS
from publishing import DAY, TABLES, files_under, new_source, snapshot, stage_and_validate

from pipeline.config import Settings
from pipeline.stages import publish_stage, run_partition, validate_stage
from pipeline.warehouse import (
    FAULT_ENV,
    file_table,
    interrupted_publishes,
    parquet_bytes,
    partition_fingerprints,
    read_staged,
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A warehouse with DAY published from the seeds (old) and a new version of DAY staged and validated."""
    tmp = tmp_path_factory.mktemp("kill")
    base = tmp / "base"
    run_partition(str(SEEDS), str(base), DAY, "old-run", Settings(warehouse=str(base)))
    old = snapshot(base)
    source = new_source(tmp)
    cleaned, paths, validated = stage_and_validate(source, base, "new-run")
    new = {t: parquet_bytes(file_table(t, read_staged(validated[t]), validated["fingerprint"])) for t in TABLES}
    assert all(old[t] != new[t] for t in TABLES), "the new version must differ in every table"
    return {
        "base": base,
        "source": source,
        "cleaned": cleaned,
        "paths": paths,
        "validated": validated,
        "old": old,
        "new": new,
    }


def moved(value, base, wh):
    """A stage dict or path list pointing into a copy of the warehouse."""
    return json.loads(json.dumps(value).replace(str(base), str(wh)))


def killed_at(point: str, call: str, args: list) -> None:
    code = f"import json, sys\nfrom pipeline import stages\nstages.{call}(*json.loads(sys.argv[1]))\n"
    env = {**os.environ, FAULT_ENV: point}
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == -signal.SIGKILL, f"not killed at {point}: rc={proc.returncode}\n{proc.stderr[-2000:]}"


def state(wh, scenario) -> dict[str, str]:
    snap = snapshot(wh)
    return {
        t: "old" if snap[t] == scenario["old"][t] else "new" if snap[t] == scenario["new"][t] else "MIXED"
        for t in TABLES
    }


PUBLISH_POINTS = {
    "publish:after_journal": ("old", "old", "old"),
    "publish:before_replace_documents": ("old", "old", "old"),
    "publish:after_documents": ("new", "old", "old"),
    "publish:before_replace_events": ("new", "old", "old"),
    "publish:after_events": ("new", "new", "old"),
    "publish:after_removed_segments": ("new", "new", "new"),
    "publish:after_runs": ("new", "new", "new"),
}


@pytest.mark.parametrize("point", list(PUBLISH_POINTS))
def test_kill_during_publish_leaves_old_or_new_and_a_retry_heals(scenario, tmp_path, point):
    wh = tmp_path / "wh"
    shutil.copytree(scenario["base"], wh)
    validated = moved(scenario["validated"], scenario["base"], wh)
    killed_at(point, "publish_stage", [validated])
    assert tuple(state(wh, scenario).values()) == PUBLISH_POINTS[point]
    assert [j["run_id"] for j in interrupted_publishes(wh)] == ["new-run"], "the journal says a publish was cut"
    # Airflow retries the publish task with the same XCom: it finishes the job from the staged files.
    publish_stage(validated)
    assert set(state(wh, scenario).values()) == {"new"}
    assert len(set(partition_fingerprints(wh, DAY, TABLES).values())) == 1
    assert interrupted_publishes(wh) == []
    assert not [f for f in files_under(wh) if f.endswith(".tmp")], "no temp file left behind"


@pytest.mark.parametrize("point", ["publish:after_documents", "publish:before_replace_events"])
def test_kill_during_publish_then_a_fresh_rerun_of_the_date_heals(scenario, tmp_path, point):
    wh = tmp_path / "wh"
    shutil.copytree(scenario["base"], wh)
    killed_at(point, "publish_stage", [moved(scenario["validated"], scenario["base"], wh)])
    # quarantine: one file per source folder, and the source is another; event_clusters: one file per
    # period of the clusters, so new events may add a file (its upkeep is tested in test_cluster_store.py)
    tables = ("_", "runs/", "quarantine/", "event_clusters/")
    before_files = {f for f in files_under(wh) if not f.startswith(tables) and not f.endswith(".tmp")}
    run_partition(str(scenario["source"]), str(wh), DAY, "rerun", Settings(warehouse=str(wh)))
    assert set(state(wh, scenario).values()) == {"new"}
    after = {f for f in files_under(wh) if not f.startswith(tables)}
    assert after == before_files, "exactly the same partition files, no temp or extra file"
    assert interrupted_publishes(wh) == []


@pytest.mark.parametrize("point", ["validate:after_merge", "validate:after_report"])
def test_kill_during_staging_keeps_the_old_partition_and_a_retry_publishes(scenario, tmp_path, point):
    wh = tmp_path / "wh"
    shutil.copytree(scenario["base"], wh)
    cleaned = moved(scenario["cleaned"], scenario["base"], wh)
    paths = moved(scenario["paths"], scenario["base"], wh)
    killed_at(point, "validate_stage", [cleaned, paths])
    assert set(state(wh, scenario).values()) == {"old"}
    assert interrupted_publishes(wh) == []
    publish_stage(validate_stage(cleaned, paths))
    assert set(state(wh, scenario).values()) == {"new"}
