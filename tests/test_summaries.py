"""What `run` prints and suggests: totals over the whole source that add up, the quarantine by
reason, rerun and inspect hints that work as given, progress on a terminal, every setting with
its origin. The stages are replaced by a stand-in that reports one published date, so these
tests check the summaries, not extraction (tests/test_cli.py runs the real stages)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, run_cli

from pipeline.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, build_parser
from pipeline.records import Counts, Published

ONE_SEED = "003_97ceac85b7f37f04.txt"  # published 2023-09-20 (seeds/manifest.csv)
DAY = dt.date(2023, 9, 20)


@pytest.fixture
def six_bad(tmp_path) -> Path:
    """One good article and six inputs that belong to no date or cannot be read: three without a
    date, one too large (with --max-file-bytes 4000), a link leading out of the source, a FIFO."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / ONE_SEED, src / ONE_SEED)
    (src / "manifest.csv").write_text(f"file,published_date\n{ONE_SEED},{DAY}\nbig.txt,{DAY}\n")
    for i in range(3):
        (src / f"undated{i}.txt").write_text(f"Undated article {i}: ministers met in the capital.\n")
    (src / "big.txt").write_text("word " * 1000)
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the source\n")
    (src / "link.txt").symlink_to(outside)
    os.mkfifo(src / "pipe.txt")
    return src


@pytest.fixture
def stand_in_stages(monkeypatch):
    """Replace the stages: every date asked is reported published with one document, 5 events."""
    import pipeline.runner as runner

    calls = {}

    def run_days(source, warehouse, days, run_id_of, settings, on_done=None):
        calls["days"] = list(days)
        results = []
        for day in days:
            counts = Counts(inputs=1, documents=1, duplicates=0, quarantined=0, events=5)
            results.append(Published(day, run_id_of(day), warehouse, counts, "passed", {}))
            if on_done:
                on_done(results[-1])
        return results

    monkeypatch.setattr(runner, "run_days", run_days)
    return calls


def test_totals_count_the_whole_source_quarantine_with_reasons(capsys, six_bad, tmp_path, stand_in_stages):
    args = ["run", "--source", str(six_bad), "--warehouse", str(tmp_path / "w"), "--max-file-bytes", "4000"]
    code, out, err = run_cli(capsys, *args)
    assert code == EXIT_OK, err
    assert stand_in_stages["days"] == [DAY]
    totals = next(line for line in out.splitlines() if line.startswith("totals: "))
    assert "inputs=7, documents=1, duplicates=0" in totals
    assert "quarantined=6 (no date 3, not regular file 1, outside source 1, too large 1)" in totals
    assert "events=5" in totals
    # one example per reason, with its fix
    assert re.search(r"no_date \(3\): undated0\.txt: .*manifest\.csv", out)
    assert "too_large (1): big.txt" in out


def test_totals_add_up_when_dates_are_left_out(capsys, six_bad, tmp_path, stand_in_stages):
    (six_bad / "later.txt").write_text("date 2023-10-02\nAnother article about talks.\n")
    args = ["run", "--source", str(six_bad), "--warehouse", str(tmp_path / "w"), "--max-file-bytes", "4000"]
    code, out, _ = run_cli(capsys, *args, "--end", "2023-09-30")
    assert code == EXIT_OK
    totals = next(line for line in out.splitlines() if line.startswith("totals: "))
    assert "inputs=8, documents=1" in totals and "quarantined=6 " in totals and "outside the dates run=1" in totals


def test_a_failed_date_names_the_rerun_with_source_warehouse_and_flags(capsys, six_bad, tmp_path, monkeypatch):
    import pipeline.runner as runner
    from pipeline.validate import ValidationFailed

    def failing(source, warehouse, days, run_id_of, settings, on_done=None):
        failure = ValidationFailed("validation failed, nothing published", {"published_date": str(DAY)})
        raise runner.PartitionsFailed([failure], [])

    monkeypatch.setattr(runner, "run_days", failing)
    warehouse = tmp_path / "my wh"
    args = ["run", "--source", str(six_bad), "--warehouse", str(warehouse), "--max-file-bytes", "4000"]
    code, out, err = run_cli(capsys, *args)
    assert code == EXIT_FAILED
    assert "not published (failed validation)=1" in out
    command = err.split("rerun them with: ")[1].strip()
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "pipeline"]
    parsed = build_parser().parse_args(words[3:])  # the hint parses as the real command line
    assert parsed.command == "backfill" and parsed.start == parsed.end == DAY
    assert parsed.source == str(six_bad.resolve()) and parsed.warehouse == str(warehouse.resolve())
    assert parsed.max_file_bytes == 4000


def test_a_json_lines_record_without_a_date_is_told_to_add_its_field(tmp_path):
    from pipeline.ingest import ingest

    export = tmp_path / "export.jsonl"
    records = [
        {"id": "a", "published_date": str(DAY), "text": "Ministers met in Paris."},
        {"id": "b", "text": "Ministers met in Rome."},
    ]
    export.write_text("".join(json.dumps(r) + "\n" for r in records))
    (row,) = ingest(export, 10**6).quarantine
    assert row["reason"] == "no_date"
    assert '"published_date": "YYYY-MM-DD"' in row["detail"] and "line 2 of export.jsonl" in row["detail"]
    assert "manifest" not in row["detail"]

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("Ministers met in Paris.\n")
    (row,) = ingest(folder, 10**6).quarantine
    assert row["reason"] == "no_date" and "`a.txt,YYYY-MM-DD` to manifest.csv" in row["detail"]


def test_run_shows_a_bar_labelled_run_only_on_a_terminal(capsys, six_bad, tmp_path, stand_in_stages, monkeypatch):
    args = ["run", "--source", str(six_bad), "--warehouse", str(tmp_path / "w")]
    code, _, err = run_cli(capsys, *args)
    assert code == EXIT_OK and "1/1" not in err  # piped: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run_cli(capsys, *args)
    assert code == EXIT_OK and re.search(r"(^|\r)run: .*1/1", err, re.M)
    code, _, err = run_cli(capsys, *args, "--no-progress")
    assert code == EXIT_OK and "1/1" not in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    code, _, err = run_cli(capsys, *args, "--progress")
    assert code == EXIT_OK and re.search(r"(^|\r)run: .*1/1", err, re.M)


def newsevents_names_in_code() -> set[str]:
    """Every NEWSEVENTS_* variable the pipeline, the DAG and the notebooks spell out in their code."""
    names = set()
    code = [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "dags").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    for path in code:
        names |= set(re.findall(r"NEWSEVENTS_[A-Z][A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    return names


def test_settings_lists_every_variable_the_code_reads_and_where_it_came_from(capsys, monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("NEWSEVENTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSEVENTS_SHARD_SIZE", "17")
    monkeypatch.setenv("NEWSEVENTS_MAX_ACTIVE_RUNS", "3")
    code, out, _ = run_cli(capsys, "settings", "--json", "--warehouse", str(tmp_path / "w"))
    assert code == EXIT_OK
    rows = {r["variable"]: r for r in json.loads(out)}
    assert newsevents_names_in_code() <= set(rows), newsevents_names_in_code() - set(rows)
    assert {"NEWSEVENTS_MAX_ACTIVE_RUNS", "NEWSEVENTS_EXTRACT_PARALLELISM", "NEWSEVENTS_LOCK_DIR"} <= set(rows)
    assert "NEWSEVENTS_FIGURES" in newsevents_names_in_code()  # the notebook's are seen too
    assert rows["NEWSEVENTS_WAREHOUSE"]["from"] == "flag" and rows["NEWSEVENTS_WAREHOUSE"]["value"] == str(
        tmp_path / "w"
    )
    assert rows["NEWSEVENTS_SHARD_SIZE"] | {"help": ""} == {
        "variable": "NEWSEVENTS_SHARD_SIZE",
        "value": "17",
        "from": "environment",
        "default": "200",
        "help": "",
    }
    assert (
        rows["NEWSEVENTS_MAX_ACTIVE_RUNS"]["value"] == "3"
        and rows["NEWSEVENTS_MAX_ACTIVE_RUNS"]["from"] == "environment"
    )
    assert rows["NEWSEVENTS_MODEL"]["from"] == "default" and rows["NEWSEVENTS_EXTRACT_PARALLELISM"]["from"] == "default"
    assert all(r["help"] for r in rows.values())
    code, out, _ = run_cli(capsys, "settings")
    assert "NEWSEVENTS_SHARD_SIZE" in out and "(from environment)" in out and "(from default)" in out


def test_inspect_a_missing_warehouse_suggests_commands_that_work(capsys, tmp_path):
    (tmp_path / "warehouse" / "documents").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    code, _, err = run_cli(capsys, "inspect", str(tmp_path / "warehous"))
    assert code == EXIT_USAGE and "does not exist" in err
    commands = [shlex.split(c) for c in re.findall(r"`(python -m pipeline [^`]*)`", err)]
    inspect = [c for c in commands if c[3] == "inspect"]
    assert inspect and inspect[0][4] == str((tmp_path / "warehouse").resolve())
    code, _, _ = run_cli(capsys, *inspect[0][3:])
    assert code == EXIT_OK
    (run,) = [c for c in commands if c[3] == "run"]
    parsed = build_parser().parse_args(run[3:])
    assert parsed.warehouse == str((tmp_path / "warehous").resolve()) and Path(parsed.source).exists()


def test_the_newsevents_entry_point_is_declared_and_shown_in_the_readme():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["newsevents"] == "pipeline.cli:main"
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/newsevents --help" in readme and ".venv/bin/newsevents run" in readme


def test_the_newsevents_command_runs(tmp_path):
    import subprocess

    exe = Path(sys.executable).parent / "newsevents"
    assert exe.exists(), "`make install` puts the newsevents script beside the interpreter"
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: newsevents")
    assert "settings" in done.stdout
