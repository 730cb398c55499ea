"""Run ingest -> clean -> extract over the first N dated articles of the shared corpus and write a
readable listing of every event, for reading precision by hand (docs/events.md reports the result).

    .venv/bin/python -m benchmarks.extract_sample --n 30 --out /tmp/extract_sample.txt

Reads ../shared/corpus/world_news.jsonl.gz (never copied into the project); says so and exits 2
when it is absent. The listing goes outside the project because it quotes article text.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, first_dated

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--skip", type=int, default=0, help="dated articles to skip first")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "extract_sample.txt"))
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"corpus not found at {corpus}: this benchmark needs ../shared/corpus (not part of a clone)")
        return 2
    sys.path.insert(0, str(ROOT))
    from pipeline.clean import clean_documents
    from pipeline.config import Settings
    from pipeline.extract import extract_events
    from pipeline.ingest import ingest

    records = first_dated(corpus, args.n, args.skip)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        result = ingest(src, Settings().max_file_bytes)
        docs, removed = clean_documents(result.documents)
    events = extract_events(docs, removed, Settings().model, 64)
    by_doc: dict[str, list[dict]] = {}
    for e in events:
        by_doc.setdefault(e["doc_id"], []).append(e)
    lines = []
    for d in docs:
        lines.append(f"\n===== {d['source_name']} {d['published_date']} {d.get('outlet')} | {d.get('title')}")
        for e in sorted(by_doc.get(d["doc_id"], []), key=lambda e: e["evidence_start"]):
            parts = [p["country"] or p["name"] for p in e["participants"]]
            lines.append(
                f"- {e['event_type']}/{e['stance'] or ''} A={e['actor_name']}({e['actor_country']}) P={parts} "
                f"L={e['location_country']} D={e['event_date']}/{e['event_date_precision']}({e['date_text']}) "
                f"$={e['amount_value']} {e['amount_currency'] or ''} {e['status']}\n    {e['evidence_text'][:220]!r}"
            )
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    core = sum(
        e["event_type"] in {"summit", "meeting", "speech", "statement", "pledge", "visit", "agreement"} for e in events
    )
    print(f"{len(docs)} documents, {len(events)} events ({core} core) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
