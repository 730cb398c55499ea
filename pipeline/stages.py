"""The stages of one partition (one publication date), as plain functions over typed records.

Each stage takes the previous stage's record (`pipeline.records`) and returns its own; the
sequence they run in is written once, in `pipeline.runner`, which the command line, the process
pool and the DAG all call. Each stage reads the previous stage's staged Parquet files and
writes its own under the run's staging folder (`pipeline.layout.staging_dir`), so a retried
task redoes only its own work and a crash never touches the published tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import time
from pathlib import Path

import pyarrow as pa

from pipeline import __version__
from pipeline.config import Settings
from pipeline.layout import (
    SHARD_SECONDS_GLOB,
    data_docs_dir,
    index_dir_for,
    quarantine_file,
    run_record_path,
    shard_events_file,
    shard_seconds_file,
    staged_file,
    staging_dir,
    validation_report_path,
)
from pipeline.records import Cleaned, Counts, Ingested, Published, Shard, Validated, grown
from schemas import SCHEMA_VERSION

log = logging.getLogger("pipeline")

PARTITION_TABLES = ("documents", "events", "removed_segments")


def ingest_stage(source: str, warehouse: str, day: dt.date, run_id: str, settings: Settings | None = None) -> Ingested:
    """Read the source, stage the partition's documents and the source's quarantine."""
    from pipeline.ingest import ingest
    from pipeline.warehouse import recover_publishes, to_arrow, write_staged

    settings = settings or Settings()
    recover_publishes(warehouse)  # the first task of every run: an interrupted publish is repaired first
    started_at = dt.datetime.now(dt.UTC).isoformat()
    t0 = time.perf_counter()
    stage = staging_dir(warehouse, day, run_id)
    # the index (facts per file, keyed by path + size + mtime) makes a date's run read only its own files
    result = ingest(Path(source), settings.max_file_bytes, dates={day}, index_dir=index_dir_for(warehouse))
    docs_path = write_staged(_staged_docs(result.documents), staged_file(stage, "ingested.parquet"))
    quarantine_path = write_staged(to_arrow("quarantine", result.quarantine), staged_file(stage, "quarantine.parquet"))
    out = Ingested(
        day=day,
        run_id=run_id,
        started_at=started_at,
        source=str(source),
        warehouse=str(warehouse),
        stage=str(stage),
        ingested_file=str(docs_path),
        quarantine_file=str(quarantine_path),
        counts=Counts(
            inputs=result.inputs,
            documents=len(result.documents),
            duplicates=result.duplicates,
            quarantined=result.quarantined,
        ),
        # the whole source (the quarantine file covers it): inputs = documents + duplicates + quarantined
        source_counts=dict(result.source_counts),
        index=dict(result.index),
        seconds={"ingest": round(time.perf_counter() - t0, 3)},
    )
    log.info(
        "ingest %s: %s; source %s; files read %d of %d",
        day,
        json.dumps(out.counts.as_dict()),
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


def clean_stage(ingested: Ingested) -> Cleaned:
    from pipeline.clean import clean_documents
    from pipeline.warehouse import read_staged, to_arrow, write_staged

    t0 = time.perf_counter()
    stage = ingested.stage
    docs = read_staged(ingested.ingested_file).to_pylist()
    docs, removed = clean_documents(docs)
    out = grown(
        ingested,
        Cleaned,
        documents_file=write_staged(to_arrow("documents", docs), staged_file(stage, "documents.parquet")),
        removed_segments_file=write_staged(
            to_arrow("removed_segments", removed), staged_file(stage, "removed_segments.parquet")
        ),
        seconds={**ingested.seconds, "clean": round(time.perf_counter() - t0, 3)},
    )
    log.info("clean %s: %d documents, %d segments removed", out.day, len(docs), len(removed))
    return out


def shard_bounds(documents: int, shard_size: int) -> list[tuple[int, int]]:
    """(offset, limit) of each shard of at most `shard_size` documents; none for no documents."""
    shard_size = max(1, int(shard_size))
    return [(offset, shard_size) for offset in range(0, documents, shard_size)]


def plan_shards(cleaned: Cleaned, shard_size: int) -> list[Shard]:
    """Split the partition's documents into shards of at most `shard_size` for mapped extraction."""
    bounds = shard_bounds(cleaned.counts.documents, shard_size)
    return [Shard(cleaned, i, len(bounds), offset, limit) for i, (offset, limit) in enumerate(bounds)]


def extract_stage(shard: Shard, settings: Settings | None = None) -> str:
    """Extract the events of one shard; returns the staged events file."""
    from pipeline.cluster import assign_cluster_ids
    from pipeline.extract import extract_events
    from pipeline.warehouse import read_staged, to_arrow, write_bytes, write_staged

    settings = settings or Settings()
    t0 = time.perf_counter()
    cleaned = shard.cleaned
    docs = read_staged(cleaned.documents_file).slice(shard.offset, shard.limit).to_pylist()
    ids = {d["doc_id"] for d in docs}
    removed = [r for r in read_staged(cleaned.removed_segments_file).to_pylist() if r["doc_id"] in ids]
    # cluster_id depends on the event row alone, so it is final here and across partitions
    events = assign_cluster_ids(extract_events(docs, removed, settings.model, settings.batch_size))
    path = write_staged(to_arrow("events", events), shard_events_file(cleaned.stage, shard.shard))
    seconds = str(round(time.perf_counter() - t0, 3)).encode()
    write_bytes(seconds, shard_seconds_file(cleaned.stage, shard.shard))
    log.info(
        "extract %s shard %d/%d: %d documents, %d events",
        cleaned.day,
        shard.shard + 1,
        shard.shards,
        len(docs),
        len(events),
    )
    return str(path)


def refresh_event_clusters(warehouse: str, rebuild: bool = False) -> dict:
    """Bring the unpartitioned event_clusters table up to date with the published events partitions.

    Only the dates whose partitions changed since the last refresh are folded in, and only the
    clusters their events belong to (before and after) are recomputed (pipeline/cluster_store.py), so
    the cost of a date does not grow with the warehouse; the files equal a full rebuild's, which
    `rebuild=True` (`python -m pipeline clusters --rebuild`) forces. Held under the warehouse-wide
    lock, so two dates finishing together cannot lose each other's events.
    """
    from pipeline.cluster_store import refresh

    return refresh(warehouse, rebuild_all=rebuild)


def _merge_events(paths: list[str]) -> pa.Table:
    from pipeline.warehouse import read_staged, to_arrow

    tables = [read_staged(p) for p in sorted(paths)]
    merged = pa.concat_tables(tables) if tables else to_arrow("events", [])
    return merged.sort_by([("doc_id", "ascending"), ("evidence_start", "ascending"), ("event_id", "ascending")])


def validate_stage(cleaned: Cleaned, event_paths: list[str]) -> Validated:
    """Audit step of write-audit-publish: merge the shards, validate the staged files as written.

    Raises ValidationFailed (message names the expectation, the table and sample rows) on an
    error: the publish task then never runs, so the published partition stays as it was.
    """
    (outcome,) = validate_stages([(cleaned, list(event_paths or []))])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def validate_stages(items: list[tuple[Cleaned, list[str]]]) -> list[Validated | Exception]:
    """Validate several staged partitions in one GX pass (see validate.validate_partitions).

    Returns, per partition in order, its Validated record or the ValidationFailed to raise;
    one partition's failure never blocks another's publish.
    """
    from pipeline.validate import Partition, raise_if_failed, validate_partitions
    from pipeline.warehouse import (
        content_fingerprint,
        fault_point,
        list_files,
        read_bytes,
        read_staged,
        write_staged,
    )

    t0 = time.perf_counter()
    prepared = []
    for cleaned, event_paths in items:
        events_path = write_staged(_merge_events(list(event_paths or [])), staged_file(cleaned.stage, "events.parquet"))
        fault_point("validate:after_merge")
        staged = {
            "documents": cleaned.documents_file,
            "events": events_path,
            "removed_segments": cleaned.removed_segments_file,
        }
        tables = {name: read_staged(path) for name, path in staged.items()}
        part = Partition(
            cleaned.day,
            tables,
            cleaned.run_id,
            validation_report_path(cleaned.warehouse, cleaned.day, cleaned.run_id),
            data_docs_dir(cleaned.warehouse, cleaned.day, cleaned.run_id),
        )
        prepared.append((cleaned, staged, part))
    reports = validate_partitions([p for _, _, p in prepared])
    fault_point("validate:after_report")
    share = round((time.perf_counter() - t0) / max(1, len(items)), 3)
    outcomes: list[Validated | Exception] = []
    for (cleaned, staged, part), report in zip(prepared, reports, strict=True):
        try:
            report = raise_if_failed(report)
        except Exception as exc:  # ValidationFailed: handed back, raised by the caller
            outcomes.append(exc)
            continue
        extract_seconds = sum(float(read_bytes(p)) for p in list_files(cleaned.stage, SHARD_SECONDS_GLOB))
        out = grown(
            cleaned,
            Validated,
            events_file=staged["events"],
            validation=report["outcome"],
            checks=report["checks"],
            validation_report=report["report"],
            data_docs=report["data_docs"],
            fingerprint=content_fingerprint([staged[n] for n in PARTITION_TABLES]),
            counts=dataclasses.replace(cleaned.counts, events=part.tables["events"].num_rows),
            # Validated in one pass with others: each partition is charged an equal share of it.
            seconds={**cleaned.seconds, "extract": round(extract_seconds, 3), "validate": share},
        )
        log.info(
            "validate %s: %s, report %s, data docs %s",
            part.day,
            report["outcome"],
            report["report"],
            report["data_docs"],
        )
        outcomes.append(out)
    return outcomes


def publish_stage(validated: Validated) -> Published:
    """Publish step of write-audit-publish: swap in every validated table of the partition, then record the run.

    Under the date's lock, the publish journal (`_publish/DATE.json`) is a write-ahead log: it
    names every step (each table's partition, the quarantine, the `runs` row) before the first
    swap, and its removal commits. A crash anywhere leaves each table old or new; the next
    command (or this task's retry) finishes it from the staged files or rolls it back
    (pipeline.warehouse.recover_day). An interrupted publish of another run is repaired first.
    """
    from pipeline.warehouse import (
        begin_publish,
        content_fingerprint,
        exists,
        fault_point,
        inside_staging,
        partition_lock,
        recover_day,
        remove_staging,
        run_publish,
    )

    t0 = time.perf_counter()
    root, day = validated.warehouse, validated.day
    if not inside_staging(root, validated.stage):
        raise ValueError(
            f"publish {day}: staging folder {validated.stage} is not inside {root}/_staging: refusing to "
            "publish (or delete) it; rerun the date"
        )
    staged = validated.staged_tables()
    earlier = already_published(validated)
    if earlier is not None:
        return earlier
    missing = [p for p in staged.values() if not exists(p)]
    if missing:
        raise FileNotFoundError(
            f"staged files of {day} (run {validated.run_id}) are gone: {missing}; nothing was published. "
            "Rerun the whole date (clear the DAG run, or `python -m pipeline run --start DAY --end DAY`)."
        )
    with partition_lock(root, day):
        repaired = recover_day(root, day)
        if repaired and repaired["run_id"] == validated.run_id and repaired["action"] == "finished":
            log.info("publish %s: finished the interrupted publish of this run", day)
            seconds = validated.seconds
        else:
            if repaired and repaired["action"] != "unrepaired" and repaired["stage"] not in (None, validated.stage):
                remove_staging(root, repaired["stage"])  # the other run's staged files, now published or dropped
            fingerprint = content_fingerprint(list(staged.values()))
            if fingerprint != validated.fingerprint:
                raise RuntimeError(
                    f"staged files of {day} changed after validation (run {validated.run_id}): "
                    "nothing was published; rerun the validate task (or the whole date) to validate them again"
                )
            seconds = {**validated.seconds, "publish": round(time.perf_counter() - t0, 3)}
            entry = {
                "run_id": validated.run_id,
                "fingerprint": fingerprint,
                "stage": validated.stage,
                "started_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            journal = begin_publish(root, day, entry, publish_steps(validated, seconds))
            fault_point("publish:after_journal")
            run_publish(root, day, journal)
    remove_staging(root, validated.stage)
    log.info("publish %s: %s", day, json.dumps(validated.counts.as_dict()))
    return _summary(validated, validated.validation, seconds)


def publish_steps(validated: Validated, seconds: dict[str, float]) -> list[dict]:
    """The journal's steps: each table's partition, the source's quarantine, the `runs` row last
    (staged now, so a repair writes exactly the row this run would have written)."""
    from pipeline.layout import partition_file
    from pipeline.warehouse import write_staged

    root, day = validated.warehouse, validated.day
    row = run_record_table(validated, seconds, validated.validation, validated.validation_report)
    steps = [
        {"table": name, "kind": "partition", "staged": path, "target": partition_file(root, name, day)}
        for name, path in validated.staged_tables().items()
    ]
    steps.append(
        {
            "table": "quarantine",
            "kind": "file",
            "staged": validated.quarantine_file,
            "target": quarantine_file(root, validated.source),
        }
    )
    steps.append(
        {
            "table": "runs",
            "kind": "file",
            "staged": write_staged(row, staged_file(validated.stage, "run.parquet")),
            "target": run_record_path(root, day, validated.run_id),
        }
    )
    return steps


def already_published(record: Cleaned) -> Published | None:
    """A retried task whose first attempt published (its staged files are gone, its `runs` row
    is there): that run's summary, so the retry does nothing rather than fail."""
    from pipeline.warehouse import exists, read_staged

    files = [record.documents_file, record.removed_segments_file, getattr(record, "events_file", None)]
    target = run_record_path(record.warehouse, record.day, record.run_id)
    if all(exists(f) for f in files if f) or not exists(target):
        return None
    (row,) = read_staged(target).select(["validation", "stage_seconds"]).to_pylist()
    log.info("publish %s: run %s already published", record.day, record.run_id)
    return _summary(record, row["validation"], json.loads(row["stage_seconds"]))


def _summary(record: Ingested, validation: str, seconds: dict[str, float]) -> Published:
    return Published(
        day=record.day,
        run_id=record.run_id,
        warehouse=record.warehouse,
        counts=record.counts,
        validation=validation,
        seconds=seconds,
        validation_report=getattr(record, "validation_report", None),
        data_docs=getattr(record, "data_docs", None),
        checks=getattr(record, "checks", None),
    )


def run_record_table(
    record: Ingested, seconds: dict[str, float], validation: str, validation_report: str | None = None
) -> pa.Table:
    """The run's row in `runs` (one file per run, so runs of a date accumulate and a rerun of a run id replaces its own)."""
    from pipeline.warehouse import to_arrow

    counts = dataclasses.asdict(record.counts)
    row = {
        "run_id": record.run_id,
        "published_date": record.day,
        "started_at": dt.datetime.fromisoformat(record.started_at) if record.started_at else None,
        "finished_at": dt.datetime.now(dt.UTC),
        **{k: counts[k] for k in ("inputs", "documents", "duplicates", "quarantined", "events")},
        "stage_seconds": json.dumps(seconds, sort_keys=True),
        "versions": json.dumps(versions(), sort_keys=True),
        "validation": validation,
        "validation_report": validation_report,
    }
    return to_arrow("runs", [row])


def write_run_record(
    record: Ingested, seconds: dict[str, float], validation: str, validation_report: str | None = None
) -> str:
    """Publish the run's row (the empty-day path; a publish writes it as its journal's last step)."""
    from pipeline.warehouse import file_table, publish_file

    target = run_record_path(record.warehouse, record.day, record.run_id)
    publish_file(file_table("runs", run_record_table(record, seconds, validation, validation_report)), target)
    return target


def publish_quarantine(record: Ingested) -> None:
    """The source's quarantine, one file per source folder, replaced whole and atomically."""
    from pipeline.warehouse import exists, file_table, parquet_bytes, read_bytes, read_staged, write_bytes

    target = quarantine_file(record.warehouse, record.source)
    data = parquet_bytes(file_table("quarantine", read_staged(record.quarantine_file)))
    # every date of a backfill carries the whole source's quarantine: rewrite it only when it changed
    if not (exists(target) and read_bytes(target) == data):
        write_bytes(data, target)


SKIPPED = "skipped (no documents)"


def finish_empty_day(ingested: Ingested) -> Published:
    """A day with no documents: no partition is written; the quarantine and the run's row are.

    A partition published earlier for that date is left alone (the source may be incomplete):
    remove `TABLE/published_date=DATE/` by hand if the date really has no articles any more.
    """
    from pipeline.warehouse import partition_lock, remove_staging

    with partition_lock(ingested.warehouse, ingested.day):
        publish_quarantine(ingested)
        write_run_record(ingested, ingested.seconds, SKIPPED)
    remove_staging(ingested.warehouse, ingested.stage)
    return _summary(ingested, SKIPPED, ingested.seconds)


def versions() -> dict:
    """Versions that decide the content of a run's tables (kept in `runs.versions`)."""
    from pipeline.extract import EXTRACTOR_VERSION

    model = Settings().model
    return {
        "pipeline": __version__,
        "extractor": EXTRACTOR_VERSION,
        "schema": SCHEMA_VERSION,
        "model": model,
        "model_package": installed(model.replace("_", "-")),
        "spacy": installed("spacy"),
        "great_expectations": installed("great-expectations"),
        "pyarrow": installed("pyarrow"),
    }


@functools.lru_cache(maxsize=32)
def installed(name: str) -> str | None:
    """A distribution's version (None if absent); read once per process, as packages do not
    change under a running process and the lookup scans site-packages (9 ms a date)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None
