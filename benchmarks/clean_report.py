"""What cleaning removes on real articles: chars by kind, documents that lose more than 40 %, cost per article.

Reads the first N articles (default 300) of ../shared/corpus/world_news.jsonl.gz that have a
valid publication date, cleans them exactly as the pipeline does (`clean_documents`), and
writes figures to benchmarks/results/clean_report.json. Article text is never written out:
only ids, outlets, counts and kinds. `--dump FILE` writes the removed segments to a file of
your choice (outside the repo) for reading.

    .venv/bin/python -m benchmarks.clean_report [--n 300] [--dump /tmp/removed.txt]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, dated_records
from pipeline.clean import clean_documents

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "clean_report.json"
HEAVY_SHARE = 0.40


def first_dated(corpus: Path, n: int) -> list[dict]:
    """The first n dated articles with a text, as the documents clean_documents takes."""
    out = []
    for rec, day in dated_records(corpus):
        if not rec.get("text"):
            continue
        out.append(
            {
                "doc_id": rec["id"],
                "published_date": day,
                "raw_text": rec["text"],
                "title": rec.get("title"),
                "outlet": rec.get("outlet"),
            }
        )
        if len(out) == n:
            break
    return out


def report(docs: list[dict]) -> tuple[dict, list[dict]]:
    outlets = {d["doc_id"]: d["outlet"] for d in docs}
    t0 = time.perf_counter()
    docs, removed = clean_documents(docs)
    seconds = time.perf_counter() - t0
    by_kind_chars: Counter = Counter()
    by_kind_segments: Counter = Counter()
    docs_with_kind: dict[str, set] = {}
    for seg in removed:
        by_kind_chars[seg["kind"]] += seg["end"] - seg["start"]
        by_kind_segments[seg["kind"]] += 1
        docs_with_kind.setdefault(seg["kind"], set()).add(seg["doc_id"])
    raw_chars = sum(d["raw_chars"] for d in docs)
    removed_chars = sum(d["removed_chars"] for d in docs)
    heavy = sorted(
        (
            {
                "id": d["doc_id"],
                "outlet": outlets[d["doc_id"]],
                "raw_chars": d["raw_chars"],
                "removed_share": round(d["removed_chars"] / d["raw_chars"], 3),
                "kinds": dict(Counter(s["kind"] for s in removed if s["doc_id"] == d["doc_id"])),
            }
            for d in docs
            if d["raw_chars"] and d["removed_chars"] / d["raw_chars"] > HEAVY_SHARE
        ),
        key=lambda r: -r["removed_share"],
    )
    figures = {
        "articles": len(docs),
        "raw_chars": raw_chars,
        "removed_chars": removed_chars,
        "removed_share": round(removed_chars / raw_chars, 4) if raw_chars else 0,
        "removed_chars_by_kind": dict(by_kind_chars.most_common()),
        "segments_by_kind": dict(by_kind_segments.most_common()),
        "articles_with_kind": {k: len(v) for k, v in sorted(docs_with_kind.items())},
        "articles_with_any_removal": len({s["doc_id"] for s in removed}),
        "metadata_found": {
            key: sum(1 for d in docs if d.get(key)) for key in ("byline", "dateline_place", "title", "outlet")
        },
        "articles_over_40_percent_removed": heavy,
        "seconds_total": round(seconds, 3),
        "ms_per_article": round(1000 * seconds / max(1, len(docs)), 3),
    }
    return figures, removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--dump", type=Path, help="write removed segments here for reading (keep it out of the repo)")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"corpus not found at {args.corpus}: this report needs ../shared/corpus; nothing measured")
        return 2
    docs = first_dated(args.corpus, args.n)
    figures, removed = report(docs)
    figures["corpus"] = "../shared/corpus/world_news.jsonl.gz, first articles with a valid published_date"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for seg in removed:
                fh.write(f"{seg['doc_id']}\t{seg['kind']}\t{seg['text'][:300]!r}\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "articles_over_40_percent_removed"}, indent=2))
    print(f"{len(figures['articles_over_40_percent_removed'])} articles with more than 40 % removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
