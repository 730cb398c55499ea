"""The warehouse tables: the one place where column names, types and meanings are stated.

Every writer builds its Arrow tables from these schemas and every reader (validation, docs,
tests) takes them from here, so a column cannot drift between stages. Columns are only ever
added as nullable, because a Parquet dataset's schema is read from its first file and readers
silently drop columns that older files lack.

`published_date` is the hive partition key (`TABLE/published_date=YYYY-MM-DD/`). It is listed
here for documentation and validation but is not stored inside the files (readers derive it
from the path), see `PARTITION_KEY` and `file_schema`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = "1.1.0"
PARTITION_KEY = "published_date"


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partitioned: bool = True

    @property
    def schema(self) -> pa.Schema:
        """The full logical schema, partition key included."""
        return pa.schema(
            [
                pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.description})
                for c in self.columns
            ],
            metadata={"table": self.name, "schema_version": SCHEMA_VERSION},
        )

    @property
    def file_schema(self) -> pa.Schema:
        """The schema stored in the Parquet files: the partition key lives in the path."""
        schema = self.schema
        if self.partitioned and PARTITION_KEY in schema.names:
            schema = schema.remove(schema.get_field_index(PARTITION_KEY))
        return schema

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


PARTICIPANT = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("country", pa.string()),
        pa.field("role", pa.string()),
    ]
)

LAT_DESCRIPTION = (
    "Latitude of the location in degrees (WGS84), from GeoNames: the city's point for a city, the capital's "
    "point for a country named alone, a government metonym (the Kremlin) or a country without a place name "
    "(GeoNames has no country centroids); null for regions, seas and unknown places."
)

_PUBLISHED = Column(PARTITION_KEY, pa.date32(), "Publication date of the article; the partition key.", False)

DOCUMENTS = Table(
    name="documents",
    description="One row per distinct article ingested: metadata, raw text and cleaned text.",
    key=("doc_id",),
    columns=(
        Column(
            "doc_id",
            pa.string(),
            "Stable id derived from the normalised article content (same text, same id).",
            False,
        ),
        _PUBLISHED,
        Column(
            "source_name",
            pa.string(),
            "Base name of the input file, or the record id of a JSON Lines export.",
            False,
        ),
        Column(
            "source_path",
            pa.string(),
            "Path of the input relative to the source folder, with `#line` for JSON Lines records.",
        ),
        Column(
            "date_source",
            pa.string(),
            "Where the publication date came from: manifest, record, page (a web page's meta tags or markup), text_header.",
        ),
        Column("outlet", pa.string(), "Publishing outlet or wire service, when stated."),
        Column("url", pa.string(), "Article URL, when the source gives one."),
        Column("title", pa.string(), "Headline."),
        Column("byline", pa.string(), "Author names from the byline."),
        Column(
            "dateline_place",
            pa.string(),
            "Place named in the dateline (`SEOUL (Reuters) -` gives SEOUL).",
        ),
        Column(
            "input_fixes",
            pa.string(),
            "Repairs made while reading the input (encoding, BOM, line ends, HTML), comma-separated.",
        ),
        Column(
            "duplicate_of",
            pa.string(),
            "doc_id of an earlier near-duplicate (same wire story), else null.",
        ),
        Column(
            "raw_text",
            pa.string(),
            "The article text as read (decoded, unmodified); all offsets point into it. For a web page, its text layer: the visible text of the whole page (menus, sidebars and footer included), character references decoded, each block on its own line (docs/cleaning.md, Web pages).",
            False,
        ),
        Column("text", pa.string(), "The cleaned article body that extraction reads.", False),
        Column("raw_chars", pa.int64(), "Length of raw_text in characters.", False),
        Column("removed_chars", pa.int64(), "Characters removed by cleaning.", False),
        Column(
            "article_spans",
            pa.list_(pa.struct([pa.field("start", pa.int64()), pa.field("end", pa.int64())])),
            "For a web page: the spans of raw_text that hold the page's article paragraphs, as found by the article extractor; cleaning removes the rest as page_furniture. Null for other inputs, or when the article could not be told from the page.",
        ),
    ),
)

EVENTS = Table(
    name="events",
    description="One row per event mention found in an article, with its evidence sentence.",
    key=("event_id",),
    columns=(
        Column("event_id", pa.string(), "Deterministic id: the same input gives the same id.", False),
        Column("doc_id", pa.string(), "The article (documents.doc_id).", False),
        _PUBLISHED,
        Column(
            "event_type",
            pa.string(),
            "summit, meeting, speech, statement, pledge, visit, agreement, or another type.",
            False,
        ),
        Column("cameo_code", pa.string(), "Closest CAMEO event code, leading zeros kept."),
        Column(
            "stance",
            pa.string(),
            "For statements: condemn, appeal, warn, accuse, deny, support, concern, other.",
        ),
        Column("actor_name", pa.string(), "Canonical name of the agent."),
        Column("actor_country", pa.string(), "ISO 3166-1 alpha-3 country of the agent."),
        Column(
            "actor_kind",
            pa.string(),
            "Who speaks or acts: official, government (a state, a national body or party, state media), "
            "organisation (international or non-governmental), armed_group, commentator (analysts, "
            "experts, think tanks), journalist (reporters, media outlets), public, or unknown. "
            "Commentary, journalism and the public are optional in the gold: filter on this column.",
        ),
        Column(
            "participants",
            pa.list_(PARTICIPANT),
            "Other parties: name, ISO alpha-3 country, role (counterpart, target, recipient, host).",
        ),
        Column("location_name", pa.string(), "Where the event took place."),
        Column("location_country", pa.string(), "ISO 3166-1 alpha-3 country of the location."),
        Column(
            "location_basis",
            pa.string(),
            "Where the place came from: sentence (named in the evidence), scene (the summit, meeting, "
            "visit or setting the act belongs to), dateline (the article's dateline), institution (the "
            "seat of an institution the act was done at: the White House, Washington). Null without a place.",
        ),
        Column(
            "location_lat",
            pa.float64(),
            LAT_DESCRIPTION,
        ),
        Column(
            "location_lon",
            pa.float64(),
            "Longitude of the location in degrees (WGS84), east positive; see location_lat.",
        ),
        Column(
            "event_date",
            pa.date32(),
            "Date resolved against the publication date (first day of the month/year when coarser).",
        ),
        Column("event_date_precision", pa.string(), "day, month or year."),
        Column(
            "event_date_basis",
            pa.string(),
            "Where the date came from: sentence (a time expression of the act's clause), context (an "
            "earlier sentence tied to the act, or the day the lead dates the news to), occasion (the day "
            "of the summit, meeting or frame the act belongs to), publication (the publication date, or "
            'its month for the recent past: "has said", "this week"). Null without a date.',
        ),
        Column(
            "date_text", pa.string(), "The words the date was resolved from (null when it is the publication date)."
        ),
        Column("status", pa.string(), "occurred or planned."),
        Column("amount_value", pa.float64(), "Money amount in units (300 million = 300000000)."),
        Column("amount_currency", pa.string(), "ISO 4217 currency of amount_value."),
        Column("quote", pa.string(), "Direct quote of a statement or speech."),
        Column("evidence_text", pa.string(), "The sentence that states the event.", False),
        Column(
            "evidence_start",
            pa.int64(),
            "Start offset of the evidence in documents.raw_text.",
            False,
        ),
        Column(
            "evidence_end",
            pa.int64(),
            "End offset (exclusive) of the evidence in documents.raw_text.",
            False,
        ),
        Column(
            "confidence",
            pa.float64(),
            "Probability, 0 to 1, that the event is right (matches a gold event under the gold rules), "
            "calibrated per event type on the development set (docs/events.md, Confidence calibration).",
            False,
        ),
        Column(
            "cluster_id",
            pa.string(),
            "Groups mentions of one real event (event_clusters.cluster_id).",
        ),
        Column(
            "extractor_version",
            pa.string(),
            "Version of the extraction rules and model that produced the row.",
            False,
        ),
    ),
)

REMOVED_SEGMENTS = Table(
    name="removed_segments",
    description="Every piece of raw text that cleaning removed, with its kind, so nothing is lost.",
    key=("doc_id", "start"),
    columns=(
        Column("doc_id", pa.string(), "The article (documents.doc_id).", False),
        _PUBLISHED,
        Column("start", pa.int64(), "Start offset in documents.raw_text.", False),
        Column("end", pa.int64(), "End offset (exclusive) in documents.raw_text.", False),
        Column(
            "kind",
            pa.string(),
            "What was removed: date_header, caption, photo_credit, byline, dateline, headline, credits, boilerplate, newsletter, copyright, related, embed (a social-media post quoted by the page), unrelated, page_furniture (a web page outside its article).",
            False,
        ),
        Column("text", pa.string(), "The removed text.", False),
    ),
)

QUARANTINE = Table(
    name="quarantine",
    description="Inputs that could not become documents, with the reason; kept so nothing is dropped silently. Not partitioned by date (inputs without a usable date belong to no day): one file per source folder, rewritten whole by every run over it.",
    key=("source_path", "reason"),
    partitioned=False,
    columns=(
        Column("source_name", pa.string(), "Input file base name or record id.", False),
        Column(
            "source_path",
            pa.string(),
            "Path relative to the source folder (with `#line` for JSON Lines).",
            False,
        ),
        Column("published_date", pa.date32(), "Publication date when it could be read, else null."),
        Column(
            "reason",
            pa.string(),
            "Short machine-readable reason: no_date, bad_date, future_date, empty, binary, bad_encoding, too_large, too_long, outside_source, missing_file, link_loop, not_regular_file, unreadable, truncated, corrupt_gzip, duplicate, conflicting_id, bad_record, bad_manifest, conflicting_manifest_rows, unsupported_type, ingest_error (docs/operations.md says what to do for each).",
            False,
        ),
        Column("detail", pa.string(), "What exactly was wrong and what to do."),
        Column(
            "line",
            pa.int64(),
            "Line where the problem is, in the file source_path names (a JSON Lines record, a manifest row, the line where reading a broken or oversized file stopped); null for a whole file.",
        ),
    ),
)

EVENT_CLUSTERS = Table(
    name="event_clusters",
    description=(
        "One row per real event: its mentions grouped across articles, outlets and days, with the facts an "
        "analyst needs without a join (who, where, when, how much, a sentence and its URL). Members share a "
        "key computed from each event row alone (type, party countries, date bucket, and for pledges the "
        "amount; pipeline/cluster.py), so cluster_id does not depend on which partitions exist. Not "
        "partitioned by date (a cluster spans days): `event_clusters/part-PERIOD.parquet`, one file per month "
        "(or year) that cluster ids start with; publishing a date recomputes only the clusters its events belong to."
    ),
    key=("cluster_id",),
    partitioned=False,
    columns=(
        Column("cluster_id", pa.string(), "Deterministic id of the cluster (events.cluster_id).", False),
        Column("event_type", pa.string(), "Type shared by the mentions.", False),
        Column("cameo_code", pa.string(), "Most frequent CAMEO code among the mentions (ties: lowest)."),
        Column(
            "actor_name",
            pa.string(),
            "Most frequent actor name among the mentions whose actor country is actor_country (ties: alphabetical).",
        ),
        Column("actor_country", pa.string(), "Most frequent actor country among the mentions (ties: alphabetical)."),
        Column("countries", pa.list_(pa.string()), "Sorted ISO codes of all parties (actors and participants)."),
        Column(
            "location_name",
            pa.string(),
            "Most frequent place among the mentions that name one (ties: alphabetical), with its country and point below.",
        ),
        Column(
            "location_country",
            pa.string(),
            "ISO 3166-1 alpha-3 country of location_name (or of the place when only a country is known).",
        ),
        Column("location_lat", pa.float64(), "Latitude of the location (as events.location_lat)."),
        Column("location_lon", pa.float64(), "Longitude of the location (as events.location_lon)."),
        Column("event_date", pa.date32(), "Earliest resolved date at the finest precision among the mentions."),
        Column("event_date_precision", pa.string(), "day, month or year: precision of event_date."),
        Column(
            "amount_value",
            pa.float64(),
            "Money amount in units; for pledges part of the cluster key (pledges of different sums are different events).",
        ),
        Column("amount_currency", pa.string(), "ISO 4217 currency of amount_value."),
        Column("status", pa.string(), "occurred when any mention reports the event as having happened, else planned."),
        Column("confidence", pa.float64(), "Highest extractor confidence among the mentions.", False),
        Column("first_published", pa.date32(), "First publication date among the mentions.", False),
        Column("last_published", pa.date32(), "Last publication date among the mentions.", False),
        Column("mentions", pa.int64(), "Number of event rows in the cluster.", False),
        Column("articles", pa.int64(), "Number of distinct articles.", False),
        Column(
            "outlets",
            pa.int64(),
            "Number of distinct outlets (documents.outlet, else the source file name; events without a document add none).",
            False,
        ),
        Column(
            "evidence_text",
            pa.string(),
            "A representative evidence sentence: the mention with the highest confidence, then the earliest published, then the lowest event_id.",
            False,
        ),
        Column("url", pa.string(), "URL of the article of evidence_text (documents.url), when the source gives one."),
        Column(
            "outlet",
            pa.string(),
            "Outlet of the article of evidence_text (documents.outlet, else the source file name).",
        ),
        Column("event_ids", pa.list_(pa.string()), "The member events (events.event_id), sorted.", False),
    ),
)

RUNS = Table(
    name="runs",
    description="One row per pipeline run of a partition: run metadata kept out of the data tables.",
    key=("run_id",),
    columns=(
        Column("run_id", pa.string(), "Run identifier (Airflow run id or CLI run id).", False),
        _PUBLISHED,
        Column("started_at", pa.timestamp("us", tz="UTC"), "Wall-clock start."),
        Column("finished_at", pa.timestamp("us", tz="UTC"), "Wall-clock end."),
        Column("inputs", pa.int64(), "Inputs seen for the partition."),
        Column("documents", pa.int64(), "Documents published."),
        Column("duplicates", pa.int64(), "Exact duplicates kept once."),
        Column("quarantined", pa.int64(), "Inputs quarantined."),
        Column("events", pa.int64(), "Events published."),
        Column("stage_seconds", pa.string(), "JSON object: seconds per stage."),
        Column("versions", pa.string(), "JSON object: pipeline, model, spaCy, schema versions."),
        Column("validation", pa.string(), "passed, warning or failed."),
        Column("validation_report", pa.string(), "Path of the validation result JSON."),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (DOCUMENTS, EVENTS, REMOVED_SEGMENTS, QUARANTINE, EVENT_CLUSTERS, RUNS)}
