"""Ingest: turn a source (a folder of .txt files with an optional manifest.csv, JSON Lines
exports, or both) into document records with a publication date, and account for every input.

Every input ends as exactly one of: a document, an exact duplicate of a document (a
`quarantine` row with reason `duplicate`, counted under `duplicates`), or a quarantine row
with another reason. Nothing is dropped silently: `inputs = documents + duplicates + quarantined`.

The work is split in two so that a run for one date does not pay for the whole folder:

- *facts* about each input depend only on its bytes (decoded text problems, in-text date
  header, content id, near-duplicate sketch, where a JSON Lines record sits in its file).
  They are cached in an index (one Parquet file per source under `WAREHOUSE/_index/`) keyed by
  file path + size + mtime + ctime + inode, so a file is read again only when it changed, and
  a run for one date reads only that date's files (see docs/cleaning.md, "The ingest index");
- *decisions* (publication date, which copy of an exact duplicate is kept, `duplicate_of`,
  quarantine) are recomputed on every run from all facts of the source plus the manifest.
  They are cheap, and because they always see the whole source, a date run alone gets the
  same answer as the same date run in a backfill.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import gzip
import hashlib
import html
import json
import logging
import os
import re
import unicodedata
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from pipeline.webpage import Page, read_page

log = logging.getLogger("pipeline.ingest")

DATE_HEADER = re.compile(r"\A\s*date\s+(\S+)")
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?$")
MIN_YEAR = 1900
TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
MANIFEST = "manifest.csv"
INDEX_VERSION = "3"  # 3: page_date (web pages)

# near-duplicates: word 5-gram shingles, keep the hashes divisible by SKETCH_MOD (a content-defined
# sample, so two copies of a story keep the same shingles wherever they sit in the text)
SHINGLE_WORDS = 5
SKETCH_MOD = 8
NEAR_DUP_MIN_SHARED = 8
NEAR_DUP_CONTAINMENT = 0.6
NEAR_DUP_MAX_DAYS = 3  # a wire story is republished within days; older overlaps are page furniture
MAX_POSTING = 50  # shingles in more documents of the same days than this are page furniture, not story text

HTML_TAG = re.compile(
    r"</?(?:html|head|body|p|div|span|br|a|b|i|em|strong|h[1-6]|ul|ol|li|table|tr|td|th|img|figure|figcaption"
    r"|article|section|header|footer|nav|aside|script|style|blockquote|meta|link|iframe)\b[^>]*>",
    re.I,
)
HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass
class Fact:
    """What one input holds, derived from its bytes only (so it can be cached by file stamp)."""

    source_path: str  # relative to the source root; `file#line` for a JSON Lines record
    source_name: str
    file: str  # relative path of the file the input lives in
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    ino: int = 0
    line: int | None = None
    offset: int | None = None  # byte offset of a JSON Lines record in the (decompressed) file
    length: int | None = None
    read: bool = False  # False when the content was not read (too large, link outside, ...)
    reason: str | None = None  # a problem of the input itself
    detail: str | None = None
    record_date: str | None = None
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    byline: str | None = None  # a JSON Lines record's `authors`
    header_date: str | None = None
    page_date: str | None = None  # a web page's own publication date (its meta tags or markup), unparsed
    doc_id: str | None = None
    fixes: str | None = None
    sketch: list[int] = field(default_factory=list)


@dataclass
class IngestResult:
    documents: list[dict]
    quarantine: list[dict]
    inputs: int
    duplicates: int
    quarantined: int = 0
    source_counts: dict = field(default_factory=dict)
    index: dict = field(default_factory=dict)


# ---------------------------------------------------------------- dates


def parse_date(value: str | None) -> tuple[dt.date | None, str | None]:
    """A strict YYYY-MM-DD date (a time part is allowed and ignored), or the reason it is not one.

    Never guesses: `11/1` has no year, `0001-01-01` is a placeholder, `2023-13-45` is impossible.
    """
    if value is None or not str(value).strip():
        return None, None
    text = str(value).strip()
    m = ISO_DATE.match(text)
    if not m:
        return None, f"malformed date {text!r}: expected YYYY-MM-DD"
    try:
        day = dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None, f"impossible date {text!r}: no such day"
    if day.year < MIN_YEAR:
        return None, f"implausible date {text!r}: before {MIN_YEAR}, probably a placeholder"
    return day, None


def header_date_of(text: str) -> str | None:
    """The value of an in-text ` date YYYY-MM-DD` header at the very start, unparsed."""
    m = DATE_HEADER.match(text)
    return m.group(1) if m else None


# ---------------------------------------------------------------- content


def normalise_for_id(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


def content_id(text: str) -> str:
    """doc_id from normalised content: the same article under two names or in two runs has one id."""
    return hashlib.sha256(normalise_for_id(text).encode("utf-8")).hexdigest()[:16]


WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)


def sketch_of(text: str) -> list[int]:
    """A content-defined sample of word 5-gram hashes; shared samples reveal the same story.

    Word hashes are CRC32 (stable across processes, unlike `hash()` of a str); the 5-gram hash
    is a polynomial over them in wrapping uint64 arithmetic, vectorised with numpy so the
    whole corpus sketches in seconds.
    """
    words = WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return []
    h = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE_WORDS + 1
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(SHINGLE_WORDS):
            acc = acc * _MIX + h[k : k + n]
    top = (acc >> np.uint64(32)).astype(np.uint32)
    return sorted({int(x) for x in top[top % SKETCH_MOD == 0]})


def looks_like_html(text: str) -> bool:
    """Two or more HTML tags in the first 200,000 characters: a page or a fragment, read as one."""
    return len(HTML_TAG.findall(text[:200_000])) >= 2


def fix_text(text: str, fixes: list[str], force_html: bool = False) -> tuple[str, Page | None]:
    """Repairs every input gets, each one recorded: BOM, CRLF/CR line ends, HTML markup.

    HTML (a `.html`/`.htm` file, or markup in any text) is read as a web page
    (pipeline/webpage.py): the text is the page's text layer and the page is returned too,
    with its article spans and metadata.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
        fixes.append("utf8_bom_removed")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("line_ends_normalised")
    if force_html or looks_like_html(text):
        page = read_page(text)
        fixes.append("html_stripped")
        return page.text, page
    if HTML_ENTITY.search(text):
        unescaped = html.unescape(text)
        if unescaped != text:
            text = unescaped
            fixes.append("html_entities_unescaped")
    return text, None


def decode_bytes(data: bytes) -> tuple[str | None, list[str], str | None]:
    """Decode input bytes; returns (text, fixes, problem detail). Never guesses binary into text."""
    fixes: list[str] = []
    if b"\x00" in data[:8192]:
        return None, fixes, "binary content (NUL bytes): not a text file"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
            fixes.append("decoded_cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            fixes.append("decoded_latin1")
        log.info("not UTF-8 (%s): decoded as %s", exc.reason, fixes[-1])
    sample = text[:8192]
    if sample and len(CONTROL_CHARS.findall(sample)) > 0.05 * len(sample):
        return None, fixes, "binary content (control characters): not a text file"
    return text, fixes, None


def facts_of_text(
    fact: Fact,
    text: str | None,
    fixes: list[str],
    problem: str | None,
    reason: str = "binary",
    page: Page | None = None,
) -> Fact:
    """Fill the content facts of an input from its decoded text (and a web page's metadata, which
    fills only what a JSON Lines record does not state itself)."""
    fact.read = True
    if page is not None:
        fact.title = fact.title or page.title
        fact.byline = fact.byline or page.byline
        fact.url = fact.url or page.url
        fact.outlet = fact.outlet or page.sitename
        fact.page_date = page.date
    if problem:
        fact.reason, fact.detail = reason, problem
        return fact
    fact.fixes = ",".join(fixes) or None
    if text is None or not text.strip():
        fact.reason, fact.detail = "empty", "no text (empty or whitespace only): nothing to ingest"
        return fact
    fact.header_date = header_date_of(text)
    fact.doc_id = content_id(text)
    fact.sketch = sketch_of(text)
    return fact


# ---------------------------------------------------------------- reading inputs


def _stamp(st: os.stat_result) -> dict:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino}


def read_text_file(path: Path, is_html: bool = False) -> tuple[str | None, list[str], str | None, Page | None]:
    """(text, fixes, problem, web page or None) of a text or HTML file."""
    text, fixes, problem = decode_bytes(path.read_bytes())
    page = None
    if text is not None:
        text, page = fix_text(text, fixes, force_html=is_html)
    return text, fixes, problem, page


def facts_of_text_file(path: Path, rel: str, st: os.stat_result, max_bytes: int) -> Fact:
    fact = Fact(source_path=rel, source_name=path.name, file=rel, **_stamp(st))
    if st.st_size > max_bytes:
        fact.reason = "too_large"
        fact.detail = f"{st.st_size} bytes > limit {max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES to accept it"
        with path.open("rb") as fh:  # the date header only, so the quarantine row can name its day
            fact.header_date = header_date_of(fh.read(64).decode("utf-8", errors="ignore").lstrip("\ufeff"))
        return fact
    text, fixes, problem, page = read_text_file(path, is_html=rel.lower().endswith(HTML_SUFFIXES))
    return facts_of_text(fact, text, fixes, problem, page=page)


def _open_binary(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def decode_record_line(data: bytes) -> tuple[dict | None, list[str], str | None]:
    """One JSON Lines record: (record, fixes, problem)."""
    fixes: list[str] = []
    try:
        line = data.decode("utf-8")
    except UnicodeDecodeError:
        line = data.decode("cp1252", errors="replace")
        fixes.append("decoded_cp1252")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, fixes, f"not JSON ({exc}): fix or remove this line"
    if not isinstance(rec, dict):
        return None, fixes, f"a JSON {type(rec).__name__}, not an object with id, published_date, text"
    if rec.get("text") is not None and not isinstance(rec.get("text"), str):
        return None, fixes, "field 'text' is not a string"
    return rec, fixes, None


def _str_or_none(value) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def facts_of_jsonl(path: Path, rel: str, st: os.stat_result, max_bytes: int) -> Iterator[Fact]:
    """One fact per non-blank line of a JSON Lines export (gzip or not, told by the magic bytes)."""
    stamp = _stamp(st)
    offset = 0
    with _open_binary(path) as fh:
        for lineno, data in enumerate(fh, 1):
            start, offset = offset, offset + len(data)
            if not data.strip():
                continue
            where = f"{rel}#{lineno}"
            fact = Fact(where, where, rel, line=lineno, offset=start, length=len(data), **stamp)
            if len(data) > max_bytes:
                fact.reason = "too_large"
                fact.detail = f"record of {len(data)} bytes > limit {max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES"
                yield fact
                continue
            rec, fixes, problem = decode_record_line(data)
            if problem:
                yield facts_of_text(fact, None, fixes, problem, reason="bad_record")
                continue
            fact.source_name = _str_or_none(rec.get("id")) or where
            fact.record_date = _str_or_none(rec.get("published_date"))
            fact.outlet, fact.url = _str_or_none(rec.get("outlet")), _str_or_none(rec.get("url"))
            fact.title = _str_or_none(rec.get("title"))
            authors = rec.get("authors")
            fact.byline = _str_or_none(", ".join(map(str, authors)) if isinstance(authors, list) else authors)
            text, page = rec.get("text"), None
            if text is not None:
                text, page = fix_text(text, fixes)
            yield facts_of_text(fact, text, fixes, None, page=page)


def load_record_text(path: Path, facts: list[Fact]) -> dict[str, tuple[str, Page | None]]:
    """Texts of the given records of one JSON Lines file, reading only their bytes.

    A plain file is read by seeking to each record; a gzip file is decompressed up to the
    last record wanted (gzip has no random access), without parsing the other records.
    """
    out: dict[str, tuple[str, Page | None]] = {}
    with _open_binary(path) as fh:
        for fact in sorted(facts, key=lambda f: f.offset or 0):
            fh.seek(fact.offset)
            rec, fixes, _ = decode_record_line(fh.read(fact.length))
            if rec is not None and isinstance(rec.get("text"), str):
                out[fact.source_path] = fix_text(rec["text"], fixes)
    return out


@dataclass
class Listing:
    """The inputs of a source: regular files to read, and inputs that are problems by themselves."""

    root: Path
    files: dict[str, os.stat_result]
    problems: list[Fact]
    manifest: Path | None


def _is_input(name: str) -> bool:
    low = name.lower()
    return low.endswith(TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES)


def list_source(source: Path) -> Listing:
    """Walk a source without following links out of it; every input file or problem is listed.

    Uses `os.scandir` (file type and stat come with the directory entry), because this walk
    runs on every ingest and must stay cheap next to reading a date's files.
    """
    if source.is_file():
        root = source.parent.resolve()
        return Listing(root, {source.name: source.stat()}, [], None)
    if not source.is_dir():
        raise FileNotFoundError(
            f"source {source} is neither a folder nor a JSON Lines file: give a folder of .txt files or a .jsonl(.gz)"
        )
    root = source.resolve()
    files: dict[str, os.stat_result] = {}
    problems: list[Fact] = []
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                if entry.is_symlink():
                    problem = _link_problem(root, rel, entry)
                    if problem is not None:
                        problems.append(problem)
                        continue
                    if entry.is_dir():
                        log.info("folder link %s points inside the source; its files are read where they are", rel)
                        continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append((rel + "/", entry.path))
                elif rel == MANIFEST:
                    continue
                elif not _is_input(entry.name):
                    problems.append(
                        Fact(
                            rel,
                            entry.name,
                            rel,
                            reason="unsupported_type",
                            detail="not .txt, .html or .jsonl(.gz): convert it or move it out of the source",
                        )
                    )
                else:
                    files[rel] = entry.stat()
    manifest = root / MANIFEST
    return Listing(root, files, problems, manifest if manifest.is_file() else None)


def _link_problem(root: Path, rel: str, entry: os.DirEntry) -> Fact | None:
    """A link is followed only when it stays inside the source and its target exists."""
    target = Path(entry.path).resolve()
    if not target.is_relative_to(root):
        return Fact(
            rel,
            entry.name,
            rel,
            reason="outside_source",
            detail=f"link points outside the source folder ({target}); not followed",
        )
    if not target.exists():
        return Fact(rel, entry.name, rel, reason="missing_file", detail=f"broken link to {target}")
    return None


def read_manifest(listing: Listing) -> tuple[dict[str, str], list[Fact]]:
    """`file,published_date` rows keyed by normalised relative path, and the entries that are problems."""
    if listing.manifest is None:
        return {}, []
    entries: dict[str, str] = {}
    problems: list[Fact] = []
    with listing.manifest.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            return {}, [
                Fact(
                    MANIFEST,
                    MANIFEST,
                    MANIFEST,
                    reason="bad_manifest",
                    detail=f"header {reader.fieldnames}: expected columns file,published_date; manifest ignored",
                )
            ]
        listed = set(listing.files) | {p.source_path for p in listing.problems}
        for lineno, row in enumerate(reader, 2):
            name = (row.get("file") or "").strip()
            if not name:
                continue
            where = f"{MANIFEST}#{lineno}"
            # lexical, so an entry naming a link is the link (whose own check already ran), never its target
            rel = os.path.normpath(name.replace("\\", "/")).replace(os.sep, "/")
            if os.path.isabs(rel) or rel == ".." or rel.startswith("../"):
                problems.append(
                    Fact(
                        where,
                        name,
                        MANIFEST,
                        line=lineno,
                        reason="outside_source",
                        detail=f"manifest entry {name!r} escapes the source folder; not read",
                    )
                )
                continue
            if rel not in listed:
                problems.append(
                    Fact(
                        where,
                        name,
                        MANIFEST,
                        line=lineno,
                        record_date=(row.get("published_date") or "").strip() or None,
                        reason="missing_file",
                        detail=f"manifest names {name!r}, which is not in the source folder (paths are relative to it)",
                    )
                )
                continue
            entries[rel] = (row.get("published_date") or "").strip()
    return entries, problems


# ---------------------------------------------------------------- the index


DECISION_COLUMNS = ("day", "date_source", "decision", "decision_detail", "duplicate_of")


def _index_schema():
    import pyarrow as pa

    arrow = {"str": pa.string(), "str | None": pa.string(), "int": pa.int64(), "int | None": pa.int64()}
    arrow |= {"bool": pa.bool_(), "list[int]": pa.list_(pa.uint32())}
    cols = [pa.field(f.name, arrow[f.type]) for f in fields(Fact)]
    cols += [pa.field("from_file", pa.bool_()), pa.field("day", pa.date32())]
    cols += [pa.field(name, pa.string()) for name in DECISION_COLUMNS[1:]]
    return pa.schema(cols, metadata={"index_version": INDEX_VERSION})


def index_path_for(index_dir: Path, source: Path) -> Path:
    key = hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:12]
    return Path(index_dir) / f"ingest-{key}.parquet"


def fingerprint(listing: Listing, max_bytes: int) -> str:
    """Everything the decisions depend on besides file contents: file stamps, listing problems, manifest, limit."""
    h = hashlib.sha1(f"{INDEX_VERSION}|{max_bytes}".encode())
    for rel, st in sorted(listing.files.items()):
        h.update(f"|{rel}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}".encode())
    for p in listing.problems:
        h.update(f"|{p.source_path}:{p.reason}:{p.detail}".encode())
    if listing.manifest is not None:
        st = listing.manifest.stat()
        h.update(f"|manifest:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}".encode())
    return h.hexdigest()


def _read_index(path: Path | None, columns: list[str] | None = None):
    """The index table, or None when absent, unreadable or of another version (it is only a cache)."""
    if path is None or not path.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=columns)
    except Exception as exc:  # a corrupt cache must never stop a run
        log.warning("ingest index %s unreadable (%s): rebuilding it", path, exc)
        return None
    meta = pq.read_schema(path).metadata or {}
    return table if meta.get(b"index_version") == INDEX_VERSION.encode() else None


def stored_fingerprint(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        return (pq.read_schema(path).metadata or {}).get(b"fingerprint", b"").decode() or None
    except Exception:
        return None


def load_facts(path: Path | None) -> dict[str, list[Fact]]:
    """Cached facts of the input files, by file."""
    table = _read_index(path)
    if table is None:
        return {}
    names = [f.name for f in fields(Fact)]
    by_file: dict[str, list[Fact]] = defaultdict(list)
    for row in table.select(names + ["from_file"]).to_pylist():
        if row.pop("from_file"):
            by_file[row["file"]].append(Fact(**row))
    return dict(by_file)


def load_decisions(path: Path) -> list[Decision] | None:
    """The decisions stored by the last run over an unchanged source, without the heavy columns."""
    names = [f.name for f in fields(Fact) if f.name != "sketch"]
    table = _read_index(path, names + list(DECISION_COLUMNS))
    if table is None:
        return None
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    out = []
    for i in range(table.num_rows):
        fact = Fact(**{name: cols[name][i] for name in names})
        out.append(
            Decision(
                fact,
                cols["day"][i],
                cols["date_source"][i],
                cols["decision"][i],
                cols["decision_detail"][i],
                None,
                cols["duplicate_of"][i],
            )
        )
    return out


def save_index(path: Path, decisions: list[Decision], from_files: set[int], stamp: str) -> None:
    """Facts and decisions of every input, written atomically (concurrent runs each write a whole file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {f.name: [getattr(d.fact, f.name) for d in decisions] for f in fields(Fact)}
    columns["from_file"] = [id(d.fact) in from_files for d in decisions]
    columns["day"] = [d.day for d in decisions]
    columns["date_source"] = [d.date_source for d in decisions]
    columns["decision"] = [d.reason for d in decisions]
    columns["decision_detail"] = [d.detail for d in decisions]
    columns["duplicate_of"] = [d.duplicate_of for d in decisions]
    table = pa.Table.from_pydict(columns, schema=_index_schema()).replace_schema_metadata(
        {"index_version": INDEX_VERSION, "fingerprint": stamp}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _same_stamp(cached: list[Fact], st: os.stat_result) -> bool:
    c = cached[0]
    return (c.size, c.mtime_ns, c.ctime_ns, c.ino) == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def gather_facts(listing: Listing, max_bytes: int, cached: dict[str, list[Fact]]) -> tuple[list[Fact], dict]:
    """Facts for every input file: from the cache when its stamp is unchanged, else read now."""
    facts: list[Fact] = []
    stats = {"files": len(listing.files), "files_read": 0, "files_cached": 0}
    for rel, st in sorted(listing.files.items()):
        hit = cached.get(rel)
        # an input skipped as too large is re-read once the limit allows it
        if hit and _same_stamp(hit, st) and not any(f.reason == "too_large" and f.size <= max_bytes for f in hit):
            facts.extend(hit)
            stats["files_cached"] += 1
            continue
        path = listing.root / rel
        stats["files_read"] += 1
        if rel.lower().endswith(JSONL_SUFFIXES):
            facts.extend(facts_of_jsonl(path, rel, st, max_bytes))
        else:
            facts.append(facts_of_text_file(path, rel, st, max_bytes))
    return facts, stats


# ---------------------------------------------------------------- decisions


@dataclass
class Decision:
    fact: Fact
    day: dt.date | None
    date_source: str | None
    reason: str | None = None
    detail: str | None = None
    duplicate_of_exact: str | None = None  # source_path of the copy kept
    duplicate_of: str | None = None  # doc_id of an earlier near-duplicate


def decide_date(fact: Fact, manifest: dict[str, str]) -> tuple[dt.date | None, str | None, str | None]:
    """(day, date_source, problem) in order: manifest entry / record field, a web page's own date, in-text header."""
    given, source = (manifest.get(fact.file), "manifest") if fact.line is None else (fact.record_date, "record")
    if given:
        day, problem = parse_date(given)
        return day, source, problem and f"{source} date: {problem}"
    if fact.page_date is not None:
        day, problem = parse_date(fact.page_date)
        return day, "page", problem and f"the page's date (meta tags or markup): {problem}"
    if fact.header_date is not None:
        day, problem = parse_date(fact.header_date)
        return day, "text_header", problem and f"in-text date header: {problem}"
    return None, None, None


def _too_large(fact: Fact, max_bytes: int) -> bool:
    if fact.reason == "too_large":
        return True
    size = fact.length if fact.offset is not None else fact.size
    return bool(fact.read and size and size > max_bytes)


def decide(facts: list[Fact], manifest: dict[str, str], max_bytes: int) -> list[Decision]:
    """Date, quarantine reason, exact and near duplicates of every input, from facts alone."""
    decisions = []
    for fact in facts:
        day, date_source, problem = decide_date(fact, manifest)
        d = Decision(fact, day, date_source)
        if _too_large(fact, max_bytes):
            d.reason = "too_large"
            d.detail = f"{max(fact.size, fact.length or 0)} bytes > limit {max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES"
        elif fact.reason:
            d.reason, d.detail = fact.reason, fact.detail
        elif problem:
            d.reason, d.detail, d.day = "bad_date", problem + "; fix the date, it is not guessed into a partition", None
        elif day is None:
            d.reason = "no_date"
            d.detail = "no manifest entry, record field or in-text date header: add it to manifest.csv"
        decisions.append(d)
    mark_exact_duplicates(decisions)
    link_near_duplicates([d for d in decisions if d.reason is None])
    return decisions


def _order(d: Decision) -> tuple:
    return (d.day or dt.date.max, d.fact.source_path)


def mark_exact_duplicates(decisions: list[Decision]) -> None:
    """Same content id: keep the earliest by (date, path); the others become `duplicate` rows."""
    groups: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.reason is None and d.fact.doc_id:
            groups[d.fact.doc_id].append(d)
    for group in groups.values():
        group.sort(key=_order)
        for d in group[1:]:
            d.reason = "duplicate"
            d.duplicate_of_exact = group[0].fact.source_path
            d.detail = f"same content as {group[0].fact.source_path} (doc_id {d.fact.doc_id}); kept once"


def link_near_duplicates(docs: list[Decision]) -> None:
    """Link each document to the earliest (date, doc_id) story of the previous days that shares most of its text.

    Only documents that are not themselves linked are targets, so chains never form and the
    answer depends only on the set of documents, not on the order or grouping of runs.
    """
    docs = sorted(docs, key=lambda d: (d.day, d.fact.doc_id))
    postings: dict[int, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        for h in d.fact.sketch:
            postings[h].append(i)
    sizes = [len(d.fact.sketch) for d in docs]
    ordinals = [d.day.toordinal() for d in docs]
    for i, d in enumerate(docs):
        if sizes[i] < NEAR_DUP_MIN_SHARED:
            continue
        first = bisect.bisect_left(ordinals, ordinals[i] - NEAR_DUP_MAX_DAYS)  # earliest document in the window
        shared: dict[int, int] = defaultdict(int)
        for h in d.fact.sketch:
            post = postings[h]
            if len(post) == 1:
                continue
            window = post[bisect.bisect_left(post, first) : bisect.bisect_left(post, i)]
            if len(window) > MAX_POSTING:
                continue  # in that many stories of the same days: page furniture, not story text
            for j in window:
                shared[j] += 1
        for j in sorted(shared):
            n = shared[j]
            if (
                docs[j].duplicate_of is None
                and n >= NEAR_DUP_MIN_SHARED
                and n >= NEAR_DUP_CONTAINMENT * min(sizes[i], sizes[j])
            ):
                d.duplicate_of = docs[j].fact.doc_id
                break


# ---------------------------------------------------------------- the run


def quarantine_row(d: Decision) -> dict:
    return {
        "source_name": d.fact.source_name,
        "source_path": d.fact.source_path,
        "published_date": d.day,
        "reason": d.reason,
        "detail": d.detail,
    }


def load_texts(root: Path, chosen: list[Decision]) -> dict[str, tuple[str, Page | None]]:
    """The texts (and web pages) of the chosen inputs, reading only their files (or their records' bytes)."""
    texts: dict[str, tuple[str, Page | None]] = {}
    records: dict[str, list[Fact]] = defaultdict(list)
    for d in chosen:
        if d.fact.line is None:
            text, _, _, page = read_text_file(root / d.fact.file, is_html=d.fact.file.lower().endswith(HTML_SUFFIXES))
            if text is not None:
                texts[d.fact.source_path] = (text, page)
        else:
            records[d.fact.file].append(d.fact)
    for file, facts in records.items():
        texts.update(load_record_text(root / file, facts))
    return texts


def document_row(d: Decision, text: str, page: Page | None = None) -> dict:
    return {
        "doc_id": d.fact.doc_id,
        "published_date": d.day,
        "source_name": d.fact.source_name,
        "source_path": d.fact.source_path,
        "date_source": d.date_source,
        "outlet": d.fact.outlet,
        "url": d.fact.url,
        "title": d.fact.title,
        "byline": d.fact.byline,
        "dateline_place": None,
        "input_fixes": d.fact.fixes,
        "duplicate_of": d.duplicate_of,
        "raw_text": text,
        "article_spans": (
            [{"start": s, "end": e} for s, e in page.article_spans] if page and page.article_spans else None
        ),
    }


_DECISIONS_LOADED: dict[tuple[str, str], list[Decision]] = {}


def _loaded_decisions(index_path: Path, stamp: str) -> list[Decision] | None:
    """load_decisions, kept in this process per (index, fingerprint): a backfill ingests date
    after date from one unchanged source, and reading the whole index again for each date made
    ingest grow with the source (44 ms a date at 5,214 records, 1,806 dates). The fingerprint
    is checked before every use, so a changed source is never served from memory."""
    key = (str(index_path), stamp)
    found = _DECISIONS_LOADED.get(key)
    if found is None:
        found = load_decisions(index_path)
        if found is not None:
            _DECISIONS_LOADED.clear()  # one source at a time is what runs; keep memory bounded
            _DECISIONS_LOADED[key] = found
    return found


def scan(source: Path, max_bytes: int, index_dir: Path | None = None) -> tuple[Listing, list[Decision], dict]:
    """Every input of the source with its decision.

    With an index: when nothing the decisions depend on changed (same fingerprint), the stored
    decisions are used and no input is read; otherwise unchanged files' facts are reused,
    changed files are read again, everything is decided again and the index rewritten.
    """
    listing = list_source(Path(source))
    index_path = index_path_for(index_dir, Path(source)) if index_dir is not None else None
    stamp = fingerprint(listing, max_bytes)
    stats = {"files": len(listing.files), "files_read": 0, "files_cached": 0, "index": None, "index_hit": False}
    if index_path is not None:
        stats["index"] = str(index_path)
        if stored_fingerprint(index_path) == stamp:
            decisions = _loaded_decisions(index_path, stamp)
            if decisions is not None:
                stats["files_cached"], stats["index_hit"] = len(listing.files), True
                return listing, decisions, stats
    facts, read_stats = gather_facts(listing, max_bytes, load_facts(index_path))
    stats |= read_stats
    manifest, manifest_problems = read_manifest(listing)
    decisions = decide(facts + listing.problems + manifest_problems, manifest, max_bytes)
    if index_path is not None:
        save_index(index_path, decisions, {id(f) for f in facts}, stamp)
    return listing, decisions, stats


def ingest(
    source: Path, max_bytes: int, dates: set[dt.date] | None = None, index_dir: Path | None = None
) -> IngestResult:
    """Documents whose date is in `dates` (all when None) and the whole source's quarantine.

    The quarantine covers the whole source because its file is rewritten whole by every run.
    Counts cover the selected dates (undated inputs count only when `dates` is None);
    `source_counts` covers the whole source, and both satisfy inputs = documents + duplicates + quarantined.
    """
    listing, decisions, stats = scan(source, max_bytes, index_dir)
    chosen = [d for d in decisions if d.reason is None and (dates is None or d.day in dates)]
    texts = load_texts(listing.root, chosen)
    documents = []
    for d in chosen:
        text, page = texts.get(d.fact.source_path, (None, None))
        if text is None or content_id(text) != d.fact.doc_id:
            # changed between the scan and now: never publish text the decisions were not made on
            raise RuntimeError(f"{d.fact.source_path} changed while ingesting; rerun the task")
        documents.append(document_row(d, text, page))
    documents.sort(key=lambda r: r["doc_id"])
    quarantine = sorted(
        (quarantine_row(d) for d in decisions if d.reason is not None), key=lambda r: (r["source_path"], r["reason"])
    )
    selected = [d for d in decisions if (dates is None or d.day in dates)]
    duplicates = sum(1 for d in selected if d.reason == "duplicate")
    quarantined = sum(1 for d in selected if d.reason not in (None, "duplicate"))
    source_counts = {
        "inputs": len(decisions),
        "documents": sum(1 for d in decisions if d.reason is None),
        "near_duplicates": sum(1 for d in decisions if d.reason is None and d.duplicate_of),
        "duplicates": sum(1 for d in decisions if d.reason == "duplicate"),
        "quarantined": sum(1 for d in decisions if d.reason not in (None, "duplicate")),
    }
    return IngestResult(
        documents=documents,
        quarantine=quarantine,
        inputs=len(selected),
        duplicates=duplicates,
        quarantined=quarantined,
        source_counts=source_counts,
        index=stats,
    )


def publication_dates(source: Path, max_bytes: int, index_dir: Path | None = None) -> list[dt.date]:
    """The distinct valid publication dates of the documents in a source."""
    _, decisions, _ = scan(source, max_bytes, index_dir)
    return sorted({d.day for d in decisions if d.reason is None})
