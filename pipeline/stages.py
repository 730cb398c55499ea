"""The stages of one partition (one publication date), as plain functions that pass paths.

The Airflow DAG calls these one task each (references through XCom, data on disk); the
command line calls them in a row. Each stage reads the previous stage's staged Parquet files
and writes its own under `WAREHOUSE/_staging/DATE/RUN_KEY/`, so a retried task redoes only
its own work and a crash never touches the published tables.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
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


def staging_dir(warehouse: str | Path, day: dt.date, run_id: str) -> str:
    """The run's staging folder; a string, since the warehouse may be a URI (`s3://...`)."""
    from pipeline.warehouse import join

    return join(warehouse, "_staging", day.isoformat(), run_key_of(run_id))


def source_key(source: str | Path) -> str:
    return hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:12]


def index_dir_for(warehouse: str | Path) -> Path | None:
    """The ingest index lives beside a local warehouse; with an object-store warehouse there is
    no index (every run scans the source) rather than a cache on a remote file system."""
    return (
        None
        if "://" in str(warehouse) and not str(warehouse).startswith("file://")
        else Path(str(warehouse).removeprefix("file://")) / "_index"
    )


def _day(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def ingest_stage(
    source: str, warehouse: str, day: str | dt.date, run_id: str, settings: Settings | None = None
) -> dict:
    """Read the source, stage the partition's documents and the source's quarantine."""
    from pipeline.ingest import ingest
    from pipeline.warehouse import join, to_arrow, write_staged

    settings = settings or Settings()
    day = _day(day)
    started_at = dt.datetime.now(dt.UTC).isoformat()
    t0 = time.perf_counter()
    stage = staging_dir(warehouse, day, run_id)
    # the index (facts per file, keyed by path + size + mtime) makes a date's run read only its own files
    result = ingest(Path(source), settings.max_file_bytes, dates={day}, index_dir=index_dir_for(warehouse))
    docs_path = write_staged(_staged_docs(result.documents), join(stage, "ingested.parquet"))
    quarantine_path = write_staged(to_arrow("quarantine", result.quarantine), join(stage, "quarantine.parquet"))
    out = {
        "day": day.isoformat(),
        "run_id": run_id,
        "started_at": started_at,
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
    from pipeline.warehouse import join, read_staged, to_arrow, write_staged

    t0 = time.perf_counter()
    stage = ingested["stage"]
    docs = read_staged(ingested["ingested"]).to_pylist()
    docs, removed = clean_documents(docs)
    out = dict(ingested)
    out["documents"] = write_staged(to_arrow("documents", docs), join(stage, "documents.parquet"))
    out["removed_segments"] = write_staged(
        to_arrow("removed_segments", removed), join(stage, "removed_segments.parquet")
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


SHARD_KEYS = ("shard", "shards", "offset", "limit")


def partition_of(shard: dict) -> dict:
    """The cleaned partition's dict back from one of its shards."""
    return {k: v for k, v in shard.items() if k not in SHARD_KEYS}


def extract_stage(shard: dict, settings: Settings | None = None) -> str:
    """Extract the events of one shard; returns the staged events file."""
    from pipeline.extract import extract_events
    from pipeline.warehouse import join, read_staged, to_arrow, write_bytes, write_staged

    settings = settings or Settings()
    t0 = time.perf_counter()
    docs = read_staged(shard["documents"]).slice(shard["offset"], shard["limit"]).to_pylist()
    ids = {d["doc_id"] for d in docs}
    removed = [r for r in read_staged(shard["removed_segments"]).to_pylist() if r["doc_id"] in ids]
    from pipeline.cluster import assign_cluster_ids

    # cluster_id depends on the event row alone, so it is final here and across partitions
    events = assign_cluster_ids(extract_events(docs, removed, settings.model, settings.batch_size))
    path = write_staged(to_arrow("events", events), join(shard["stage"], f"events-{shard['shard']:05d}.parquet"))
    seconds = str(round(time.perf_counter() - t0, 3)).encode()
    write_bytes(seconds, join(shard["stage"], f"events-{shard['shard']:05d}.seconds"))
    log.info(
        "extract %s shard %d/%d: %d documents, %d events",
        shard["day"],
        shard["shard"] + 1,
        shard["shards"],
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


PARTITION_TABLES = ("documents", "events", "removed_segments")


def validate_stage(cleaned: dict, event_paths: list[str]) -> dict:
    """Audit step of write-audit-publish: merge the shards, validate the staged files as written.

    Raises ValidationFailed (message names the expectation, the table and sample rows) on an
    error: the publish task then never runs, so the published partition stays as it was.
    """
    (outcome,) = validate_stages([(cleaned, list(event_paths or []))])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def validate_stages(items: list[tuple[dict, list[str]]]) -> list[dict | Exception]:
    """Validate several staged partitions in one GX pass (see validate.validate_partitions).

    Returns, per partition in order, the validated stage dict or the ValidationFailed to raise;
    one partition's failure never blocks another's publish.
    """
    from pipeline.validate import Partition, raise_if_failed, validate_partitions
    from pipeline.warehouse import (
        content_fingerprint,
        fault_point,
        join,
        list_files,
        read_bytes,
        read_staged,
        write_staged,
    )

    t0 = time.perf_counter()
    prepared = []
    for cleaned, event_paths in items:
        day = _day(cleaned["day"])
        events_path = write_staged(_merge_events(list(event_paths or [])), join(cleaned["stage"], "events.parquet"))
        fault_point("validate:after_merge")
        staged = {
            "documents": cleaned["documents"],
            "events": events_path,
            "removed_segments": cleaned["removed_segments"],
        }
        tables = {name: read_staged(path) for name, path in staged.items()}
        part = Partition(
            day,
            tables,
            cleaned["run_id"],
            validation_report_path(cleaned["warehouse"], day, cleaned["run_id"]),
            join(cleaned["warehouse"], "_data_docs", day.isoformat(), run_key_of(cleaned["run_id"])),
        )
        prepared.append((cleaned, staged, part))
    reports = validate_partitions([p for _, _, p in prepared])
    fault_point("validate:after_report")
    share = round((time.perf_counter() - t0) / max(1, len(items)), 3)
    outcomes: list[dict | Exception] = []
    for (cleaned, staged, part), report in zip(prepared, reports, strict=True):
        try:
            report = raise_if_failed(report)
        except Exception as exc:  # ValidationFailed: handed back, raised by the caller
            outcomes.append(exc)
            continue
        extract_seconds = sum(float(read_bytes(p)) for p in list_files(cleaned["stage"], "events-*.seconds"))
        out = dict(cleaned)
        out["events"] = staged["events"]
        out["validation"] = report["outcome"]
        out["validation_report"] = report["report"]
        out["data_docs"] = report["data_docs"]
        out["fingerprint"] = content_fingerprint([staged[n] for n in PARTITION_TABLES])
        out["counts"] = {**cleaned["counts"], "events": part.tables["events"].num_rows}
        # Validated in one pass with others: each partition is charged an equal share of it.
        out["seconds"] = {**cleaned["seconds"], "extract": round(extract_seconds, 3), "validate": share}
        log.info(
            "validate %s: %s, report %s, data docs %s",
            part.day,
            report["outcome"],
            report["report"],
            report["data_docs"],
        )
        outcomes.append(out)
    return outcomes


def validation_report_path(warehouse: str, day: dt.date, run_id: str) -> str:
    from pipeline.warehouse import join

    return join(warehouse, "_validation", day.isoformat(), f"{run_key_of(run_id)}.json")


def run_record_path(warehouse: str, day: dt.date, run_id: str) -> str:
    from pipeline.warehouse import join, partition_dir

    return join(partition_dir(warehouse, "runs", day), f"run-{run_key_of(run_id)}.parquet")


def publish_stage(validated: dict) -> dict:
    """Publish step of write-audit-publish: swap in every validated table of the partition, then record the run.

    Under the date's lock: a journal (`_publish/DATE.json`) is written first, then each table's
    partition is replaced by one atomic file swap, then the quarantine, then the `runs` row;
    the journal is removed last. A crash anywhere leaves each table old or new and the staged
    files in place, so retrying this task (or rerunning the date) finishes the job.
    """
    from pipeline.warehouse import (
        content_fingerprint,
        exists,
        fault_point,
        partition_lock,
        publish_partition,
        read_journal,
        read_staged,
        remove_file,
        remove_tree,
        write_journal,
    )

    t0 = time.perf_counter()
    root = validated["warehouse"]
    day = _day(validated["day"])
    staged = [validated[name] for name in PARTITION_TABLES]
    if not all(exists(p) for p in staged) and exists(run_record_path(root, day, validated["run_id"])):
        # A retried publish task whose first attempt finished: nothing left to do.
        log.info("publish %s: run %s already published", day, validated["run_id"])
        return _summary(validated, validated["seconds"])
    missing = [p for p in staged if not exists(p)]
    if missing:
        raise FileNotFoundError(
            f"staged files of {day} (run {validated['run_id']}) are gone: {missing}; nothing was published. "
            "Rerun the whole date (clear the DAG run, or `python -m pipeline run --start DAY --end DAY`)."
        )
    with partition_lock(root, day):
        fingerprint = content_fingerprint(staged)
        if fingerprint != validated["fingerprint"]:
            raise RuntimeError(
                f"staged files of {day} changed after validation (run {validated['run_id']}): "
                "nothing was published; rerun the validate task (or the whole date) to validate them again"
            )
        interrupted = read_journal(root, day)
        if interrupted:
            log.warning(
                "publish %s: the publish of run %s was interrupted; this run replaces every table of the date",
                day,
                interrupted.get("run_id"),
            )
        write_journal(
            root,
            day,
            {
                "run_id": validated["run_id"],
                "published_date": day.isoformat(),
                "fingerprint": fingerprint,
                "staged": dict(zip(PARTITION_TABLES, staged, strict=True)),
                "started_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )
        fault_point("publish:after_journal")
        for name, path in zip(PARTITION_TABLES, staged, strict=True):
            publish_partition(root, name, day, read_staged(path), fingerprint)
            fault_point(f"publish:after_{name}")
        publish_quarantine(validated)
        seconds = {**validated["seconds"], "publish": round(time.perf_counter() - t0, 3)}
        write_run_record(validated, seconds, validated["validation"])
        fault_point("publish:after_runs")
        remove_file(journal_path_of(root, day))
    remove_tree(validated["stage"])
    log.info("publish %s: %s", day, json.dumps(validated["counts"]))
    return _summary(validated, seconds)


def journal_path_of(root: str, day: dt.date) -> str:
    from pipeline.warehouse import journal_path

    return journal_path(root, day)


def _summary(validated: dict, seconds: dict) -> dict:
    return {
        "day": validated["day"],
        "run_id": validated["run_id"],
        "counts": validated["counts"],
        "validation": validated["validation"],
        "validation_report": validated.get("validation_report"),
        "data_docs": validated.get("data_docs"),
        "seconds": seconds,
        "warehouse": str(validated["warehouse"]),
    }


def write_run_record(staged: dict, seconds: dict, validation: str) -> str:
    """The run's row in `runs` (one file per run, so runs of a date accumulate and a rerun of a run id replaces its own)."""
    from pipeline.warehouse import file_table, publish_file, to_arrow

    day = _day(staged["day"])
    started = staged.get("started_at")
    row = {
        "run_id": staged["run_id"],
        "published_date": day,
        "started_at": dt.datetime.fromisoformat(started) if started else None,
        "finished_at": dt.datetime.now(dt.UTC),
        **{k: staged["counts"].get(k) for k in ("inputs", "documents", "duplicates", "quarantined", "events")},
        "stage_seconds": json.dumps(seconds, sort_keys=True),
        "versions": json.dumps(versions(), sort_keys=True),
        "validation": validation,
        "validation_report": staged.get("validation_report"),
    }
    target = run_record_path(staged["warehouse"], day, staged["run_id"])
    publish_file(file_table("runs", to_arrow("runs", [row])), target)
    return target


def publish_quarantine(staged: dict) -> None:
    """The source's quarantine, one file per source folder, replaced whole and atomically."""
    from pipeline.warehouse import exists, file_table, join, parquet_bytes, read_bytes, read_staged, write_bytes

    target = join(staged["warehouse"], "quarantine", f"{source_key(staged['source'])}.parquet")
    data = parquet_bytes(file_table("quarantine", read_staged(staged["quarantine"])))
    # every date of a backfill carries the whole source's quarantine: rewrite it only when it changed
    if not (exists(target) and read_bytes(target) == data):
        write_bytes(data, target)


def finish_empty_day(ingested: dict) -> dict:
    """A day with no documents: no partition is written; the quarantine and the run's row are.

    A partition published earlier for that date is left alone (the source may be incomplete):
    remove `TABLE/published_date=DATE/` by hand if the date really has no articles any more.
    """
    from pipeline.warehouse import partition_lock, remove_tree

    day = _day(ingested["day"])
    with partition_lock(ingested["warehouse"], day):
        publish_quarantine(ingested)
        write_run_record(ingested, ingested["seconds"], "skipped (no documents)")
    remove_tree(ingested["stage"])
    return {
        "day": ingested["day"],
        "run_id": ingested["run_id"],
        "counts": ingested["counts"],
        "validation": "skipped (no documents)",
        "validation_report": None,
        "data_docs": None,
        "seconds": ingested["seconds"],
        "warehouse": ingested["warehouse"],
    }


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


def run_partition(
    source: str, warehouse: str, day: str | dt.date, run_id: str, settings: Settings | None = None
) -> dict:
    """All stages of one partition in this process."""
    settings = settings or Settings()
    ingested = ingest_stage(source, warehouse, day, run_id, settings)
    if ingested["counts"]["documents"] == 0:
        return finish_empty_day(ingested)
    cleaned = clean_stage(ingested)
    event_paths = [extract_stage(shard, settings) for shard in plan_shards(cleaned, settings.shard_size)]
    validated = validate_stage(cleaned, event_paths)
    published = publish_stage(validated)
    refresh_event_clusters(warehouse)
    return published


MAX_BATCH_DAYS = 64
MAX_BATCH_DOCUMENTS = 5000


class PartitionsFailed(RuntimeError):
    """Some dates failed validation (not published); every other date was published."""

    def __init__(self, failures: list[Exception], results: list[dict]):
        published = ", ".join(r["day"] for r in results) or "none"
        super().__init__(
            f"{len(failures)} date(s) failed validation and were not published (published: {published}):\n"
            + "\n".join(str(f) for f in failures)
        )
        self.failures, self.results = failures, results


def run_partitions(
    source: str,
    warehouse: str,
    days: list[dt.date],
    run_id_for: Callable[[dt.date], str],
    settings: Settings | None = None,
    on_done: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Many dates in this process (the command line's path): stage a batch of dates, validate the
    batch in one GX pass, publish each date that passed, then the next batch.

    Validating day by day would pay GX's fixed cost per expectation for every date, which
    dominates a backfill of small days. A failed date is not published and does not stop the
    others; PartitionsFailed is raised at the end naming each failure.
    """
    settings = settings or Settings()
    results: list[dict] = []
    failures: list[Exception] = []

    def done(result: dict) -> None:
        results.append(result)
        if on_done:
            on_done(result)

    pending: list[tuple[dict, list[str]]] = []

    def flush() -> None:
        for outcome in validate_stages(pending):
            if isinstance(outcome, Exception):
                failures.append(outcome)
            else:
                done(publish_stage(outcome))
        pending.clear()

    for day in days:
        ingested = ingest_stage(source, warehouse, day, run_id_for(_day(day)), settings)
        if ingested["counts"]["documents"] == 0:
            done(finish_empty_day(ingested))
            continue
        cleaned = clean_stage(ingested)
        pending.append((cleaned, [extract_stage(s, settings) for s in plan_shards(cleaned, settings.shard_size)]))
        if len(pending) >= MAX_BATCH_DAYS or sum(c["counts"]["documents"] for c, _ in pending) >= MAX_BATCH_DOCUMENTS:
            flush()
    if pending:
        flush()
    results.sort(key=lambda r: r["day"])
    if any(r["counts"].get("documents") for r in results):
        refresh_event_clusters(warehouse)
    if failures:
        raise PartitionsFailed(failures, results)
    return results
