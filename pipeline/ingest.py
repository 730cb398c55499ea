"""Ingest: turn a source (folder of .txt files with an optional manifest.csv, or JSON Lines
exports) into document records with a publication date, and account for every input.

Every input ends as exactly one of: a document, an exact duplicate of a document, or a
quarantine row with a reason. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DATE_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR = 1900


@dataclass
class RawInput:
    """One input before any decision: where it came from and what it holds."""

    source_name: str
    source_path: str
    text: str | None
    published_date: str | None = None
    date_source: str | None = None
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    fixes: list[str] = field(default_factory=list)
    problem: tuple[str, str] | None = None  # (reason, detail)


@dataclass
class IngestResult:
    documents: list[dict]
    quarantine: list[dict]
    inputs: int
    duplicates: int


def parse_date(value: str | None) -> tuple[dt.date | None, str | None]:
    """A strict YYYY-MM-DD date, or the reason it is not one. Never guesses."""
    if value is None or not str(value).strip():
        return None, None
    value = str(value).strip()[:10] if ISO_DATE.match(str(value).strip()[:10]) else str(value).strip()
    if not ISO_DATE.match(value):
        return None, f"malformed date {value!r}: expected YYYY-MM-DD"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, f"impossible date {value!r}"
    if day.year < MIN_YEAR:
        return None, f"implausible date {value!r} (before {MIN_YEAR})"
    return day, None


def content_id(text: str) -> str:
    """doc_id from normalised content: the same article under two names has one id."""
    norm = unicodedata.normalize("NFKC", text)
    norm = re.sub(r"\s+", " ", norm).strip().lower()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def decode_bytes(data: bytes) -> tuple[str | None, list[str], str | None]:
    """Decode input bytes; returns (text, fixes, problem detail)."""
    fixes: list[str] = []
    if b"\x00" in data[:8192]:
        return None, fixes, "binary content (NUL bytes)"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        fixes.append("utf8_bom_removed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        fixes.append("decoded_cp1252")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("line_ends_normalised")
    return text, fixes, None


def read_manifest(folder: Path) -> dict[str, str]:
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        return {}
    with manifest.open(newline="", encoding="utf-8-sig") as fh:
        return {row["file"].strip(): (row.get("published_date") or "").strip() for row in csv.DictReader(fh)}


def iter_text_folder(folder: Path, max_bytes: int) -> Iterator[RawInput]:
    manifest = read_manifest(folder)
    root = folder.resolve()
    for path in sorted(p for p in folder.rglob("*.txt")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            yield RawInput(
                path.name,
                rel,
                None,
                problem=(
                    "outside_source",
                    f"link points outside the source folder: {path.resolve()}",
                ),
            )
            continue
        if path.stat().st_size > max_bytes:
            yield RawInput(
                path.name,
                rel,
                None,
                problem=(
                    "too_large",
                    f"{path.stat().st_size} bytes > limit {max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES to accept it",
                ),
            )
            continue
        text, fixes, problem = decode_bytes(path.read_bytes())
        raw = RawInput(path.name, rel, text, fixes=fixes)
        if problem:
            raw.problem = ("binary", problem)
        elif rel in manifest or path.name in manifest:
            raw.published_date = manifest.get(rel, manifest.get(path.name))
            raw.date_source = "manifest"
        yield raw


def iter_jsonl(path: Path) -> Iterator[RawInput]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path.name}#{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RawInput(where, where, None, problem=("bad_record", f"not JSON: {exc}"))
                continue
            yield RawInput(
                source_name=str(rec.get("id") or where),
                source_path=where,
                text=rec.get("text"),
                published_date=rec.get("published_date"),
                date_source="record",
                outlet=rec.get("outlet"),
                url=rec.get("url"),
                title=rec.get("title"),
            )


def iter_inputs(source: Path, max_bytes: int) -> Iterator[RawInput]:
    """All inputs of a source: a folder (txt files and any .jsonl/.jsonl.gz in it) or a JSON Lines file."""
    if source.is_file():
        yield from iter_jsonl(source)
        return
    if not source.is_dir():
        raise FileNotFoundError(f"source {source} is neither a folder nor a JSON Lines file")
    yield from iter_text_folder(source, max_bytes)
    for path in sorted(list(source.rglob("*.jsonl")) + list(source.rglob("*.jsonl.gz"))):
        yield from iter_jsonl(path)


def resolve_date(raw: RawInput) -> tuple[dt.date | None, str | None]:
    """Publication date, in order: manifest/record field, in-text date header."""
    if raw.published_date:
        day, problem = parse_date(raw.published_date)
        return day, problem
    if raw.text:
        m = DATE_HEADER.match(raw.text)
        if m:
            raw.date_source = "text_header"
            return parse_date(m.group(1))
    return None, None


def ingest(source: Path, max_bytes: int, dates: set[dt.date] | None = None) -> IngestResult:
    """Read a source; keep the documents whose date is in `dates` (all when None)."""
    documents: dict[str, dict] = {}
    quarantine: list[dict] = []
    inputs = duplicates = 0
    for raw in iter_inputs(source, max_bytes):
        day, date_problem = (None, None) if raw.problem else resolve_date(raw)
        if dates is not None and day is not None and day not in dates:
            continue
        inputs += 1
        problem = raw.problem
        if problem is None and (raw.text is None or not raw.text.strip()):
            problem = ("empty", "no text")
        if problem is None and day is None:
            problem = (
                ("bad_date", date_problem)
                if date_problem
                else ("no_date", "no manifest entry, record field or date header")
            )
        if problem:
            if dates is None or day is None or day in dates:
                quarantine.append(
                    {
                        "source_name": raw.source_name,
                        "source_path": raw.source_path,
                        "published_date": day,
                        "reason": problem[0],
                        "detail": problem[1],
                    }
                )
            continue
        doc_id = content_id(raw.text)
        if doc_id in documents:
            duplicates += 1
            continue
        documents[doc_id] = {
            "doc_id": doc_id,
            "published_date": day,
            "source_name": raw.source_name,
            "source_path": raw.source_path,
            "date_source": raw.date_source,
            "outlet": raw.outlet,
            "url": raw.url,
            "title": raw.title,
            "byline": None,
            "dateline_place": None,
            "input_fixes": ",".join(raw.fixes) or None,
            "duplicate_of": None,
            "raw_text": raw.text,
        }
    return IngestResult(sorted(documents.values(), key=lambda d: d["doc_id"]), quarantine, inputs, duplicates)


def publication_dates(source: Path, max_bytes: int) -> list[dt.date]:
    """The distinct valid publication dates present in a source."""
    result = ingest(source, max_bytes)
    return sorted({d["published_date"] for d in result.documents})
