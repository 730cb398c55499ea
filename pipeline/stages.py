"""The stages of one partition (one publication date), as plain functions that pass paths.

The Airflow DAG calls these one task each (references through XCom, data on disk); the
command line calls them in a row. Each stage reads the previous stage's staged Parquet files
and writes its own under `WAREHOUSE/_staging/DATE/RUN_KEY/`, so a retried task redoes only
its own work and a crash never touches the published tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import shutil
import time
from pathlib import Path

import pyarrow as pa

from pipeline import __version__
from pipeline.config import Settings
from schemas import SCHEMA_VERSION

log = logging.getLogger("pipeline")


def run_key_of(run_id: str) -> str:
    """A file-system-safe, deterministic folder name for a run id."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:60]
    return f"{safe}-{hashlib.sha1(run_id.encode()).hexdigest()[:8]}"


def staging_dir(warehouse: str | Path, day: dt.date, run_id: str) -> Path:
    return Path(warehouse) / "_staging" / day.isoformat() / run_key_of(run_id)


def source_key(source: str | Path) -> str:
    return hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:12]


def _day(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def ingest_stage(
    source: str, warehouse: str, day: str | dt.date, run_id: str, settings: Settings | None = None
) -> dict:
    """Read the source, stage the partition's documents and the source's quarantine."""
    from pipeline.ingest import ingest
    from pipeline.warehouse import to_arrow, write_staged

    settings = settings or Settings()
    day = _day(day)
    t0 = time.perf_counter()
    stage = staging_dir(warehouse, day, run_id)
    # the index (facts per file, keyed by path + size + mtime) makes a date's run read only its own files
    result = ingest(Path(source), settings.max_file_bytes, dates={day}, index_dir=Path(warehouse) / "_index")
    docs_path = write_staged(_staged_docs(result.documents), stage / "ingested.parquet")
    quarantine_path = write_staged(to_arrow("quarantine", result.quarantine), stage / "quarantine.parquet")
    out = {
        "day": day.isoformat(),
        "run_id": run_id,
        "source": str(source),
        "warehouse": str(warehouse),
        "stage": str(stage),
        "ingested": str(docs_path),
        "quarantine": str(quarantine_path),
        "counts": {
            "inputs": result.inputs,
            "documents": len(result.documents),
            "duplicates": result.duplicates,
            "quarantined": result.quarantined,
        },
        # the whole source (the quarantine file covers it): inputs = documents + duplicates + quarantined
        "source_counts": result.source_counts,
        "index": result.index,
        "seconds": {"ingest": round(time.perf_counter() - t0, 3)},
    }
    log.info(
        "ingest %s: %s; source %s; files read %d of %d",
        day,
        json.dumps(out["counts"]),
        json.dumps(result.source_counts),
        result.index.get("files_read", 0),
        result.index.get("files", 0),
    )
    return out


def _staged_docs(rows: list[dict]) -> pa.Table:
    """Documents before cleaning: the documents schema with text filled later."""
    from pipeline.warehouse import to_arrow

    for r in rows:
        r.setdefault("text", "")
        r.setdefault("raw_chars", len(r["raw_text"]))
        r.setdefault("removed_chars", 0)
    return to_arrow("documents", rows)


def clean_stage(ingested: dict) -> dict:
    from pipeline.clean import clean_documents
    from pipeline.warehouse import read_staged, to_arrow, write_staged

    t0 = time.perf_counter()
    stage = Path(ingested["stage"])
    docs = read_staged(ingested["ingested"]).to_pylist()
    docs, removed = clean_documents(docs)
    out = dict(ingested)
    out["documents"] = str(write_staged(to_arrow("documents", docs), stage / "documents.parquet"))
    out["removed_segments"] = str(
        write_staged(to_arrow("removed_segments", removed), stage / "removed_segments.parquet")
    )
    out["seconds"] = {**ingested["seconds"], "clean": round(time.perf_counter() - t0, 3)}
    log.info("clean %s: %d documents, %d segments removed", out["day"], len(docs), len(removed))
    return out


def plan_shards(cleaned: dict, shard_size: int) -> list[dict]:
    """Split the partition's documents into shards of at most `shard_size` for mapped extraction."""
    from pipeline.warehouse import read_staged

    n = read_staged(cleaned["documents"]).num_rows
    shard_size = max(1, int(shard_size))
    count = max(1, -(-n // shard_size)) if n else 0
    return [
        {**cleaned, "shard": i, "shards": count, "offset": i * shard_size, "limit": shard_size} for i in range(count)
    ]


def extract_stage(shard: dict, settings: Settings | None = None) -> str:
    """Extract the events of one shard; returns the staged events file."""
    from pipeline.extract import extract_events
    from pipeline.warehouse import read_staged, to_arrow, write_staged

    settings = settings or Settings()
    t0 = time.perf_counter()
    docs = read_staged(shard["documents"]).slice(shard["offset"], shard["limit"]).to_pylist()
    ids = {d["doc_id"] for d in docs}
    removed = [r for r in read_staged(shard["removed_segments"]).to_pylist() if r["doc_id"] in ids]
    events = extract_events(docs, removed, settings.model, settings.batch_size)
    path = write_staged(to_arrow("events", events), Path(shard["stage"]) / f"events-{shard['shard']:05d}.parquet")
    (Path(shard["stage"]) / f"events-{shard['shard']:05d}.seconds").write_text(str(round(time.perf_counter() - t0, 3)))
    log.info(
        "extract %s shard %d/%d: %d documents, %d events",
        shard["day"],
        shard["shard"] + 1,
        shard["shards"],
        len(docs),
        len(events),
    )
    return str(path)


def _merge_events(paths: list[str]) -> pa.Table:
    from pipeline.warehouse import read_staged, to_arrow

    tables = [read_staged(p) for p in sorted(paths)]
    merged = pa.concat_tables(tables) if tables else to_arrow("events", [])
    return merged.sort_by([("doc_id", "ascending"), ("evidence_start", "ascending"), ("event_id", "ascending")])


def validate_stage(cleaned: dict, event_paths: list[str]) -> dict:
    """Merge the shards, validate every staged table; raises ValidationFailed on an error."""
    from pipeline.validate import validate_tables
    from pipeline.warehouse import read_staged, write_staged

    t0 = time.perf_counter()
    stage = Path(cleaned["stage"])
    events = _merge_events(list(event_paths or []))
    events_path = write_staged(events, stage / "events.parquet")
    tables = {
        "documents": read_staged(cleaned["documents"]),
        "events": events,
        "removed_segments": read_staged(cleaned["removed_segments"]),
    }
    report_path = Path(cleaned["warehouse"]) / "_validation" / cleaned["day"] / f"{run_key_of(cleaned['run_id'])}.json"
    report = validate_tables(tables, report_path)
    extract_seconds = sum(float(p.read_text()) for p in stage.glob("events-*.seconds"))
    out = dict(cleaned)
    out["events"] = str(events_path)
    out["validation"] = report["outcome"]
    out["validation_report"] = str(report_path)
    out["counts"] = {**cleaned["counts"], "events": events.num_rows}
    out["seconds"] = {
        **cleaned["seconds"],
        "extract": round(extract_seconds, 3),
        "validate": round(time.perf_counter() - t0, 3),
    }
    return out


def publish_stage(validated: dict) -> dict:
    """Publish every staged table of the partition, then record the run."""
    from pipeline.warehouse import publish_partition, read_staged, to_arrow

    t0 = time.perf_counter()
    root = Path(validated["warehouse"])
    day = _day(validated["day"])
    for name in ("documents", "events", "removed_segments"):
        publish_partition(root, name, day, read_staged(validated[name]))
    publish_quarantine(validated)
    seconds = {**validated["seconds"], "publish": round(time.perf_counter() - t0, 3)}
    run_row = {
        "run_id": validated["run_id"],
        "published_date": day,
        "started_at": None,
        "finished_at": dt.datetime.now(dt.UTC),
        **{k: validated["counts"].get(k) for k in ("inputs", "documents", "duplicates", "quarantined", "events")},
        "stage_seconds": json.dumps(seconds, sort_keys=True),
        "versions": json.dumps(versions(), sort_keys=True),
        "validation": validated["validation"],
        "validation_report": validated["validation_report"],
    }
    run_table = to_arrow("runs", [run_row])
    from pipeline.warehouse import file_table, partition_dir, publish_file

    publish_file(
        file_table("runs", run_table),
        partition_dir(root, "runs", day) / f"run-{run_key_of(validated['run_id'])}.parquet",
    )
    shutil.rmtree(validated["stage"], ignore_errors=True)
    log.info("publish %s: %s", day, json.dumps(validated["counts"]))
    return {
        "day": day.isoformat(),
        "counts": validated["counts"],
        "validation": validated["validation"],
        "seconds": seconds,
        "warehouse": str(root),
    }


def publish_quarantine(staged: dict) -> None:
    """The source's quarantine, one file per source folder, replaced whole and atomically."""
    from pipeline.warehouse import file_table, publish_file, read_staged

    target = Path(staged["warehouse"]) / "quarantine" / f"{source_key(staged['source'])}.parquet"
    publish_file(file_table("quarantine", read_staged(staged["quarantine"])), target)


def finish_empty_day(ingested: dict) -> dict:
    """A day with no documents: no partition is written (the source's quarantine still is)."""
    publish_quarantine(ingested)
    shutil.rmtree(ingested["stage"], ignore_errors=True)
    return {
        "day": ingested["day"],
        "counts": ingested["counts"],
        "validation": "skipped (no documents)",
        "seconds": ingested["seconds"],
        "warehouse": ingested["warehouse"],
    }


def versions() -> dict:
    from pipeline.extract import EXTRACTOR_VERSION

    return {
        "pipeline": __version__,
        "extractor": EXTRACTOR_VERSION,
        "schema": SCHEMA_VERSION,
        "model": Settings().model,
    }


def run_partition(
    source: str, warehouse: str, day: str | dt.date, run_id: str, settings: Settings | None = None
) -> dict:
    """All stages of one partition in this process (the command line's path)."""
    settings = settings or Settings()
    ingested = ingest_stage(source, warehouse, day, run_id, settings)
    if ingested["counts"]["documents"] == 0:
        return finish_empty_day(ingested)
    cleaned = clean_stage(ingested)
    event_paths = [extract_stage(shard, settings) for shard in plan_shards(cleaned, settings.shard_size)]
    validated = validate_stage(cleaned, event_paths)
    return publish_stage(validated)
