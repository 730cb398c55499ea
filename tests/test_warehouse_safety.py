"""Warehouse safety (issue 12): concurrent commands, staging removal, suites that must exist,
corrupt Parquet files, full disks, the `runs` history of reruns, and staging left behind."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyarrow.compute as pc
import pytest
from conftest import ROOT, SEEDS

from pipeline import stages
from pipeline.cli import EXIT_FAILED, EXIT_OK, main
from pipeline.warehouse import cli_session, read_table, remove_staging, session_folders, write_bytes

A_FILE, A_DAY = "003_97ceac85b7f37f04.txt", "2023-09-20"
B_FILE, B_DAY = "004_eacfe106496aee21.txt", "2023-09-19"


def source_of(folder: Path, *files: tuple[str, str], extra: str = "") -> Path:
    """A source folder holding the given seed articles (file, date), optionally one sentence more."""
    folder.mkdir(parents=True)
    lines = ["file,published_date"]
    for name, day in files:
        shutil.copy(SEEDS / name, folder / name)
        if extra:
            with open(folder / name, "a", encoding="utf-8") as fh:
                fh.write(extra)
        lines.append(f"{name},{day}")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    return folder


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two_days(tmp_path) -> Path:
    return source_of(tmp_path / "src", (A_FILE, A_DAY), (B_FILE, B_DAY))


def doc_ids(wh: Path, day: str) -> set[str]:
    table = read_table(wh, "documents")
    return set(table.filter(pc.equal(pc.cast(table.column("published_date"), "string"), day))["doc_id"].to_pylist())


# --- defect 6: concurrent commands on one warehouse -------------------------------------------------


@pytest.mark.parametrize("other", ["same source", "another source"])
def test_a_second_command_while_the_first_is_about_to_publish(capsys, tmp_path, monkeypatch, other):
    """Command B runs a whole date while command A has validated it and not yet published:
    each stages in its own folder, the date's lock orders the two publishes, both finish."""
    source = source_of(tmp_path / "a", (A_FILE, A_DAY))
    source_b = source if other == "same source" else source_of(tmp_path / "b", (A_FILE, A_DAY), extra="\n\nMore.\n")
    wh = tmp_path / "wh"
    real_publish = stages.publish_stage
    second: dict = {}

    def publish_after_the_other_command(validated):
        if not second:  # only the first command's publish waits for a whole second command
            second["started"] = True
            second["result"] = main(["run", "--source", str(source_b), "--warehouse", str(wh)])
        return real_publish(validated)

    monkeypatch.setattr(stages, "publish_stage", publish_after_the_other_command)
    code, out, err = cli(capsys, "run", "--source", str(source), "--warehouse", str(wh))
    assert second["result"] == EXIT_OK and code == EXIT_OK, err
    assert "validation=failed" not in out
    runs = read_table(wh, "runs").to_pylist()
    assert len({r["run_id"] for r in runs}) == 2, "two commands, two run ids, two runs rows"
    assert doc_ids(wh, A_DAY), "the date is published"


# --- defect 12: reruns keep history; staging is cleaned ---------------------------------------------


def test_cli_reruns_add_to_the_runs_history_and_replace_the_tables(capsys, two_days, tmp_path):
    wh = tmp_path / "wh"
    for _ in range(2):
        assert cli(capsys, "run", "--source", str(two_days), "--warehouse", str(wh), "--start", A_DAY)[0] == EXIT_OK
    runs = [r for r in read_table(wh, "runs").to_pylist() if str(r["published_date"]) == A_DAY]
    assert len(runs) == 2 and len({r["run_id"] for r in runs}) == 2, "each rerun adds its row (docs/operations.md)"
    assert len(list((wh / "documents" / f"published_date={A_DAY}").glob("*.parquet"))) == 1, "tables replaced"
    assert len(list((wh / "events" / f"published_date={A_DAY}").glob("*.parquet"))) == 1
    assert not (wh / "_staging").exists() or not any((wh / "_staging").iterdir()), "no empty _staging/DATE/ left"
    assert not list((wh / "_locks").glob("session-*")), "a finished command leaves no session lock"


def test_staging_of_a_dead_command_is_removed_by_the_next_one(capsys, two_days, tmp_path):
    wh = tmp_path / "wh"
    assert cli(capsys, "run", "--source", str(two_days), "--warehouse", str(wh), "--start", A_DAY)[0] == EXIT_OK
    dead = wh / "_staging" / A_DAY / "cli__2023-09-20__20260101T000000deadbeef-0123abcd"
    dead.mkdir(parents=True)
    (dead / "documents.parquet").write_bytes(b"partial")
    stray = dead.parent / f".{dead.name}.events.parquet.0f0f.tmp"
    stray.write_bytes(b"")
    with cli_session(wh) as token:  # a live command: its folder must survive
        live = wh / "_staging" / B_DAY / f"cli__{B_DAY}__{token}-0123abcd"
        live.mkdir(parents=True)
        assert cli(capsys, "inspect", str(wh))[0] == EXIT_OK
        assert not dead.exists() and not stray.exists() and not dead.parent.exists()
        assert live.is_dir()
    assert session_folders(wh) == [], "and the live command removes its own at the end"


# --- defect 9: only ever remove inside the staging root ---------------------------------------------


def test_publish_refuses_a_stage_outside_the_staging_root(tmp_path):
    from publishing import DAY, new_source, stage_and_validate

    wh = tmp_path / "wh"
    _, _, validated = stage_and_validate(new_source(tmp_path), wh, "tampered")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    import dataclasses

    with pytest.raises(ValueError, match="not inside"):
        stages.publish_stage(dataclasses.replace(validated, stage=str(precious)))
    assert (precious / "keep.txt").read_text() == "mine", "the folder handed in is untouched"
    assert not (wh / "documents" / f"published_date={DAY}").exists(), "nothing published"
    for bad in (precious, wh / "_staging", wh / "_staging" / ".." / "documents", wh):
        with pytest.raises(ValueError, match="refusing to remove"):
            remove_staging(wh, bad)
    link = wh / "_staging" / "link"
    link.symlink_to(precious)
    with pytest.raises(ValueError, match="refusing to remove"):
        remove_staging(wh, link / "keep.txt")
    assert (precious / "keep.txt").exists()


# --- defect 10: validation can never check less -----------------------------------------------------


def expectations_copy(tmp_path, monkeypatch) -> Path:
    from pipeline import validate

    folder = tmp_path / "expectations"
    shutil.copytree(validate.EXPECTATIONS_DIR, folder)
    monkeypatch.setattr(validate, "EXPECTATIONS_DIR", folder)
    monkeypatch.setattr(validate, "PARAMETERS_DIR", folder / "parameters")
    return folder


@pytest.mark.parametrize("damage", ["missing", "not json", "no expectations"])
def test_a_missing_or_unreadable_suite_stops_the_run_naming_the_file(capsys, tmp_path, monkeypatch, damage):
    folder = expectations_copy(tmp_path, monkeypatch)
    suite = folder / "events.json"
    if damage == "missing":
        suite.unlink()
    else:
        suite.write_text("{not json" if damage == "not json" else '{"name": "events", "expectations": []}')
    source = source_of(tmp_path / "src", (A_FILE, A_DAY))
    wh = tmp_path / "wh"
    code, _, err = cli(capsys, "run", "--source", str(source), "--warehouse", str(wh))
    assert code == EXIT_FAILED and str(suite) in err and "SuiteError" in err
    assert not (wh / "documents").exists(), "nothing was published"


def test_the_summary_says_how_many_checks_ran(capsys, tmp_path):
    from pipeline.validate import EXPECTATIONS_DIR, load_suite_json

    source = source_of(tmp_path / "src", (A_FILE, A_DAY))
    code, out, _ = cli(capsys, "run", "--source", str(source), "--warehouse", str(tmp_path / "wh"))
    # every per-date suite (event_clusters spans dates: `pipeline clusters --check` runs it)
    per_date = [p.stem for p in EXPECTATIONS_DIR.glob("*.json") if p.stem != "event_clusters"]
    suites = sum(len(load_suite_json(name)["expectations"]) for name in per_date)
    (checks,) = [int(line.split("checks=")[1].split()[0]) for line in out.splitlines() if "checks=" in line]
    assert code == EXIT_OK and checks > suites, "every suite's expectations plus the cross-table checks"


def test_the_wheel_ships_the_suites(tmp_path):
    uv = ROOT / ".tools" / "bin" / "uv"
    subprocess.run([str(uv), "build", "--wheel", "--out-dir", str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for suite in (ROOT / "expectations").rglob("*.json"):
        assert f"pipeline/expectations/{suite.relative_to(ROOT / 'expectations')}" in names, suite


# --- defect 11: corrupt Parquet in the warehouse ----------------------------------------------------


@pytest.fixture
def published_two_days(capsys, two_days, tmp_path) -> Path:
    wh = tmp_path / "wh"
    assert cli(capsys, "run", "--source", str(two_days), "--warehouse", str(wh))[0] == EXIT_OK
    return wh


def corrupt(path: Path) -> Path:
    path.write_bytes(b"PAR1 this is not parquet any more PAR1")
    return path


def test_inspect_names_a_corrupt_file(capsys, published_two_days):
    bad = corrupt(published_two_days / "events" / f"published_date={B_DAY}" / "part-0.parquet")
    code, out, err = cli(capsys, "inspect", str(published_two_days))
    assert code == EXIT_FAILED and f"DAMAGED: {bad}" in out
    assert "documents" in out and "last run per date" in out, "the rest of the summary is still shown"


def test_a_run_of_another_date_publishes_and_says_so_when_clusters_fail(capsys, published_two_days, two_days):
    bad = corrupt(published_two_days / "events" / f"published_date={B_DAY}" / "part-0.parquet")
    before = (published_two_days / "documents" / f"published_date={A_DAY}" / "part-0.parquet").stat().st_mtime_ns
    args = ["--source", str(two_days), "--warehouse", str(published_two_days), "--start", A_DAY, "--end", A_DAY]
    code, _, err = cli(capsys, "run", *args)
    assert code == EXIT_FAILED and str(bad) in err
    assert f"published before the error (complete, validated): {A_DAY}" in err
    after = (published_two_days / "documents" / f"published_date={A_DAY}" / "part-0.parquet").stat().st_mtime_ns
    assert after > before, "the date was published"


def test_backfill_skip_done_names_a_corrupt_runs_file_and_goes_on(capsys, published_two_days, two_days):
    (bad,) = (published_two_days / "runs" / f"published_date={B_DAY}").glob("*.parquet")
    corrupt(bad)
    args = ["--source", str(two_days), "--warehouse", str(published_two_days), "--start", B_DAY, "--end", A_DAY]
    code, out, err = cli(capsys, "backfill", *args, "--skip-done", "--no-progress")
    assert code == EXIT_OK, err
    assert str(bad) in err and "skipping 1 date(s)" in out, "A is done; B's run row is unreadable: rerun"
    assert f"{B_DAY}: " in out and f"{A_DAY}: " not in out


# --- defect 12: a full disk --------------------------------------------------------------------------


def no_space(*_args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_names_the_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "folder" / "file.parquet"
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError) as exc:
        write_bytes(b"data", target)
    assert exc.value.errno == errno.ENOSPC and str(target) in str(exc.value)
    assert list(tmp_path.rglob("*")) == [tmp_path / "folder"], "no temp file, no target"


def test_a_run_on_a_full_disk_says_where_and_a_rerun_finds_no_leftover(capsys, tmp_path, monkeypatch):
    source = source_of(tmp_path / "src", (A_FILE, A_DAY))
    wh = tmp_path / "wh"
    with monkeypatch.context() as m:
        m.setattr(os, "fsync", no_space)
        code, _, err = cli(capsys, "run", "--source", str(source), "--warehouse", str(wh))
    assert code == EXIT_FAILED and "No space left on device" in err and str(wh) in err
    assert not [p for p in wh.rglob("*") if p.name.endswith(".tmp")], "no temp file left"
    assert cli(capsys, "run", "--source", str(source), "--warehouse", str(wh))[0] == EXIT_OK
    leftovers = [p for p in wh.rglob("*") if p.name.endswith(".tmp") or p.suffix == ".parquet" and not p.stat().st_size]
    assert leftovers == [], "no temp file and no empty file the failed run began"
