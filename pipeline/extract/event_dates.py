"""When: the date expressions of a sentence, each read with the tense of its own clause, and the
date of an act (one on its own clause, else one on a clause above it, else the sentence's)."""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Span, Token

from pipeline.dates import MONTH_ABBREVIATIONS, find_dates, resolve_date_phrase
from pipeline.dates import MONTHS as MONTH_NAMES
from pipeline.extract.context import ArticleContext
from pipeline.extract.records import Candidate
from pipeline.extract.scene import in_other_clause
from pipeline.extract.syntax import tense_of

# month words that start a date phrase, from the one calendar list in pipeline/dates.py
MONTHS = {m.lower() for m in MONTH_NAMES} | {f"{a.lower()}." for a in MONTH_ABBREVIATIONS}

EventDate = tuple[dt.date, str, str]  # (date, precision, text)


def sentence_dates(ctx: ArticleContext, sent: Span) -> list[tuple[Token, int]]:
    """Date expressions of a sentence as (head token, start offset in the sentence)."""
    out = []
    covered: list[tuple[int, int]] = []
    for ref in find_dates(sent.text, ctx.published, "past"):
        span = ctx.doc.char_span(sent.start_char + ref.start, sent.start_char + ref.end, alignment_mode="expand")
        if span is not None:
            out.append((span.root, ref.start))
            covered.append((ref.start, ref.end))
    for tok in sent:  # a bare month as a modifier: "their September summit"
        start = tok.idx - sent.start_char
        if tok.lower_ in MONTHS and tok.ent_type_ == "DATE" and not any(a <= start < b for a, b in covered):
            ctx.bare_months[(sent.start, start)] = tok.text
            out.append((tok, start))
    return out


def resolve_in_sentence(ctx: ArticleContext, sent: Span, start: int, tense: str) -> EventDate | None:
    """The date at `start` read with the tense of the clause it belongs to."""
    key = (sent.start, tense)
    found = ctx.dates_cache.get(key)
    if found is None:
        found = ctx.dates_cache[key] = find_dates(sent.text, ctx.published, tense)
    for ref in found:
        if ref.start == start:
            return (ref.date, ref.precision, ref.text)
    month = ctx.bare_months.get((sent.start, start))
    if month is not None:
        ref = resolve_date_phrase(f"in {month}", ctx.published, tense)
        if ref is not None:
            return (ref.date, ref.precision, month)
    return None


def date_for(ctx: ArticleContext, c: Candidate, dates: list[tuple[Token, int]], clause_only: bool) -> EventDate | None:
    """The date of the act: one on its own clause (a pledge's is the pledging verb's), else one on a
    clause above it; with clause_only False, else the nearest clause-level date of the sentence."""
    lex = ctx.lex
    keys = {k.i for k in c.keys}
    ordered = sorted(c.keys, key=lambda k: 0 if k.lemma_.lower() in lex.pledge_announcers else 1)
    ancestors = list(c.trigger.ancestors)
    owned: list[tuple[int, Token, int]] = []
    above: list[tuple[int, Token, int]] = []
    free: list[tuple[Token, Token, int]] = []
    for root, start in dates:
        anchor = None
        for t in [root, *root.ancestors]:
            if t.i in keys:
                anchor = t
                break
            if t is not root and (t.pos_ == "VERB" or t.dep_ == "ROOT"):
                anchor = t
                break
        if anchor is not None and anchor.i in keys:
            owned.append((next(i for i, k in enumerate(ordered) if k.i == anchor.i), anchor, start))
        elif anchor is not None and anchor in ancestors:
            above.append((ancestors.index(anchor), anchor, start))
        elif (
            anchor is not None
            and root.dep_ not in {"poss", "compound", "amod", "nmod"}
            and not in_other_clause(anchor, c.trigger, keys)
        ):
            free.append((root, anchor, start))
    if clause_only:
        recent = ctx.words["recent_words"]
        for k in ordered:
            if any(ch.lower_ in recent for ch in k.children) and not any(a.i == k.i for _, a, _ in owned):
                return (ctx.published.replace(day=1), "month", "recently")
        pick = min(owned, key=lambda x: x[0]) if owned else min(above, key=lambda x: x[0]) if above else None
        if pick is None:
            return None
        _, anchor, start = pick
        return resolve_in_sentence(ctx, ctx.sent(c.trigger), start, tense_of(anchor, lex))
    if not free:
        return None
    root, anchor, start = min(free, key=lambda d: abs(d[0].i - c.trigger.i))
    return resolve_in_sentence(ctx, ctx.sent(c.trigger), start, tense_of(anchor, lex))
