"""From marked triggers to event rows, one article at a time: the sentence loop.

For each sentence: the triggers the `newsevents_triggers` component marked become candidates
through the rule family their type names (families/), are checked (folding.py: not negated, not
speculation, not a request that others act, not inside a direct quote), given an actor and
parties (parties.py), folded ("announced South Korea would provide $300 million" is one pledge),
then emitted (emit.py) with a date (event_dates.py), a place (places.py) and what the scene of
earlier sentences carries (scene.py). The shared state is one `ArticleContext` (context.py);
word lists are rules/*.json. Layout: docs/events.md, "Rules engine layout".
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.extract import folding
from pipeline.extract.components import TRIGGERS
from pipeline.extract.context import ArticleContext, record_date
from pipeline.extract.emit import emit
from pipeline.extract.event_dates import sentence_dates
from pipeline.extract.families import active_families, candidate
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.parties import arguments
from pipeline.extract.places import location_for, place_deep
from pipeline.extract.records import Candidate, Emitted, actor_key
from pipeline.extract.scene import INHERIT_WINDOW, frame, is_repeat
from pipeline.offsets import OffsetMap

__all__ = ["INHERIT_WINDOW", "ArticleExtractor", "Candidate", "Emitted", "extract_article", "record_date"]


class ArticleExtractor:
    """Extracts the events of one parsed article (kept for callers: `ArticleExtractor(...).run()`)."""

    def __init__(self, doc: Doc, record: dict, omap: OffsetMap, lex: Lexicon, version: str):
        self.ctx = ArticleContext.build(doc, record, omap, lex, version)

    def run(self) -> list[dict]:
        return run_article(self.ctx)


def extract_article(doc: Doc, record: dict, omap: OffsetMap, lex: Lexicon, version: str) -> list[dict]:
    """The event rows of one parsed article."""
    return run_article(ArticleContext.build(doc, record, omap, lex, version))


def run_article(ctx: ArticleContext) -> list[dict]:
    """Each sentence with its marked triggers, in order; rows accumulate in ctx.rows."""
    families = active_families(ctx.lex.families)
    triggers = list(ctx.doc.spans.get(TRIGGERS, []))
    ti = 0
    for s_index, sent in enumerate(ctx.sents):
        in_sent = []
        while ti < len(triggers) and triggers[ti].start < sent.end:
            if triggers[ti].start >= sent.start:
                in_sent.append(triggers[ti])
            ti += 1
        if in_sent:
            sentence(ctx, families, s_index, sent, in_sent)
    ctx.scene.carry_trip(ctx.rows, ctx.doc, lambda t: place_deep(ctx, t))
    return ctx.rows


def sentence(ctx: ArticleContext, families: dict, s_index: int, sent: Span, spans: list[Span]) -> None:
    """One sentence's triggers: candidates, folded and merged acts, then the rows they emit."""
    cands: list[Candidate] = []
    for span in spans:
        cand = candidate(ctx, families, span)
        if cand is not None and folding.is_event(ctx, cand):
            cands.append(cand)
    if not cands:
        return
    cands = folding.fold_content(ctx, cands)
    folding.bind_amounts(ctx, sent, cands)
    ctx.other_statement_keys = {
        k.i for c in cands if c.etype == "statement" and not c.absorbed for k in c.keys if k.pos_ == "VERB"
    }
    for c in cands:
        arguments(ctx, c)
    cands = folding.merge_same_act(cands)
    folding.share_in_sentence(cands)
    dates = sentence_dates(ctx, sent)
    framed = frame(ctx, sent)
    scene: dict = {}  # actor -> where this sentence's physical events of that actor took place
    physical = ctx.words["physical_types"]
    live = [c for c in cands if not c.absorbed]
    live.sort(key=lambda c: (c.etype not in physical, c.trigger.i))
    for c in live:
        if c.nominal and (folding.is_backreference(ctx, c) or is_repeat(ctx, c)):
            if c.destination or c.etype == "summit":
                loc = c.destination or location_for(ctx, c)
                if loc:
                    scene.setdefault(actor_key(c), loc)
            continue
        emit(ctx, s_index, sent, c, dates, framed, scene)
