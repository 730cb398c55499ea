"""Speed of the pure-Python resolvers: gazetteer load and lookups, find_dates and find_amounts.

Run with `python -m benchmarks.resolvers [--corpus PATH] [--sentences N]`; writes
benchmarks/results/resolvers.json. Sentences come from the shared corpus
(`../shared/corpus/world_news.jsonl.gz`) when it is there; otherwise from the seed articles in
`seeds/` (repeated up to N sentences), and the result file says which.

Each cold-load figure is taken in a fresh child process, so that nothing imported earlier is counted
or hidden. Timings are wall-clock on a shared machine: read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpus import DEFAULT_CORPUS, dated_records

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "resolvers.json"
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def corpus_sentences(path: Path, limit: int) -> list[tuple[str, dt.date]]:
    """The first `limit` sentences (20 to 400 characters) of the corpus articles that have a usable date."""
    out: list[tuple[str, dt.date]] = []
    for record, published in dated_records(path):
        for sentence in SENTENCE_SPLIT.split(record.get("text") or ""):
            if 20 <= len(sentence) <= 400:
                out.append((sentence, published))
                if len(out) >= limit:
                    return out
    return out


def seed_sentences(limit: int) -> list[tuple[str, dt.date]]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    sentences = [s for t in texts for s in SENTENCE_SPLIT.split(t) if 20 <= len(s) <= 400]
    if not sentences:
        raise SystemExit("no sentences: neither the shared corpus nor seeds/*.txt is readable")
    published = dt.date(2024, 11, 16)
    return [(sentences[i % len(sentences)], published) for i in range(limit)]


def cold_seconds(statement: str) -> float:
    """Wall time of `statement` in a fresh interpreter (imports included)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args(argv)

    if args.corpus.exists():
        sentences, source = corpus_sentences(args.corpus, args.sentences), str(args.corpus.name)
    else:
        print(f"shared corpus not found at {args.corpus}; timing on the seed articles instead", file=sys.stderr)
        sentences, source = seed_sentences(args.sentences), "seeds/*.txt (corpus absent)"

    from pipeline.dates import find_dates
    from pipeline.gazetteer import load_gazetteer
    from pipeline.money import find_amounts

    find_dates("warm up on Friday", dt.date(2024, 11, 16), "past")
    find_amounts("warm up $1 million")
    dates_seconds, date_count = timed(lambda: sum(len(find_dates(s, published, "past")) for s, published in sentences))
    amounts_seconds, amount_count = timed(lambda: sum(len(find_amounts(s)) for s, _ in sentences))

    gazetteer = load_gazetteer()
    names = re.findall(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*", " ".join(s for s, _ in sentences))[:1000]
    on = sentences[0][1]
    lookup_seconds, resolved = timed(lambda: sum(gazetteer.lookup(n, on, "PERSON") is not None for n in names))
    cities_seconds, _ = timed(gazetteer._load_cities)
    place_seconds, placed = timed(lambda: sum(gazetteer.place(n) is not None for n in names))

    results = {
        "what": "pure-Python resolvers: dates, money, gazetteer",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "sentence_source": source,
        "sentences": len(sentences),
        "find_dates": {
            "seconds": round(dates_seconds, 4),
            "sentences_per_second": round(len(sentences) / dates_seconds),
            "dates_found": date_count,
        },
        "find_amounts": {
            "seconds": round(amounts_seconds, 4),
            "sentences_per_second": round(len(sentences) / amounts_seconds),
            "amounts_found": amount_count,
        },
        "gazetteer": {
            "cold_load_seconds_fresh_process": round(
                cold_seconds("from pipeline.gazetteer import load_gazetteer; load_gazetteer()"), 3
            ),
            "cold_load_with_cities_seconds_fresh_process": round(
                cold_seconds("from pipeline.gazetteer import load_gazetteer; load_gazetteer()._load_cities()"), 3
            ),
            "cities_load_seconds_in_process": round(cities_seconds, 3),
            "lookups": len(names),
            "lookup_seconds": round(lookup_seconds, 4),
            "lookups_resolved": resolved,
            "place_seconds": round(place_seconds, 4),
            "places_resolved": placed,
        },
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
