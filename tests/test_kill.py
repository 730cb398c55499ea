"""Crash tests: SIGKILL at every fault point of staging and publishing, then any next command.

`NEWSEVENTS_FAULT_KILL_AT=POINT` makes the process kill itself with SIGKILL at that point
(pipeline.warehouse.fault_point, which accepts only the names of FAULT_POINTS); only these
tests set it. After the kill, each of `run`, `backfill --skip-done` and `inspect` must leave no
event without its document and no date whose tables come from two runs, and `inspect` must
report a date it could not repair.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import traceback

import pyarrow.compute as pc
import pytest
from conftest import ROOT, SEEDS
from publishing import DAY, TABLES, files_under, new_source, read_part, snapshot, stage_and_validate

from pipeline import stages
from pipeline.cli import EXIT_FAILED, EXIT_OK, main
from pipeline.config import Settings
from pipeline.runner import run_partition
from pipeline.stages import publish_stage, validate_stage
from pipeline.warehouse import (
    FAULT_ENV,
    FAULT_POINTS,
    file_table,
    interrupted_publishes,
    parquet_bytes,
    partition_fingerprints,
    read_staged,
    read_table,
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
    staged = validated.staged_tables()
    new = {t: parquet_bytes(file_table(t, read_staged(staged[t]), validated.fingerprint)) for t in TABLES}
    assert all(old[t] != new[t] for t in TABLES), "the new version must differ in every table"
    return {
        "tmp": tmp,
        "base": base,
        "source": source,
        "cleaned": cleaned,
        "paths": paths,
        "validated": validated,
        "old": old,
        "new": new,
        "killed": {},
    }


def moved(value, base, wh):
    """A stage record (through its XCom form, as a retried Airflow task gets it) or a path list,
    pointing into a copy of the warehouse."""
    if isinstance(value, list):
        return json.loads(json.dumps(value).replace(str(base), str(wh)))
    return type(value).from_xcom(json.loads(json.dumps(value.to_xcom()).replace(str(base), str(wh))))


def killed_at(point: str, call: str, args: list) -> None:
    """Run `stages.CALL(*args)` in a forked child that kills itself with SIGKILL at `point`.

    A fork, not a new interpreter: the child starts with pyarrow, pandas and GX already imported
    (a fresh process spent ~10 s importing them on a loaded machine), and dies the same way."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.environ[FAULT_ENV] = point
            getattr(stages, call)(*args)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"not killed at {point}: {status}"


def killed_warehouse(scenario, point: str, tmp_path):
    """A copy of the warehouse where the new run was killed at `point` (each kill done once per module)."""
    if point not in scenario["killed"]:
        wh = scenario["tmp"] / f"killed-{re.sub(r'[^a-z_]', '_', point)}"
        shutil.copytree(scenario["base"], wh)
        if point.startswith("validate:"):
            cleaned = moved(scenario["cleaned"], scenario["base"], wh)
            killed_at(point, "validate_stage", [cleaned, moved(scenario["paths"], scenario["base"], wh)])
        else:
            killed_at(point, "publish_stage", [moved(scenario["validated"], scenario["base"], wh)])
        scenario["killed"][point] = wh
    wh = tmp_path / "wh"
    shutil.copytree(scenario["killed"][point], wh)
    return wh


def state(wh, scenario) -> dict[str, str]:
    snap = snapshot(wh)
    return {
        t: "old" if snap[t] == scenario["old"][t] else "new" if snap[t] == scenario["new"][t] else "MIXED"
        for t in TABLES
    }


def assert_whole(wh, scenario) -> None:
    """No event without its document, every table of the date from one run, no journal, no temp file."""
    states = set(state(wh, scenario).values())
    assert states in ({"old"}, {"new"}), f"tables of {DAY} come from two runs: {state(wh, scenario)}"
    docs = set(read_part(wh, "documents").column("doc_id").to_pylist())
    events = set(read_part(wh, "events").column("doc_id").to_pylist())
    assert events <= docs, f"events without their document: {events - docs}"
    assert len(set(partition_fingerprints(wh, DAY, TABLES).values())) == 1
    assert interrupted_publishes(wh) == []
    assert not [f for f in files_under(wh) if f.endswith(".tmp")], "no temp file left behind"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# What each point leaves before any repair: (documents, events, removed_segments).
AFTER_KILL = {
    "validate:after_merge": ("old", "old", "old"),
    "validate:after_report": ("old", "old", "old"),
    "publish:after_journal": ("old", "old", "old"),
    "publish:before_replace_documents": ("old", "old", "old"),
    "publish:after_documents": ("new", "old", "old"),
    "publish:before_replace_events": ("new", "old", "old"),
    "publish:after_events": ("new", "new", "old"),
    "publish:before_replace_removed_segments": ("new", "new", "old"),
    "publish:after_removed_segments": ("new", "new", "new"),
    "publish:before_replace_quarantine": ("new", "new", "new"),
    "publish:after_quarantine": ("new", "new", "new"),
    "publish:before_replace_runs": ("new", "new", "new"),
    "publish:after_runs": ("new", "new", "new"),
    "publish:after_commit": ("new", "new", "new"),
}


def test_every_fault_point_is_covered():
    assert set(AFTER_KILL) == set(FAULT_POINTS)
    source = "\n".join(p.read_text() for p in (ROOT / "pipeline").glob("*.py"))
    literal = set(re.findall(r'fault_point\("([a-z_:]+)"\)', source))
    assert literal <= set(FAULT_POINTS), "a fault point used in the code is missing from FAULT_POINTS"


@pytest.mark.parametrize("point", list(FAULT_POINTS))
def test_kill_leaves_each_table_old_or_new(scenario, tmp_path, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    assert tuple(state(wh, scenario).values()) == AFTER_KILL[point]
    journals = [j["run_id"] for j in interrupted_publishes(wh)]
    opened = point.startswith("publish:") and point != "publish:after_commit"
    assert journals == (["new-run"] if opened else []), "the journal is open exactly while the publish is cut"


@pytest.mark.parametrize("point", list(FAULT_POINTS))
def test_kill_then_inspect_repairs_and_reports(scenario, tmp_path, capsys, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    was_open = bool(interrupted_publishes(wh))
    code, out, err = cli(capsys, "inspect", str(wh), "--json")
    summary = json.loads(out)
    assert code == EXIT_OK and summary["damage"] == [], summary["damage"]
    assert [r["date"] for r in summary["repaired"]] == ([DAY.isoformat()] if was_open else [])
    assert_whole(wh, scenario)
    if was_open:  # staged files intact: the interrupted publish is finished, not dropped
        assert set(state(wh, scenario).values()) == {"new"}
        assert "new-run" in {r["run_id"] for r in summary["last_runs"]}


@pytest.mark.parametrize("point", list(FAULT_POINTS))
def test_kill_then_backfill_skip_done_leaves_the_date_whole(scenario, tmp_path, capsys, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    args = ["--source", str(scenario["source"]), "--warehouse", str(wh), "--start", str(DAY), "--end", str(DAY)]
    code, _, err = cli(capsys, "backfill", *args, "--skip-done", "--no-progress")
    assert code == EXIT_OK, err
    assert_whole(wh, scenario)


# Every state a kill can leave, once each: no journal (old tables), an open journal before any
# swap, tables from two runs, every table new without its runs row, committed with staging
# left. The repair `run` starts with is the one `inspect` and `backfill` run (cli.repair_warehouse),
# tested at every point above; a run costs a whole date's validation, so not 14 times.
RUN_AFTER = (
    "validate:after_merge",
    "publish:after_journal",
    "publish:after_documents",
    "publish:before_replace_removed_segments",
    "publish:before_replace_runs",
    "publish:after_commit",
)


@pytest.mark.parametrize("point", RUN_AFTER)
def test_kill_then_run_publishes_the_date_whole(scenario, tmp_path, capsys, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    unfinished = set((wh / "_staging").glob("*/*")) if not interrupted_publishes(wh) else set()
    args = ["--source", str(scenario["source"]), "--warehouse", str(wh), "--start", str(DAY), "--end", str(DAY)]
    code, _, err = cli(capsys, "run", *args)
    assert code == EXIT_OK, err
    assert_whole(wh, scenario)
    assert set(state(wh, scenario).values()) == {"new"}
    # the killed run's own folder stays only when no journal used it (an Airflow retry may need it)
    assert set((wh / "_staging").glob("*/*")) == unfinished, "the run's staging folder is removed"
    assert set((wh / "_staging").glob("*")) == {p.parent for p in unfinished}, "no empty date folder is left"


@pytest.mark.parametrize("point", ["publish:after_documents", "publish:after_runs"])
def test_kill_during_publish_then_a_retry_of_the_task_heals(scenario, tmp_path, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    validated = moved(scenario["validated"], scenario["base"], wh)
    publish_stage(validated)  # Airflow retries the publish task with the same XCom
    assert_whole(wh, scenario)
    assert set(state(wh, scenario).values()) == {"new"}
    runs = read_table(wh, "runs")
    assert pc.sum(pc.equal(runs.column("run_id"), "new-run")).as_py() == 1, "one runs row for the run"


def test_unrepairable_publish_is_reported_until_a_rerun(scenario, tmp_path, capsys):
    """Staged files and the kept previous files both gone: inspect says so (exit 1) until a rerun."""
    wh = killed_warehouse(scenario, "publish:after_documents", tmp_path)
    shutil.rmtree(wh / "_staging")
    shutil.rmtree(wh / "_publish" / f"{DAY}.previous")
    for _ in range(2):  # reported again: inspect does not hide what it cannot repair
        code, out, _ = cli(capsys, "inspect", str(wh))
        assert code == EXIT_FAILED and f"DAMAGED: interrupted publish of {DAY}" in out
    args = ["--source", str(scenario["source"]), "--warehouse", str(wh), "--start", str(DAY), "--end", str(DAY)]
    code, out, err = cli(capsys, "backfill", *args, "--skip-done", "--no-progress")
    assert code == EXIT_OK and "skipping" not in out, "a date with an open journal is never skipped"
    assert_whole(wh, scenario)
    assert cli(capsys, "inspect", str(wh))[0] == EXIT_OK


def test_changed_staged_files_roll_the_publish_back(scenario, tmp_path, capsys):
    """Staged files gone after the kill: the next command puts the tables before the publish back."""
    wh = killed_warehouse(scenario, "publish:after_events", tmp_path)
    shutil.rmtree(wh / "_staging")
    code, out, _ = cli(capsys, "inspect", str(wh), "--json")
    assert code == EXIT_OK and [r["action"] for r in json.loads(out)["repaired"]] == ["rolled back"]
    assert_whole(wh, scenario)
    assert set(state(wh, scenario).values()) == {"old"}


@pytest.mark.parametrize("point", ["validate:after_merge", "validate:after_report"])
def test_kill_during_staging_keeps_the_old_partition_and_a_retry_publishes(scenario, tmp_path, point):
    wh = killed_warehouse(scenario, point, tmp_path)
    cleaned = moved(scenario["cleaned"], scenario["base"], wh)
    paths = moved(scenario["paths"], scenario["base"], wh)
    publish_stage(validate_stage(cleaned, paths))
    assert set(state(wh, scenario).values()) == {"new"}
