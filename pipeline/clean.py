"""Clean: find what in the raw text is not the article and remove it, logging every removal.

Cleaning only deletes spans of the raw text (see `offsets.py`), so every sentence of the
cleaned text maps back to the raw file, and `removed_segments` holds everything taken out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.offsets import apply_removals, merge_spans


@dataclass(frozen=True)
class Removal:
    start: int
    end: int
    kind: str


# Rules on whole lines/paragraphs: (kind, pattern matched against the stripped line)
LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "byline",
        re.compile(r"^By [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}(?:(?:,| and) [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3})*$"),
    ),
    ("photo_credit", re.compile(r"^(?:Photo|Image|Picture|Credit)s?\s*:\s*.{1,80}$", re.I)),
    ("credits", re.compile(r"^\(?(?:Reporting|Additional reporting|Writing|Editing) by .*\)?$")),
    ("credits", re.compile(r"^Written by [\w ]{1,40}\.?$", re.I)),
    ("boilerplate", re.compile(r"^Story highlights$", re.I)),
    (
        "caption",
        re.compile(r"^.{20,400}\((?:Yonhap|AP|AFP|Reuters|EPA|Getty Images|Xinhua)(?: Photo)?\)$"),
    ),
)
DATE_HEADER = re.compile(r"\A\s*date\s+\d{4}-\d{2}-\d{2}\s*")
INLINE_CAPTION = re.compile(r"TOPSHOT\s*[–-].*?\(\s*(?:AFP|AP|Reuters|Getty)[^)]*\)")


def _lines(raw: str):
    """(start, end) of each line, end excluding the newline."""
    pos = 0
    for line in raw.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def find_removals(raw: str) -> list[Removal]:
    removals: list[Removal] = []
    m = DATE_HEADER.match(raw)
    if m:
        removals.append(Removal(m.start(), m.end(), "date_header"))
    for m in INLINE_CAPTION.finditer(raw):
        removals.append(Removal(m.start(), m.end(), "caption"))
    for start, end in _lines(raw):
        line = raw[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        s = start + lead
        # a date header shares the first line with a caption in some exports
        if removals and removals[0].kind == "date_header" and start == 0:
            s = max(s, removals[0].end)
            stripped = raw[s:end].strip()
        for kind, pattern in LINE_RULES:
            if pattern.match(stripped):
                removals.append(Removal(s, end + (1 if end < len(raw) else 0), kind))
                break
    return removals


def clean_text(raw: str) -> tuple[str, list[dict]]:
    """Cleaned text and the removed segments (start, end, kind, text) in raw offsets."""
    removals = find_removals(raw)
    spans = merge_spans((r.start, r.end) for r in removals)
    kinds = {}
    for r in sorted(removals, key=lambda r: (r.start, -r.end)):
        kinds.setdefault(r.start, r.kind)
    segments = []
    for start, end in spans:
        kind = next(
            (r.kind for r in removals if r.start <= start < r.end or start <= r.start < end),
            "boilerplate",
        )
        segments.append({"start": start, "end": end, "kind": kind, "text": raw[start:end]})
    return apply_removals(raw, spans), segments


def clean_documents(documents: list[dict]) -> tuple[list[dict], list[dict]]:
    """Adds `text` and `removed_chars` to each document; returns (documents, removed_segments)."""
    removed_rows: list[dict] = []
    for doc in documents:
        text, segments = clean_text(doc["raw_text"])
        doc["text"] = text
        doc["raw_chars"] = len(doc["raw_text"])
        doc["removed_chars"] = sum(s["end"] - s["start"] for s in segments)
        for seg in segments:
            removed_rows.append({"doc_id": doc["doc_id"], "published_date": doc["published_date"], **seg})
    return documents, removed_rows
