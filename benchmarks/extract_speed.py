"""Extraction speed against bare spaCy: the extractor's whole pass (its components inside the one
`nlp.pipe` pass, then the per-article rules) versus `nlp.pipe` of the plain model over the same
texts. Target: bare / extractor >= 0.85. The two are
alternated `--repeats` times and the best of each is kept (the machine is shared). Then the
extractor's pipeline with the model's own attribute_ruler and lemmatizer against the one with
the stand-ins of pipeline/extract/accelerate.py, alternated the same way, with a token-by-token
check that both give the same annotations. Figures go to benchmarks/results/extract_speed.json.

    .venv/bin/python -m benchmarks.extract_speed --n 200

Reads ../shared/corpus/world_news.jsonl.gz; says so and exits 2 when it is absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "extract_speed.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.corpus import DEFAULT_CORPUS as CORPUS
    from benchmarks.corpus import first_dated

    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}: this benchmark needs ../shared/corpus (not part of a clone)")
        return 2
    import spacy

    from pipeline.config import Settings
    from pipeline.extract import EXTRACTOR_VERSION, extract_events, load_model

    records = first_dated(CORPUS, args.n)
    texts = [r["text"] for r in records]
    docs = [
        {"doc_id": r["id"], "published_date": dt.date.fromisoformat(r["published_date"]), "text": t, "raw_text": t}
        for r, t in zip(records, texts, strict=True)
    ]
    model = Settings().model
    bare = spacy.load(model)
    load_model(model)  # both loaded before timing
    words = sum(len(t.split()) for t in texts)
    bare_runs, extract_runs = [], []
    events: list[dict] = []
    for _ in range(args.repeats):  # alternate the two so machine load hits both alike; keep the best
        t0 = time.perf_counter()
        for _doc in bare.pipe(texts, batch_size=args.batch_size):
            pass
        bare_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        events = extract_events(docs, [], model, args.batch_size)
        extract_runs.append(time.perf_counter() - t0)
    bare_s, extract_s = min(bare_runs), min(extract_runs)
    # the same split inside one run, less exposed to load swings: our pipe (model + components) vs
    # the per-article Python rules over the parsed docs
    from pipeline.extract.events import ArticleExtractor
    from pipeline.extract.lexicon import load_lexicon
    from pipeline.offsets import OffsetMap

    nlp = load_model(model)
    t0 = time.perf_counter()
    parsed = list(nlp.pipe(texts, batch_size=args.batch_size))
    pipe_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for record, doc in zip(docs, parsed, strict=True):
        ArticleExtractor(doc, record, OffsetMap([]), load_lexicon(), EXTRACTOR_VERSION).run()
    rules_s = time.perf_counter() - t0
    same, model_s, fast_s = compare_fast_components(model, texts, args.batch_size, args.repeats)
    result = {
        "benchmark": "extract_speed",
        "extractor_version": EXTRACTOR_VERSION,
        "model": model,
        "articles": len(texts),
        "words": words,
        "events": len(events),
        "bare_nlp_pipe_seconds": round(bare_s, 2),
        "extract_seconds": round(extract_s, 2),
        "runs_seconds": {"bare": [round(x, 2) for x in bare_runs], "extract": [round(x, 2) for x in extract_runs]},
        "ratio_bare_over_extract": round(bare_s / extract_s, 3),
        "pipe_with_components_seconds": round(pipe_s, 2),
        "per_article_rules_seconds": round(rules_s, 2),
        "rules_share_of_pipe": round(rules_s / pipe_s, 3),
        "target_ratio": 0.85,
        "pipe_with_model_rule_components_seconds": round(model_s, 2),
        "pipe_with_fast_rule_components_seconds": round(fast_s, 2),
        "fast_rule_components_saving": round(1 - fast_s / model_s, 3),
        "fast_rule_components_same_annotations": same,
        "extract_words_per_second": round(words / extract_s),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def compare_fast_components(model: str, texts: list[str], batch_size: int, repeats: int) -> tuple[bool, float, float]:
    """(same annotations?, best seconds with the model's attribute_ruler + lemmatizer, best with the stand-ins)."""
    import numpy as np
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, SENT_START, TAG

    from pipeline.extract import load_model

    attrs = [POS, TAG, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START]
    slow, fast = load_model(model, fast=False), load_model(model, fast=True)
    slow_runs, fast_runs, same = [], [], True
    for _ in range(repeats):
        t0 = time.perf_counter()
        a = [d.to_array(attrs) for d in slow.pipe(texts, batch_size=batch_size)]
        slow_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = [d.to_array(attrs) for d in fast.pipe(texts, batch_size=batch_size)]
        fast_runs.append(time.perf_counter() - t0)
        same = same and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    return same, min(slow_runs), min(fast_runs)


if __name__ == "__main__":
    raise SystemExit(main())
