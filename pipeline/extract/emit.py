"""From a finished candidate to event rows: the agent check, date and place (from the sentence,
else the frame, else the scene of the same actor), status, money, evidence, id and confidence;
the event is then remembered (`Emitted`) for later sentences to tie to."""

from __future__ import annotations

import hashlib

from spacy.tokens import Span

from pipeline.extract.context import ArticleContext, record_date
from pipeline.extract.entities import name_key
from pipeline.extract.event_dates import date_for
from pipeline.extract.parties import is_traveller, speaker_kind
from pipeline.extract.places import location_for
from pipeline.extract.records import Candidate, Emitted, actor_key
from pipeline.extract.resolvers import Resolved
from pipeline.extract.scene import is_leaders_meeting, recent_pledge_recipients, same_actor_context
from pipeline.extract.syntax import tense_of


def emit(
    ctx: ArticleContext, s_index: int, sent: Span, c: Candidate, dates, frame: Emitted | None, scene: dict
) -> None:
    """Append the candidate's rows (one per money amount) to ctx.rows and remember the event."""
    w = ctx.words
    physical = w["physical_types"]
    if c.etype == "visit" and not is_traveller(ctx, c):
        return  # "refugees coming to the U.S.", "they land in the U.S.": travel, not an official's visit
    if c.actor_text == "__generic__" or not c.actor and not c.animate:
        return  # an act needs an agent: "legislation has the potential", "the port served" are not acts
    if c.etype in {"summit", "meeting"} and is_leaders_meeting(ctx, c):
        c.etype = "summit"
    tense = tense_of(c.keys[0], ctx.lex)
    date = date_for(ctx, c, dates, clause_only=True)
    if date is None and frame is not None:
        date = frame.date
    if date is None:
        date = date_for(ctx, c, dates, clause_only=False)
    inherited = False
    location = location_for(ctx, c) or (scene.get(actor_key(c)) if c.etype != "visit" else None)
    if location is None and frame is not None and c.etype != "visit":
        location = frame.location
    if date is None:
        tied = same_actor_context(ctx, s_index, c, tense, "date")
        if tied is not None:
            date, inherited = tied.date, True
    if location is None and c.etype in physical - {"visit"}:
        tied = same_actor_context(ctx, s_index, c, tense, "location")
        if tied is not None:
            location = tied.location
    if location is not None and c.etype in physical:
        scene.setdefault(actor_key(c), location)
    if c.etype == "pledge" and not c.participants:
        prior = recent_pledge_recipients(ctx, s_index, c)
        if prior:
            c.participants = list(prior)
    status = "planned" if tense == "future" or (date is not None and date[0] > ctx.published) else "occurred"
    amounts = [a for a in c.amounts] or [None]
    raw_start, raw_end = sentence_raw(ctx, sent)
    actor = c.actor[0] if c.actor else None
    if actor is not None and actor.kind == "person":
        ctx.entities.note_agent(c.trigger.i, actor)
    ctx.entities.add_group(c.trigger.i, tuple([*c.actor, *(p for p, _ in c.participants if p.kind == "person")]))
    record = ctx.record
    for amount in amounts:
        etype = c.etype
        variant = c.variant
        if etype == "pledge" and amount is not None:
            variant = "pledge_money"
        row = {
            "event_id": event_id(record["doc_id"], c, amount),
            "doc_id": record["doc_id"],
            "published_date": record_date(record["published_date"]),
            "event_type": etype,
            "cameo_code": ctx.lex.cameo_code(etype, c.stance, variant),
            "stance": (c.stance or "other") if etype == "statement" else None,
            "actor_name": actor.name if actor else (c.actor_text if c.actor_text != "__generic__" else None),
            "actor_country": actor.country if actor else None,
            "actor_kind": speaker_kind(ctx, c),
            "participants": [{"name": p.name, "country": p.country, "role": r} for p, r in c.participants],
            "location_name": location[0] if location else None,
            "location_country": location[1] if location else None,
            "event_date": date[0] if date else None,
            "event_date_precision": date[1] if date else None,
            "date_text": date[2] if date else None,
            "status": status,
            "amount_value": float(amount.value) if amount is not None else None,
            "amount_currency": amount.currency if amount is not None else None,
            "quote": quote(ctx, sent) if etype in {"statement", "speech"} else None,
            "evidence_text": record["raw_text"][raw_start:raw_end],
            "evidence_start": raw_start,
            "evidence_end": raw_end,
            "confidence": confidence(ctx, c, actor, date, inherited),
            "cluster_id": None,
            "extractor_version": ctx.version,
        }
        ctx.rows.append(row)
    ctx.emitted.append(
        Emitted(
            s_index,
            c.etype,
            {name_key(a.name) for a in c.actor},
            {name_key(p.name) for p, _ in c.participants},
            {a.country for a in c.actor if a.country},
            date,
            location,
            c.summit_key,
            tense,
            [p for p in c.participants if p[1] == "recipient"] if c.etype == "pledge" else None,
            frozenset(e.country for e in [*c.actor, *(p for p, _ in c.participants)] if e.country),
        )
    )


def sentence_raw(ctx: ArticleContext, sent: Span) -> tuple[int, int]:
    """The sentence's offsets in the raw text, surrounding whitespace left out."""
    text = sent.text
    start = sent.start_char + (len(text) - len(text.lstrip()))
    end = sent.end_char - (len(text) - len(text.rstrip()))
    return ctx.omap.span_to_raw(start, end)


def quote(ctx: ArticleContext, sent: Span) -> str | None:
    """The direct quotes of the sentence (four tokens or more), joined."""
    parts = [
        ctx.doc[s:e].text.strip('“”" ') for s, e in ctx.quote_spans if s >= sent.start and e <= sent.end and e - s >= 4
    ]
    return " … ".join(parts) if parts else None


def event_id(doc_id: str, c: Candidate, amount) -> str:
    """Deterministic, and ordered by the trigger's position so rows read in text order."""
    doc_part = hashlib.sha1(doc_id.encode()).hexdigest()[:10]
    extra = f"{c.etype}|{c.trigger.i}|{amount.value if amount else ''}|{amount.currency if amount else ''}"
    return f"ev-{doc_part}-{c.trigger.idx:07d}-{hashlib.sha1(extra.encode()).hexdigest()[:8]}"


def confidence(ctx: ArticleContext, c: Candidate, actor: Resolved | None, date, inherited: bool) -> float:
    """A rule-of-thumb confidence: verbal acts over nominal mentions, less without actor or country."""
    score = 0.85 if not c.nominal else 0.75
    if actor is None:
        score -= 0.25
    elif actor.country is None:
        score -= 0.1
    if inherited:
        score -= 0.05
    if c.etype not in ctx.words["core_types"]:
        score -= 0.1
    return round(max(0.05, min(1.0, score)), 2)
