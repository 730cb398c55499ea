"""The shared corpus the benchmarks read, and which of its records count as dated.

One rule for every benchmark: a record is dated when ingest would give it a publication date
(its `published_date`, else an in-text `date ...` header, parsed by pipeline.ingest), so "the
first N dated articles" are the articles the pipeline parses, whatever the script. The corpus
is `../shared/corpus/world_news.jsonl.gz`, beside the project, never copied into it; each script
says so and stops when it is absent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "world_news.jsonl.gz"


def records(path: Path) -> Iterator[dict]:
    """Every record of a JSON Lines file, gzip or not (told by the name)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def record_date(record: dict) -> dt.date | None:
    """The publication date ingest gives the record (pipeline.ingest.decide_date's rule), or None."""
    from pipeline.ingest import header_date_of, parse_date

    value = record.get("published_date")
    if value is None or not str(value).strip():
        value = header_date_of(str(record.get("text") or ""))
    return parse_date(value)[0]


def dated_records(path: Path) -> Iterator[tuple[dict, dt.date]]:
    """(record, publication date) for each dated record, in file order."""
    for record in records(path):
        day = record_date(record)
        if day is not None:
            yield record, day


def first_dated(path: Path, n: int, skip: int = 0) -> list[dict]:
    """The first `n` dated records after skipping `skip` of them, `published_date` as ISO text."""
    chosen = itertools.islice(dated_records(path), skip, skip + n)
    return [{**record, "published_date": day.isoformat()} for record, day in chosen]
