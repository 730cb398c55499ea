"""What one stage hands the next: typed records that travel as plain JSON dicts (Airflow XCom).

A stage returns a record; the command line and the process pool pass the record itself, the
DAG passes `record.to_xcom()` and the next task rebuilds it with `Record.from_xcom(data)`.
Records hold references (paths of staged files, counts, timings), never table data, so an
XCom stays a few hundred bytes whatever the size of the day.

The date is a `datetime.date` everywhere in the code and an ISO string only inside XCom;
`from_xcom` refuses unknown or missing fields, so a task built from another version of this
module fails at once with the field's name instead of somewhere downstream.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from typing import Any, Self


class RecordError(ValueError):
    """An XCom value does not match the record it is read as."""


class Record:
    """Mixin of the stage records: `to_xcom()` and `from_xcom()` for any dataclass of this module."""

    def to_xcom(self) -> dict[str, Any]:
        return _encode(self)

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> Self:
        return _decode(cls, data, cls.__name__)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(kind: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        (real,) = [o for o in options if o is not type(None)]
        return _decode(real, value, where)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise RecordError(f"{where}: expected an object for {kind.__name__}, got {type(value).__name__}")
        names = {f.name for f in dataclasses.fields(kind)}
        required = {
            f.name
            for f in dataclasses.fields(kind)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        unknown, missing = set(value) - names, required - set(value)
        if unknown or missing:
            raise RecordError(
                f"{where}: not a {kind.__name__} record (unknown fields {sorted(unknown)}, missing {sorted(missing)})"
            )
        hints = _hints(kind)
        return kind(**{k: _decode(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    if kind is dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(kind)
        return {k: _decode(item, v, f"{where}.{k}") for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True)
class Counts(Record):
    """Inputs of the date's run: inputs = documents + duplicates + quarantined; events once extracted."""

    inputs: int
    documents: int
    duplicates: int
    quarantined: int
    events: int | None = None

    def as_dict(self) -> dict[str, int]:
        """The counts known so far (no `events` before extraction), for summaries and logs."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Ingested(Record):
    """A date's run after ingest: which run, where, and the staged documents and quarantine."""

    day: dt.date
    run_id: str
    started_at: str
    source: str
    warehouse: str
    stage: str  # the run's staging folder (layout.staging_dir)
    ingested_file: str
    quarantine_file: str
    counts: Counts
    source_counts: dict[str, int]  # the whole source (its quarantine file covers it)
    index: dict[str, Any]
    seconds: dict[str, float]


@dataclasses.dataclass(frozen=True)
class Cleaned(Ingested):
    """After clean: the staged documents (cleaned text) and removed segments."""

    documents_file: str
    removed_segments_file: str


@dataclasses.dataclass(frozen=True)
class Shard(Record):
    """One slice of a cleaned date's documents, extracted by one task (or pool unit)."""

    cleaned: Cleaned
    shard: int
    shards: int
    offset: int
    limit: int


@dataclasses.dataclass(frozen=True)
class Validated(Cleaned):
    """After validate: the merged events, the outcome and the fingerprint publish checks."""

    events_file: str
    validation: str  # passed or warning (a failed validation raises instead)
    fingerprint: str  # of the staged files as validated: publish refuses files changed since
    validation_report: str | None = None
    data_docs: str | None = None
    checks: int | None = None  # how many checks validation ran (suites and cross-table)

    def staged_tables(self) -> dict[str, str]:
        """The staged file of each partitioned table, in publishing order."""
        return {
            "documents": self.documents_file,
            "events": self.events_file,
            "removed_segments": self.removed_segments_file,
        }


@dataclasses.dataclass(frozen=True)
class Published(Record):
    """What a finished date's run reports (published, or a day without documents)."""

    day: dt.date
    run_id: str
    warehouse: str
    counts: Counts
    validation: str
    seconds: dict[str, float]
    validation_report: str | None = None
    data_docs: str | None = None
    checks: int | None = None  # validation checks run (None: not validated, e.g. no documents)


@dataclasses.dataclass(frozen=True)
class Prepared(Record):
    """A date after ingest and clean: either finished (no documents) or its shards to extract."""

    done: Published | None = None
    shards: list[Shard] = dataclasses.field(default_factory=list)

    @property
    def cleaned(self) -> Cleaned | None:
        return self.shards[0].cleaned if self.shards else None


T = typing.TypeVar("T", bound=Ingested)


def grown(record: Ingested, kind: type[T], **more: Any) -> T:
    """`record` as the next stage's record: every field it has, plus (or replacing) `more`."""
    names = {f.name for f in dataclasses.fields(kind)}
    base = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name in names}
    return kind(**{**base, **more})
