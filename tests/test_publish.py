"""Publishing: write-audit-publish, idempotent reruns, run records, locks, object-store warehouses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SEEDS
from publishing import DAY, TABLES, files_under, new_source, part_file, read_part, snapshot, stage_and_validate

from pipeline.config import Settings
from pipeline.runner import run_partition
from pipeline.stages import publish_stage
from pipeline.validate import ValidationFailed
from pipeline.warehouse import (
    file_metadata,
    partition_fingerprints,
    partition_lock,
    read_staged,
    read_table,
    write_staged,
)
from schemas import SCHEMA_VERSION

OTHER_DAY = DAY.replace(day=20)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A warehouse holding DAY and OTHER_DAY from the seeds."""
    wh = tmp_path_factory.mktemp("published")
    for day in (DAY, OTHER_DAY):
        run_partition(str(SEEDS), str(wh), day, f"first__{day}", Settings(warehouse=str(wh)))
    return wh


def test_rerun_replaces_exactly_the_partition(published, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(published, wh)
    before_other = snapshot(wh, OTHER_DAY)
    before = snapshot(wh)
    before_files = [f for f in files_under(wh) if not f.startswith(("runs/", "_"))]
    result = run_partition(str(SEEDS), str(wh), DAY, "second-run", Settings(warehouse=str(wh)))
    assert snapshot(wh) == before, "same input, same bytes"
    assert snapshot(wh, OTHER_DAY) == before_other, "another date is untouched"
    assert [f for f in files_under(wh) if not f.startswith(("runs/", "_"))] == before_files, "no extra files"
    assert not (wh / "_staging" / DAY.isoformat()).exists() or not any((wh / "_staging" / DAY.isoformat()).iterdir())
    assert not any((wh / "_publish").glob("*.json")), "the journal is removed after a complete publish"
    for t in TABLES:
        rows = read_table(wh, t).filter(pa.compute.equal(read_table(wh, t).column("published_date"), DAY))
        assert rows.num_rows == read_part(published, t).num_rows, f"no duplicate rows in {t}"
    runs = read_table(wh, "runs").to_pylist()
    assert sorted(r["run_id"] for r in runs if r["published_date"] == DAY) == ["first__2023-09-19", "second-run"]
    assert result.data_docs.endswith("index.html")
    home = (wh / "_data_docs" / "index.html").read_text()
    assert "second-run" in home and "first__2023-09-19" in home, "the Data Docs home lists every run"


def test_two_builds_are_byte_identical(published, tmp_path):
    other = tmp_path / "other"
    run_partition(str(SEEDS), str(other), DAY, "another-id", Settings(warehouse=str(other)))
    for t in TABLES:
        assert part_file(other, t).read_bytes() == part_file(published, t).read_bytes(), t


def test_files_carry_schema_version_and_one_fingerprint(published):
    for t in TABLES:
        meta = file_metadata(part_file(published, t))
        assert meta["schema_version"] == SCHEMA_VERSION and meta["table"] == t
    prints = partition_fingerprints(published, DAY, TABLES)
    assert len(set(prints.values())) == 1 and None not in prints.values()
    assert pq.read_schema(part_file(published, "documents")).names[0] == "doc_id"


def test_runs_row_is_complete(published):
    runs = [r for r in read_table(published, "runs").to_pylist() if r["run_id"] == f"first__{DAY}"]
    assert len(runs) == 1
    r = runs[0]
    assert r["started_at"] is not None and r["started_at"] <= r["finished_at"]
    assert r["documents"] == 1 and r["events"] == read_part(published, "events").num_rows and r["inputs"] >= 1
    assert set(json.loads(r["stage_seconds"])) >= {"ingest", "clean", "extract", "validate", "publish"}
    versions = json.loads(r["versions"])
    assert versions["schema"] == SCHEMA_VERSION and versions["spacy"] and versions["extractor"]
    assert r["validation"] in ("passed", "warning")
    assert json.loads(Path(r["validation_report"]).read_text())["run_id"] == r["run_id"]


def test_corrupted_staged_table_fails_validation_and_is_not_published(published, tmp_path):
    from pipeline.stages import clean_stage, extract_stage, ingest_stage, plan_shards, validate_stage

    wh = tmp_path / "wh"
    shutil.copytree(published, wh)
    before = snapshot(wh)
    settings = Settings(warehouse=str(wh))
    cleaned = clean_stage(ingest_stage(str(new_source(tmp_path)), str(wh), DAY, "corrupt-run", settings))
    paths = [extract_stage(s, settings) for s in plan_shards(cleaned, settings.shard_size)]
    shard = read_staged(paths[0])
    i = shard.schema.get_field_index("confidence")
    write_staged(shard.set_column(i, shard.schema.field(i), pa.array([7.5] * shard.num_rows)), paths[0])
    with pytest.raises(ValidationFailed) as exc:
        validate_stage(cleaned, paths)
    assert "events: expect_column_values_to_be_between(column=confidence" in str(exc.value)
    assert snapshot(wh) == before, "the published partition stays as it was"
    assert "corrupt-run" not in [r["run_id"] for r in read_table(wh, "runs").to_pylist()]
    assert exc.value.report["outcome"] == "failed" and (wh / "_validation" / DAY.isoformat()).is_dir()


def test_staged_files_changed_after_validation_are_not_published(published, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(published, wh)
    before = snapshot(wh)
    _, _, validated = stage_and_validate(new_source(tmp_path), wh, "tampered")
    ev = read_staged(validated.events_file)
    write_staged(ev.slice(1), validated.events_file)
    with pytest.raises(RuntimeError, match="changed after validation"):
        publish_stage(validated)
    assert snapshot(wh) == before


def test_publish_waits_for_the_date_lock(published, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(published, wh)
    _, _, validated = stage_and_validate(new_source(tmp_path), wh, "locked-out")
    before = snapshot(wh)
    done = threading.Event()
    with partition_lock(wh, DAY):
        worker = threading.Thread(target=lambda: (publish_stage(validated), done.set()))
        worker.start()
        time.sleep(1.0)
        assert not done.is_set() and snapshot(wh) == before, "publish must wait while another run holds the date"
    worker.join(60)
    assert done.is_set() and snapshot(wh) != before


LOCK_HOLDER = """
import sys, time, datetime as dt
from pipeline.warehouse import partition_lock
root, day, out = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), sys.argv[3]
with partition_lock(root, day):
    start = time.time()
    time.sleep(1.5)
    open(out, "w").write(f"{start} {time.time()}")
"""


def test_same_date_runs_serialise_and_other_dates_run_in_parallel(tmp_path):
    script = tmp_path / "hold.py"
    script.write_text(LOCK_HOLDER)
    jobs = {"a": DAY, "b": DAY, "c": OTHER_DAY}
    procs = {
        k: subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "wh"), d.isoformat(), str(tmp_path / k)], cwd=ROOT
        )
        for k, d in jobs.items()
    }
    for p in procs.values():
        assert p.wait(120) == 0
    spans = {k: tuple(map(float, (tmp_path / k).read_text().split())) for k in jobs}
    (a0, a1), (b0, b1), (c0, c1) = spans["a"], spans["b"], spans["c"]
    assert a1 <= b0 or b1 <= a0, f"same date overlapped: {spans}"
    assert (c0 < a1 and a0 < c1) or (c0 < b1 and b0 < c1), f"another date waited: {spans}"


def test_memory_filesystem_warehouse_gives_the_same_tables(published):
    root = f"memory://wh-{uuid.uuid4().hex[:8]}"
    result = run_partition(str(SEEDS), root, DAY, "mem-run", Settings(warehouse=root))
    assert result.validation in ("passed", "warning")
    import fsspec

    fs = fsspec.filesystem("memory")
    inner = root[len("memory://") :]
    for t in TABLES:
        data = fs.cat_file(f"{inner}/{t}/published_date={DAY}/part-0.parquet")
        assert data == part_file(published, t).read_bytes(), t
    events = read_table(root, "events")
    assert events.num_rows == read_part(published, "events").num_rows
    assert set(events.column("published_date").to_pylist()) == {DAY}
    assert fs.exists(f"{inner}/_data_docs/{DAY}") and fs.exists(f"{inner}/_validation/{DAY}")
    assert not fs.exists(f"{inner}/_staging/{DAY}/mem-run") and not fs.glob(f"{inner}/_publish/*.json")
    assert [r["run_id"] for r in read_table(root, "runs").to_pylist()] == ["mem-run"]
