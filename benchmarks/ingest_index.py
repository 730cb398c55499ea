"""How long selecting one date's documents takes, with a warm ingest index vs a full scan.

Runs on the shared corpus (../shared/corpus/world_news.jsonl.gz, 5,214 articles) in two shapes:
the JSON Lines export itself, and the same articles written as a landing folder of .txt files
with a manifest.csv (in a temporary folder, deleted afterwards). Figures go to
benchmarks/results/ingest_index.json.

    .venv/bin/python -m benchmarks.ingest_index [--corpus PATH]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS
from pipeline.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "ingest_index.json"
MAX_BYTES = 5 * 1024 * 1024


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - t0, 3)


def write_landing_folder(corpus: Path, folder: Path) -> int:
    """The corpus as a crawler's landing folder: one .txt per article in per-outlet subfolders, manifest.csv."""
    n = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as fh, (folder / "manifest.csv").open("w", newline="") as mf:
        writer = csv.writer(mf)
        writer.writerow(["file", "published_date"])
        for line in fh:
            rec = json.loads(line)
            sub = folder / "".join(c if c.isalnum() else "_" for c in rec["outlet"] or "unknown")
            sub.mkdir(exist_ok=True)
            rel = f"{sub.name}/{rec['id']}.txt"
            (folder / rel).write_text(rec["text"], encoding="utf-8")
            writer.writerow([rel, rec["published_date"] or ""])
            n += 1
    return n


def measure(source: Path, day: dt.date, index_dir: Path, touch: Path | None) -> dict:
    full, t_full = timed(ingest, source, MAX_BYTES, {day})
    cold, t_cold = timed(ingest, source, MAX_BYTES, {day}, index_dir)
    warm, t_warm = timed(ingest, source, MAX_BYTES, {day}, index_dir)
    assert [d["doc_id"] for d in warm.documents] == [d["doc_id"] for d in full.documents]
    out = {
        "documents_selected": len(warm.documents),
        "source_counts": warm.source_counts,
        "seconds_full_scan_no_index": t_full,
        "seconds_cold_index_build_and_select": t_cold,
        "seconds_warm_index_select": t_warm,
        "speedup_warm_vs_full": round(t_full / t_warm, 1) if t_warm else None,
        "files_read_warm": warm.index["files_read"],
        "index_bytes": Path(warm.index["index"]).stat().st_size,
    }
    if touch is not None:
        touch.write_text(touch.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        changed, t_changed = timed(ingest, source, MAX_BYTES, {day}, index_dir)
        out["seconds_warm_after_one_file_changed"] = t_changed
        out["files_read_after_one_file_changed"] = changed.index["files_read"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found at {args.corpus}: this benchmark needs ../shared/corpus; nothing measured")
        return 2
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        dates = Counter(json.loads(line)["published_date"] for line in fh)
    day = dt.date.fromisoformat(max((d for d in dates if d), key=lambda d: (dates[d], d)))
    results = {"day": day.isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared"}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        tmp = Path(tmp)
        results["jsonl_gz_export"] = measure(args.corpus, day, tmp / "index-jsonl", None)
        folder = tmp / "landing"
        folder.mkdir()
        results["landing_folder_files"] = write_landing_folder(args.corpus, folder)
        some_file = next(p for p in sorted(folder.rglob("*.txt")))
        results["landing_folder"] = measure(folder, day, tmp / "index-folder", some_file)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
