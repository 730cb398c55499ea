"""The state one article's extraction shares: the parsed doc, its entity table, the quotes, the
sentences indexed by token, the events emitted so far and the date caches.

One small record passed to the module functions (places, dates, parties, scene, families,
emit) instead of one class that holds every rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from pipeline.extract.components import QUOTES
from pipeline.extract.entities import DocEntities
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.records import Emitted
from pipeline.extract.scene import ArticleScene, reattach_reporting_dates, story_day
from pipeline.offsets import OffsetMap


def record_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@dataclass
class ArticleContext:
    doc: Doc
    record: dict
    published: dt.date
    omap: OffsetMap
    lex: Lexicon
    version: str
    entities: DocEntities
    quote_spans: list[tuple[int, int]]
    sents: list[Span]
    sent_index: list[int]  # token index -> sentence index (Token.sent walks the sentence on every call)
    scene: ArticleScene  # dateline, news day and occasions: the date and place of acts that name none
    emitted: list[Emitted] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    dates_cache: dict[tuple[int, str], list] = field(default_factory=dict)
    other_statement_keys: set[int] = field(default_factory=set)
    bare_months: dict[tuple[int, int], str] = field(default_factory=dict)
    press_names: set[frozenset[str]] = field(
        default_factory=set
    )  # journalists named so far ("he said" of one is press too)

    @classmethod
    def build(cls, doc: Doc, record: dict, omap: OffsetMap, lex: Lexicon, version: str) -> ArticleContext:
        published = record_date(record["published_date"])
        reattach_reporting_dates(doc)
        published = story_day(doc, published, 2)
        entities = DocEntities.build(doc, published, lex)
        quote_spans = [(s.start, s.end) for s in doc.spans.get(QUOTES, [])]
        entities.quote_spans = quote_spans
        sents = list(doc.sents)
        sent_index = [0] * len(doc)
        for k, sent in enumerate(sents):
            sent_index[sent.start : sent.end] = [k] * (sent.end - sent.start)
        scene = ArticleScene.of(record, published)
        return cls(doc, record, published, omap, lex, version, entities, quote_spans, sents, sent_index, scene)

    @property
    def words(self) -> dict[str, frozenset[str]]:
        return self.lex.words

    def sent(self, tok: Token) -> Span:
        return self.sents[self.sent_index[tok.i]]

    def in_quote(self, tok: Token) -> bool:
        return any(s <= tok.i < e for s, e in self.quote_spans)

    def has_quote(self, sent: Span) -> bool:
        return any(s < sent.end and e > sent.start for s, e in self.quote_spans)
