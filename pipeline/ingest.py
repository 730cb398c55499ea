"""Ingest: turn a source (a folder of .txt files with an optional manifest.csv, JSON Lines
exports, or both) into document records with a publication date, and account for every input.

Every input ends as exactly one of: a document, an exact duplicate of a document (a
`quarantine` row with reason `duplicate`, counted under `duplicates`), or a quarantine row
with another reason. Nothing is dropped silently: `inputs = documents + duplicates + quarantined`.
One bad input never stops the source: whatever its bytes (cut-off or corrupt gzip, lone
surrogates, absurd nesting, a FIFO, a file we may not read), it is one quarantine row naming
the file and the line, and reading stays bounded in memory and time (`Limits`, `read_lines`).

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
import codecs
import csv
import datetime as dt
import gzip
import hashlib
import html
import io
import json
import logging
import os
import re
import stat
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
INDEX_VERSION = "5"  # 3: reading limits and new quarantine reasons; 4: page_date (web pages); 5: no_date hints
GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CHUNK = 1 << 20  # bytes decoded at a time from a JSON Lines file
RECORD_START = re.compile(rb"\S[^\n]*")  # a non-blank line, from its first non-blank byte
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_MANIFEST_BYTES = 64 << 20

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
    record_id: str | None = None  # a JSON Lines record's own `id`
    chars: int | None = None  # characters of the text as read (raw_text)
    clean_chars: int | None = None  # characters once cleaned, measured only when `chars` is over the limit
    cut: int | None = None  # the decompressed-size limit at which reading this file stopped
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


@dataclass(frozen=True)
class Limits:
    """The bounds ingest applies while reading and deciding (docs/operations.md lists them)."""

    max_bytes: int  # a text file, or one JSON Lines record (NEWSEVENTS_MAX_FILE_BYTES)
    max_decompressed_bytes: int  # one JSON Lines file once decompressed
    max_article_chars: int  # the cleaned text spaCy would see
    max_future_days: int
    latest_day: dt.date  # publication dates after it are `future_date`

    @classmethod
    def from_env(cls, max_bytes: int) -> Limits:
        """max_bytes as given (it has a flag); the others from their NEWSEVENTS_* settings.

        The latest day is today (UTC) + NEWSEVENTS_MAX_FUTURE_DAYS: a date further ahead is a
        placeholder or an error, and publishing it would make a partition no schedule reaches."""
        from pipeline.config import Settings

        s = Settings()
        today = dt.datetime.now(dt.UTC).date()
        days = min(s.max_future_days, (dt.date.max - today).days)
        return cls(
            max_bytes, s.max_decompressed_bytes, s.max_article_chars, s.max_future_days, today + dt.timedelta(days=days)
        )

    def key(self) -> str:
        return f"{self.max_bytes}|{self.max_decompressed_bytes}|{self.max_article_chars}|{self.latest_day}"


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


def decode_bytes(data: bytes) -> tuple[str | None, list[str], str | None, str | None]:
    """Decode a text file's bytes: (text, fixes, reason, problem). Never guesses binary into text.

    UTF-16 is told by its byte order mark only (without one, its NUL bytes make it binary);
    NUL bytes are looked for in the whole file, not a sample, because one NUL anywhere means
    the file is not the text it claims to be."""
    fixes: list[str] = []
    if data[:2] in UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            return (
                None,
                fixes,
                "bad_encoding",
                (
                    f"starts with a UTF-16 byte order mark but is not UTF-16 ({exc.reason} at byte {exc.start}): "
                    "re-save it as UTF-8"
                ),
            )
        fixes.append("decoded_utf16")
        nul = text.find("\x00")
        if nul >= 0:
            return None, fixes, "binary", f"binary content (NUL character at character {nul}): not a text file"
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            return None, fixes, "binary", f"binary content (NUL byte at byte {nul}): not a text file"
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
        return None, fixes, "binary", "binary content (control characters): not a text file"
    return text, fixes, None, None


def measure(fact: Fact, text: str, max_chars: int) -> None:
    """Record the length spaCy would see. Cleaning only deletes spans, so the cleaned text is
    never longer than the raw one: only a raw text over the limit is cleaned here to learn
    whether what is left still is (the clean stage does the same cleaning again later)."""
    fact.chars = len(text)
    if fact.chars > max_chars:
        from pipeline.clean import clean_text

        fact.clean_chars = len(clean_text(text, fact.title)[0])


def facts_of_text(
    fact: Fact,
    text: str | None,
    fixes: list[str],
    problem: str | None,
    reason: str = "binary",
    max_chars: int | None = None,
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
    if max_chars is not None:
        measure(fact, text, max_chars)
    return fact


# ---------------------------------------------------------------- reading inputs


class NotRegularFile(OSError):
    """A FIFO, socket or device where a file was expected: opening or reading it may block forever."""


def open_regular(path: Path):
    """Open a file for reading only if it is a regular file, without ever blocking.

    O_NONBLOCK makes opening a FIFO return at once (a plain open waits for a writer forever);
    fstat on the descriptor then checks the very file opened, so a file swapped for a FIFO
    after the listing is refused too. O_NONBLOCK has no effect on reading a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{path} is a {_kind_of(mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device")):
        if test(mode):
            return name
    return "block device" if stat.S_ISBLK(mode) else "special file"


def _stamp(st: os.stat_result) -> dict:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino}


def unreadable(fact: Fact, exc: OSError) -> Fact:
    """An input the operating system would not let us read: a quarantine row that says why."""
    if isinstance(exc, NotRegularFile):
        fact.reason = "not_regular_file"
        fact.detail = f"{exc.args[0].rsplit(' is a ', 1)[-1]}: never opened; move it out of the source"
    elif isinstance(exc, FileNotFoundError):
        fact.reason, fact.detail = "missing_file", "removed while the source was read; rerun"
    else:
        fact.reason = "unreadable"
        fact.detail = f"cannot be read ({exc.strerror or exc}): check its permissions (chmod u+r) or move it out"
    return fact


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes of a regular file: a file that grew past the limit after it
    was listed is still never read whole."""
    with open_regular(path) as fh:
        return fh.read(max_bytes + 1)


def read_text_file(
    path: Path, max_bytes: int, is_html: bool = False
) -> tuple[str | None, list[str], str | None, str | None, Page | None]:
    """(text, fixes, reason, problem, web page or None) of a text or HTML file; larger than
    max_bytes is too_large."""
    data = read_bounded(path, max_bytes)
    if len(data) > max_bytes:
        problem = f"grew past {max_bytes} bytes while being read; raise NEWSEVENTS_MAX_FILE_BYTES"
        return None, [], "too_large", problem, None
    text, fixes, reason, problem = decode_bytes(data)
    page = None
    if text is not None:
        text, page = fix_text(text, fixes, force_html=is_html)
    return text, fixes, reason, problem, page


def facts_of_text_file(path: Path, rel: str, st: os.stat_result, limits: Limits) -> Fact:
    fact = Fact(source_path=rel, source_name=path.name, file=rel, **_stamp(st))
    try:
        if st.st_size > limits.max_bytes:
            fact.reason = "too_large"
            fact.detail = f"{st.st_size} bytes > limit {limits.max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES to accept it"
            with open_regular(path) as fh:  # the date header only, so the quarantine row can name its day
                head = fh.read(128)
            fact.header_date = header_date_of(head.decode("utf-16" if head[:2] in UTF16_BOMS else "utf-8", "ignore"))
            return fact
        text, fixes, reason, problem, page = read_text_file(
            path, limits.max_bytes, is_html=rel.lower().endswith(HTML_SUFFIXES)
        )
    except OSError as exc:
        return unreadable(fact, exc)
    return facts_of_text(fact, text, fixes, problem, reason or "binary", limits.max_article_chars, page=page)


class DecodedStream:
    """The bytes of one JSON Lines file as its records are read: gunzipped when it starts with
    the gzip magic (whatever its name), UTF-16 (told by its byte order mark) transcoded to
    UTF-8 so that a line ends at the same b"\\n" whatever the encoding, and cut after `limit`
    bytes so that a small file cannot become an unbounded read. Offsets are in these bytes."""

    def __init__(self, path: Path, limit: int):
        self.raw = open_regular(path)
        head = self.raw.read(2)
        self.raw.seek(0)
        self.gzip = head == GZIP_MAGIC
        self._src = gzip.GzipFile(fileobj=self.raw, mode="rb") if self.gzip else self.raw
        self._decoder = None if self.gzip or head not in UTF16_BOMS else _utf16_decoder()
        self._started = not self.gzip
        self.limit, self.total, self.cut = limit, 0, False
        self._buffer = bytearray()

    @property
    def fixes(self) -> list[str]:
        return ["decoded_utf16"] if self._decoder is not None else []

    @property
    def seekable(self) -> bool:
        """Offsets are positions in the file itself: plain, not gzip, not transcoded."""
        return not self.gzip and self._decoder is None

    def __enter__(self) -> DecodedStream:
        return self

    def __exit__(self, *exc) -> None:
        self.raw.close()

    def read(self, n: int = CHUNK) -> bytes:
        """Up to about n decoded bytes; b"" at the end or once the limit is reached (then `cut`)."""
        if self.cut:
            return b""
        while True:
            # read1: one read of the file (a gzip member's data comes before the check of its
            # end, which raises; read(n) would read on to the end and lose the data)
            data = self._src.read1(n)
            if not self._started:  # a gzip file's encoding is known only once decompressed
                self._started = True
                if data[:2] in UTF16_BOMS:
                    self._decoder = _utf16_decoder()
            if self._decoder is not None:
                out = self._decoder.decode(data, final=not data).encode("utf-8", "surrogatepass")
                if not out and data:
                    continue  # a lone byte of a UTF-16 unit: read on
                data = out
            break
        room = self.limit - self.total
        if len(data) > room:
            data, self.cut = data[:room], True
        self.total += len(data)
        return data

    def take(self, n: int) -> bytes:
        """Exactly n decoded bytes (fewer only at the end)."""
        while len(self._buffer) < n:
            data = self.read(max(CHUNK, n - len(self._buffer)))
            if not data:
                break
            self._buffer += data
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    def skip(self, n: int) -> None:
        while n > 0:
            got = len(self.take(min(n, CHUNK)))
            if not got:
                raise EOFError("the file ends before the record")
            n -= got


def _utf16_decoder():
    # surrogatepass: a lone surrogate survives transcoding, so its record (not the whole rest
    # of the file) is quarantined, with the field and position named
    return codecs.getincrementaldecoder("utf-16")("surrogatepass")


@dataclass
class Line:
    """One non-blank line of a JSON Lines file: from its first non-blank byte to its newline."""

    number: int
    offset: int
    length: int
    data: bytes | None  # None when longer than the limit: never held in memory


class StreamBroken(Exception):
    """Reading stopped before the end of the file: at which line, and why (None: the size limit)."""

    def __init__(self, line: int, cause: BaseException | None):
        super().__init__(f"stopped at line {line}: {cause or 'size limit'}")
        self.line, self.cause = line, cause


STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError, OSError)


def read_lines(stream: DecodedStream, max_line: int) -> Iterator[Line]:
    """The non-blank lines of a stream, read CHUNK bytes at a time.

    Memory stays under one chunk plus max_line: a longer line is counted, not kept (its `data`
    is None). Blank lines cost no Python work each: the lines of a chunk are found with one
    regex scan and line numbers with `bytes.count`, so a file of newlines reads at the speed of
    decompression. Raises StreamBroken at the line where the stream broke or was cut."""
    number, pos = 1, 0  # the number of the next line to start; the offset of the chunk read
    open_start = open_number = open_len = None  # a line the last chunk ended in
    kept = bytearray()
    while True:
        try:
            chunk = stream.read()
        except STREAM_ERRORS as exc:
            raise StreamBroken(number if open_number is None else open_number, exc) from exc
        if not chunk:
            break
        i = 0
        if open_start is not None:
            nl = chunk.find(b"\n")
            end = len(chunk) if nl < 0 else nl
            if open_len + end <= max_line:
                kept += chunk[:end]
            open_len += end
            if nl < 0:
                pos += len(chunk)
                continue
            line = _finish(open_number, open_start, open_len, kept, max_line)
            if line is not None:
                yield line
            open_start = open_number = open_len = None
            kept = bytearray()
            number += 1
            i = nl + 1
        last = chunk.rfind(b"\n")
        if last >= i:
            cursor = i
            for m in RECORD_START.finditer(chunk, i, last):
                number += chunk.count(b"\n", cursor, m.start())
                cursor = m.start()
                start, end = m.span()
                yield Line(number, pos + start, end - start, chunk[start:end] if end - start <= max_line else None)
            number += chunk.count(b"\n", cursor, last + 1)
            i = last + 1
        if i < len(chunk):
            open_start, open_number, open_len = pos + i, number, len(chunk) - i
            kept = bytearray(chunk[i:] if open_len <= max_line else b"")
        pos += len(chunk)
    if stream.cut:
        raise StreamBroken(number if open_number is None else open_number, None)
    if open_start is not None:
        line = _finish(open_number, open_start, open_len, kept, max_line)
        if line is not None:
            yield line


def _finish(number: int, start: int, length: int, kept: bytearray, max_line: int) -> Line | None:
    """A line that spanned chunks; None when blank."""
    if length > max_line:
        return Line(number, start, length, None)
    data = bytes(kept).lstrip()
    if not data.strip():
        return None
    return Line(number, start + length - len(data), len(data), data)


def _json_type(value) -> str:
    names = {dict: "object", list: "array", bool: "boolean", str: "string", type(None): "null"}
    return names.get(type(value), "number")


def _text_problem(name: str, value: str) -> tuple[str, str] | None:
    """(reason, detail) when a string cannot be stored as text: a NUL or a lone surrogate."""
    nul = value.find("\x00")
    if nul >= 0:
        return "binary", f"field {name!r} holds a NUL character (\\u0000) at character {nul}: not text; fix the export"
    m = SURROGATE.search(value)
    if m:
        return "bad_record", (
            f"field {name!r} holds a lone UTF-16 surrogate (\\u{ord(m.group()):04x}) at character {m.start()}: "
            "not valid Unicode, it cannot be stored; fix the export"
        )
    return None


def _as_text(rec: dict, name: str, fixes: list[str]) -> tuple[str | None, tuple[str, str] | None]:
    """A metadata field as text: a string as given, a number as its JSON spelling (fix
    `<field>_number_as_text`, except for `id`, where numbers are the norm), anything else refused:
    there is no faithful text for an object or a list, and a Python repr is never stored."""
    value = rec.get(name)
    if isinstance(value, bool | dict | list):
        return None, ("bad_record", f"field {name!r} is a JSON {_json_type(value)}, not text: fix the export")
    if isinstance(value, int | float):
        if name != "id":
            fixes.append(f"{name}_number_as_text")
        return json.dumps(value), None
    if isinstance(value, str):
        return _str_or_none(value), _text_problem(name, value)
    return None, None


def _authors(rec: dict) -> tuple[str | None, tuple[str, str] | None]:
    """`authors` as one byline: a string, or a list of strings joined by ', '."""
    value = rec.get("authors")
    if value is None or isinstance(value, str):
        return _str_or_none(value), _text_problem("authors", value) if value else None
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        joined = ", ".join(a.strip() for a in value if a.strip())
        return _str_or_none(joined), _text_problem("authors", joined)
    shown = (
        _json_type(value)
        if not isinstance(value, list)
        else "array holding a " + next(_json_type(a) for a in value if not isinstance(a, str))
    )
    return None, ("bad_record", f"field 'authors' is a JSON {shown}, not names as text: fix the export")


def decode_record_line(data: bytes) -> tuple[dict | None, list[str], str | None, str | None]:
    """One JSON Lines record: (record, fixes, reason, problem)."""
    fixes: list[str] = []
    nul = data.find(b"\x00")
    if nul >= 0:
        return (
            None,
            fixes,
            "binary",
            f"NUL byte at byte {nul} of the line: binary data, not a JSON record; fix the export",
        )
    try:
        line = data.decode("utf-8")
    except UnicodeDecodeError:
        try:  # lone surrogates (from UTF-16, or encoded as such): the record check below names them
            line = data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            line = data.decode("cp1252", errors="replace")
            fixes.append("decoded_cp1252")
    if line.startswith("\ufeff"):
        line = line[1:]
        fixes.append("utf8_bom_removed")
    try:
        rec = json.loads(line)
    except RecursionError:
        return (
            None,
            fixes,
            "bad_record",
            "JSON nested deeper than the parser allows: not an article record; fix or remove this line",
        )
    except json.JSONDecodeError as exc:
        return None, fixes, "bad_record", f"not JSON ({exc}): fix or remove this line"
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        what = "a number with more digits than allowed (4,300)" if "digits" in str(exc) else f"JSON refused ({exc})"
        return None, fixes, "bad_record", f"{what}: not an article record; fix or remove this line"
    if not isinstance(rec, dict):
        return None, fixes, "bad_record", f"a JSON {_json_type(rec)}, not an object with id, published_date, text"
    text = rec.get("text")
    if text is not None and not isinstance(text, str):
        return None, fixes, "bad_record", f"field 'text' is a JSON {_json_type(text)}, not a string"
    if isinstance(text, str) and (problem := _text_problem("text", text)):
        return None, fixes, *problem
    return rec, fixes, None, None


def _str_or_none(value) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def fact_of_line(line: Line, rel: str, stamp: dict, limits: Limits, file_fixes: list[str]) -> Fact:
    where = f"{rel}#{line.number}"
    fact = Fact(where, where, rel, line=line.number, offset=line.offset, length=line.length, **stamp)
    if line.data is None or line.length > limits.max_bytes:
        fact.reason = "too_large"
        fact.detail = f"record of {line.length} bytes > limit {limits.max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES"
        return fact
    rec, fixes, reason, problem = decode_record_line(line.data)
    fixes = file_fixes + fixes
    if problem:
        return facts_of_text(fact, None, fixes, problem, reason=reason)
    values = {}
    for name in ("id", "published_date", "outlet", "url", "title"):
        values[name], problem = _as_text(rec, name, fixes)
        if problem:
            return facts_of_text(fact, None, fixes, problem[1], reason=problem[0])
    fact.byline, problem = _authors(rec)
    if problem:
        return facts_of_text(fact, None, fixes, problem[1], reason=problem[0])
    fact.record_id = values["id"]
    fact.source_name = values["id"] or where
    fact.record_date, fact.outlet, fact.url, fact.title = (
        values[k] for k in ("published_date", "outlet", "url", "title")
    )
    text, page = rec.get("text"), None
    if text is not None:
        text, page = fix_text(text, fixes)
    return facts_of_text(fact, text, fixes, None, max_chars=limits.max_article_chars, page=page)


def facts_of_jsonl(path: Path, rel: str, st: os.stat_result, limits: Limits) -> list[Fact]:
    """One fact per non-blank line of a JSON Lines export, read in bounded chunks; a broken or
    oversized stream adds one fact at the line where reading stopped (see `broken_stream`)."""
    stamp = _stamp(st)
    facts: list[Fact] = []
    try:
        with DecodedStream(path, limits.max_decompressed_bytes) as stream:
            for line in read_lines(stream, limits.max_bytes):
                facts.append(fact_of_line(line, rel, stamp, limits, stream.fixes))
    except StreamBroken as broken:
        return broken_stream(facts, broken, rel, stamp, limits)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # a gzip header that does not even start
        return broken_stream(facts, StreamBroken(1, exc), rel, stamp, limits)
    except OSError as exc:
        return [unreadable(Fact(rel, path.name, rel, **stamp), exc)]
    return facts


def broken_stream(facts: list[Fact], broken: StreamBroken, rel: str, stamp: dict, limits: Limits) -> list[Fact]:
    """The facts of a file whose reading stopped early.

    A cut-off (truncated) stream, bad compressed data or undecodable UTF-16 mid-file, or the
    size limit: the complete records before the break were decoded without error and stay;
    one `truncated` / `corrupt_gzip` / `bad_encoding` / `too_large` fact stands for the line
    where reading stopped and everything after it. A CRC or length mismatch is found only at
    the end and means the decompressed bytes are not those that were compressed: no record
    of the file can be trusted, so every one is quarantined (`corrupt_gzip`)."""
    where = f"{rel}#{broken.line}"
    stop = Fact(where, where, rel, line=broken.line, **stamp)
    exc = broken.cause
    if exc is None:
        stop.reason, stop.cut = "too_large", limits.max_decompressed_bytes
        stop.detail = (
            f"{rel} holds more than {limits.max_decompressed_bytes} bytes once decompressed: read up to line "
            f"{broken.line}, the rest is not; split the export or raise NEWSEVENTS_MAX_DECOMPRESSED_BYTES"
        )
    elif isinstance(exc, gzip.BadGzipFile) and ("CRC check" in str(exc) or "Incorrect length" in str(exc)):
        detail = f"{rel} fails its gzip check ({exc}): its content is not what was compressed, so none of its records is published; re-download or re-export it"
        for f in facts:
            f.reason, f.detail, f.doc_id, f.sketch = "corrupt_gzip", detail, None, []
        if facts:
            return facts
        stop.reason, stop.detail = "corrupt_gzip", detail
    elif isinstance(exc, EOFError):
        stop.reason = "truncated"
        stop.detail = f"{rel} is cut off: its gzip stream ends in line {broken.line}; the records before it were read, this one and any after it are lost; re-export or re-download it"
    elif isinstance(exc, UnicodeDecodeError):
        stop.reason = "bad_encoding"
        stop.detail = f"{rel} is not valid UTF-16 from line {broken.line} on ({exc.reason}); the records before it were read; re-save it as UTF-8"
    elif isinstance(exc, zlib.error | gzip.BadGzipFile):
        stop.reason = "corrupt_gzip"
        stop.detail = f"{rel} has bad compressed data in line {broken.line} ({exc}); the records before it were read, the rest is not; re-export or re-download it"
    else:
        unreadable(stop, exc)
        stop.detail = f"reading {rel} failed at line {broken.line}: {stop.detail}"
    return facts + [stop]


def load_record_text(path: Path, facts: list[Fact], limits: Limits) -> dict[str, tuple[str, Page | None]]:
    """Texts of the given records of one JSON Lines file, reading only their bytes.

    A plain UTF-8 file is read by seeking to each record; a gzip or UTF-16 file is decoded up
    to the last record wanted (no random access), without parsing the other records."""
    out: dict[str, tuple[str, Page | None]] = {}
    with DecodedStream(path, limits.max_decompressed_bytes) as stream:
        pos = 0
        for fact in sorted(facts, key=lambda f: f.offset or 0):
            if stream.seekable:
                stream.raw.seek(fact.offset)
                data = stream.raw.read(fact.length)
            else:
                stream.skip(fact.offset - pos)
                data = stream.take(fact.length)
                pos = fact.offset + fact.length
            rec, fixes, _, _ = decode_record_line(data)
            if rec is not None and isinstance(rec.get("text"), str):
                out[fact.source_path] = fix_text(rec["text"], fixes)  # (text, web page or None)
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


def is_jsonl_name(name: str) -> bool:
    """A JSON Lines export by its name: .jsonl or .ndjson, gzipped or not."""
    return name.lower().endswith(JSONL_SUFFIXES)


def list_source(source: Path) -> Listing:
    """Walk a source without following links out of it; every input file or problem is listed.

    Uses `os.scandir` (file type and stat come with the directory entry), because this walk
    runs on every ingest and must stay cheap next to reading a date's files. Only regular
    files are ever opened: a FIFO, socket or device is a `not_regular_file` problem (opening
    a FIFO blocks until someone writes to it), a folder that cannot be listed is `unreadable`.
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
    manifest: Path | None = None
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            rel = prefix.rstrip("/") or "."
            problems.append(unreadable(Fact(rel, Path(folder).name, rel), exc))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            if entry.is_symlink():
                problem = _link_problem(root, rel, entry)
                if problem is not None:
                    problems.append(problem)
                    continue
            try:
                st = entry.stat()  # a link (inside the source, checked above) is followed
            except OSError as exc:
                problems.append(unreadable(Fact(rel, entry.name, rel), exc))
                continue
            if stat.S_ISDIR(st.st_mode):
                if entry.is_symlink():
                    log.info("folder link %s points inside the source; its files are read where they are", rel)
                else:
                    pending.append((rel + "/", entry.path))
            elif not stat.S_ISREG(st.st_mode):
                problems.append(
                    Fact(
                        rel,
                        entry.name,
                        rel,
                        reason="not_regular_file",
                        detail=f"a {_kind_of(st.st_mode)}, not a regular file: never opened; move it out of the source",
                    )
                )
            elif rel == MANIFEST:
                manifest = root / MANIFEST
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
                files[rel] = st
    return Listing(root, files, problems, manifest)


def _link_problem(root: Path, rel: str, entry: os.DirEntry) -> Fact | None:
    """A link is followed only when it stays inside the source and its target exists."""
    try:
        target = Path(entry.path).resolve()
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError for a loop
        return Fact(
            rel,
            entry.name,
            rel,
            reason="link_loop",
            detail=f"link loop ({exc}): never followed; fix or remove the link",
        )
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


@dataclass
class Manifest:
    """The manifest's dates by file, the files it gives two different dates, and its bad rows."""

    dates: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)
    problems: list[Fact] = field(default_factory=list)


def _bad_manifest(detail: str) -> Manifest:
    return Manifest(problems=[Fact(MANIFEST, MANIFEST, MANIFEST, reason="bad_manifest", detail=detail)])


def read_manifest(listing: Listing) -> Manifest:
    """`file,published_date` rows keyed by normalised relative path, the files listed twice with
    different dates (each becomes `conflicting_manifest_rows`: which date is right is for a
    person to say), and the entries that are problems. A manifest that cannot be read is one
    `bad_manifest` row and is ignored, so every file falls back to its in-text date or none."""
    if listing.manifest is None:
        return Manifest()
    try:
        with open_regular(listing.manifest) as raw:
            data = raw.read(MAX_MANIFEST_BYTES + 1)
        if len(data) > MAX_MANIFEST_BYTES:
            return _bad_manifest(f"larger than {MAX_MANIFEST_BYTES} bytes: not a manifest; manifest ignored")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except OSError as exc:
        return _bad_manifest(f"cannot be read ({exc.strerror or exc}); manifest ignored")
    except (UnicodeDecodeError, csv.Error) as exc:
        return _bad_manifest(f"not a UTF-8 CSV file ({exc}); manifest ignored: save it as UTF-8 CSV")
    header = rows[0] if rows else None
    if not header or "file" not in header:
        return _bad_manifest(f"header {header}: expected columns file,published_date; manifest ignored")
    out = Manifest()
    first_line: dict[str, int] = {}
    listed = set(listing.files) | {p.source_path for p in listing.problems}
    file_col, date_col = header.index("file"), header.index("published_date") if "published_date" in header else None
    for lineno, row in enumerate(rows[1:], 2):
        name = row[file_col].strip() if file_col < len(row) else ""
        if not name:
            continue
        date = row[date_col].strip() if date_col is not None and date_col < len(row) else ""
        where = f"{MANIFEST}#{lineno}"
        # lexical, so an entry naming a link is the link (whose own check already ran), never its target
        rel = os.path.normpath(name.replace("\\", "/")).replace(os.sep, "/")
        if os.path.isabs(rel) or rel == ".." or rel.startswith("../"):
            problem = ("outside_source", f"manifest entry {name!r} escapes the source folder; not read", None)
        elif rel not in listed:
            detail = f"manifest names {name!r}, which is not in the source folder (paths are relative to it)"
            problem = ("missing_file", detail, date or None)
        else:
            problem = None
        if problem is not None:
            reason, detail, given = problem
            out.problems.append(
                Fact(where, name, MANIFEST, line=lineno, record_date=given, reason=reason, detail=detail)
            )
            continue
        if rel in out.dates and out.dates[rel] != date and rel not in out.conflicts:
            out.conflicts[rel] = (
                f"manifest.csv lines {first_line[rel]} and {lineno} give {out.dates[rel]!r} and {date!r} for {name!r}: "
                "keep the one right row, it is not guessed"
            )
        first_line.setdefault(rel, lineno)
        out.dates.setdefault(rel, date)
    return out


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


def fingerprint(listing: Listing, limits: Limits) -> str:
    """Everything the decisions depend on besides file contents: file stamps, listing problems,
    manifest, limits, and the latest publication date accepted (so stored decisions are made
    again the day a date stops being in the future)."""
    h = hashlib.sha1(f"{INDEX_VERSION}|{limits.key()}".encode())
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


def _size(fact: Fact) -> int:
    """Bytes of the input: a JSON Lines record's line, else its file."""
    return (fact.length or 0) if fact.offset is not None else fact.size


def limits_changed(cached: list[Fact], limits: Limits) -> bool:
    """Cached facts of an unchanged file that the current limits make stale: an input skipped as
    too large that the limit now allows, a file cut at another decompressed size (or now longer
    than the limit), a long article whose cleaned length was never measured."""
    decoded = max(((f.offset or 0) + (f.length or 0) for f in cached), default=0)
    return (
        any(f.reason == "too_large" and f.cut is None and _size(f) <= limits.max_bytes for f in cached)
        or any(f.cut is not None and f.cut != limits.max_decompressed_bytes for f in cached)
        or decoded > limits.max_decompressed_bytes
        or any(f.chars is not None and f.chars > limits.max_article_chars and f.clean_chars is None for f in cached)
    )


def facts_of_file(path: Path, rel: str, st: os.stat_result, limits: Limits) -> list[Fact]:
    """The facts of one input file. Whatever goes wrong reading it is a quarantine row of that
    file: an unexpected error is logged with its traceback and quarantined as `ingest_error`
    (a bug to report) rather than stopping every other input of the source."""
    try:
        if is_jsonl_name(rel):
            return facts_of_jsonl(path, rel, st, limits)
        return [facts_of_text_file(path, rel, st, limits)]
    except MemoryError:
        raise
    except Exception as exc:
        log.exception("reading %s failed", rel)
        return [
            Fact(
                rel,
                path.name,
                rel,
                **_stamp(st),
                reason="ingest_error",
                detail=f"reading it failed ({exc!r}): please report this as a bug",
            )
        ]


def gather_facts(listing: Listing, limits: Limits, cached: dict[str, list[Fact]]) -> tuple[list[Fact], dict]:
    """Facts for every input file: from the cache when its stamp is unchanged, else read now."""
    facts: list[Fact] = []
    stats = {"files": len(listing.files), "files_read": 0, "files_cached": 0}
    for rel, st in sorted(listing.files.items()):
        hit = cached.get(rel)
        if hit and _same_stamp(hit, st) and not limits_changed(hit, limits):
            facts.extend(hit)
            stats["files_cached"] += 1
            continue
        stats["files_read"] += 1
        facts.extend(facts_of_file(listing.root / rel, rel, st, limits))
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


def no_date_hint(fact: Fact) -> str:
    """How to give this input its date: a JSON Lines record carries its own field; a file of a
    folder gets a manifest.csv row (or an in-text header)."""
    if fact.line is not None:
        return (
            'no "published_date" field, page date or in-text date header: add "published_date": "YYYY-MM-DD" '
            f"to this record (line {fact.line} of {fact.file})"
        )
    return (
        "no manifest entry, page date or in-text date header: add a row "
        f"`{fact.file},YYYY-MM-DD` to manifest.csv (columns file,published_date), or start the text with `date YYYY-MM-DD`"
    )


def _too_large(fact: Fact, max_bytes: int) -> bool:
    if fact.reason == "too_large":
        return True
    return bool(fact.read and _size(fact) > max_bytes)


def _spacy_chars(fact: Fact) -> int | None:
    """The length of the text extraction would see: the cleaned length when it was measured."""
    return fact.clean_chars if fact.clean_chars is not None else fact.chars


def decide(facts: list[Fact], manifest: Manifest, limits: Limits) -> list[Decision]:
    """Date, quarantine reason, conflicting ids, exact and near duplicates of every input, from facts alone."""
    decisions = []
    for fact in facts:
        day, date_source, problem = decide_date(fact, manifest.dates)
        conflict = manifest.conflicts.get(fact.file) if fact.line is None else None
        d = Decision(fact, day, date_source)
        chars = _spacy_chars(fact)
        if fact.cut is not None:
            d.reason, d.detail = fact.reason, fact.detail
        elif _too_large(fact, limits.max_bytes):
            d.reason = "too_large"
            d.detail = f"{_size(fact)} bytes > limit {limits.max_bytes}; raise NEWSEVENTS_MAX_FILE_BYTES"
        elif fact.reason:
            d.reason, d.detail = fact.reason, fact.detail
        elif chars is not None and chars > limits.max_article_chars:
            d.reason = "too_long"
            d.detail = (
                f"{chars} characters once cleaned > limit {limits.max_article_chars} (spaCy refuses texts over its "
                "max_length, 1,000,000, and needs memory in proportion): split the article, or raise "
                "NEWSEVENTS_MAX_ARTICLE_CHARS (never above the model's max_length)"
            )
        elif conflict:
            d.reason, d.detail, d.day = "conflicting_manifest_rows", conflict, None
        elif problem:
            d.reason, d.detail, d.day = "bad_date", problem + "; fix the date, it is not guessed into a partition", None
        elif day is None:
            d.reason, d.detail = "no_date", no_date_hint(fact)
        elif day > limits.latest_day:
            d.reason = "future_date"
            d.detail = (
                f"published {day}, more than {limits.max_future_days} day(s) after today (latest accepted "
                f"{limits.latest_day}): a placeholder or a wrong date; fix it, or raise NEWSEVENTS_MAX_FUTURE_DAYS"
            )
        decisions.append(d)
    mark_conflicting_ids(decisions)
    mark_exact_duplicates(decisions)
    link_near_duplicates([d for d in decisions if d.reason is None])
    return decisions


def _order(d: Decision) -> tuple:
    return (d.day or dt.date.max, d.fact.source_path)


def mark_conflicting_ids(decisions: list[Decision]) -> None:
    """One record id, different texts: the first by (date, file, line) stays the document, each
    later one with another text is `conflicting_id`, naming the one kept.

    The exporter's id is its identity for the article, so two texts under one id are an export
    error or an unannounced revision, and publishing both would give one id two stories.
    Keeping the first means a document already published never changes when a conflicting
    record arrives later; the row says how to settle it. Same id and same text is an exact
    duplicate (`mark_exact_duplicates`, which runs after this)."""
    groups: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.reason is None and d.fact.record_id:
            groups[d.fact.record_id].append(d)
    for record_id, group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda d: (d.day, d.fact.file, d.fact.line or 0))
        kept = group[0]
        for d in group[1:]:
            if d.fact.doc_id != kept.fact.doc_id:
                d.reason = "conflicting_id"
                d.detail = (
                    f"record id {record_id!r} is also {kept.fact.source_path} (published {kept.day}) with another "
                    "text; that one is kept: give this record its own id, or remove the wrong one"
                )


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
        "line": d.fact.line,
    }


def load_texts(root: Path, chosen: list[Decision], limits: Limits) -> dict[str, tuple[str, Page | None]]:
    """The texts (and web pages) of the chosen inputs, reading only their files (or their records' bytes).

    An input that cannot be read any more was changed after the scan: its text is missing
    here and `ingest` stops the task naming it, for a retry that scans again."""
    texts: dict[str, tuple[str, Page | None]] = {}
    records: dict[str, list[Fact]] = defaultdict(list)
    for d in chosen:
        if d.fact.line is None:
            try:
                text, *_, page = read_text_file(
                    root / d.fact.file, limits.max_bytes, d.fact.file.lower().endswith(HTML_SUFFIXES)
                )
            except OSError as exc:
                log.warning("%s unreadable since the scan: %s", d.fact.file, exc)
                continue
            if text is not None:
                texts[d.fact.source_path] = (text, page)
        else:
            records[d.fact.file].append(d.fact)
    for file, facts in records.items():
        try:
            texts.update(load_record_text(root / file, facts, limits))
        except (StreamBroken, *STREAM_ERRORS) as exc:
            log.warning("%s unreadable since the scan: %s", file, exc)
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


def scan(source: Path, limits: Limits, index_dir: Path | None = None) -> tuple[Listing, list[Decision], dict]:
    """Every input of the source with its decision.

    With an index: when nothing the decisions depend on changed (same fingerprint), the stored
    decisions are used and no input is read; otherwise unchanged files' facts are reused,
    changed files are read again, everything is decided again and the index rewritten.
    """
    listing = list_source(Path(source))
    index_path = index_path_for(index_dir, Path(source)) if index_dir is not None else None
    stamp = fingerprint(listing, limits)
    stats = {"files": len(listing.files), "files_read": 0, "files_cached": 0, "index": None, "index_hit": False}
    if index_path is not None:
        stats["index"] = str(index_path)
        if stored_fingerprint(index_path) == stamp:
            decisions = _loaded_decisions(index_path, stamp)
            if decisions is not None:
                stats["files_cached"], stats["index_hit"] = len(listing.files), True
                return listing, decisions, stats
    facts, read_stats = gather_facts(listing, limits, load_facts(index_path))
    stats |= read_stats
    manifest = read_manifest(listing)
    decisions = decide(facts + listing.problems + manifest.problems, manifest, limits)
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
    limits = Limits.from_env(max_bytes)
    listing, decisions, stats = scan(source, limits, index_dir)
    chosen = [d for d in decisions if d.reason is None and (dates is None or d.day in dates)]
    texts = load_texts(listing.root, chosen, limits)
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
    _, decisions, _ = scan(source, Limits.from_env(max_bytes), index_dir)
    return sorted({d.day for d in decisions if d.reason is None})
