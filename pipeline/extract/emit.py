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
from pipeline.extract.places import location_for, place_deep
from pipeline.extract.records import Candidate, Emitted, actor_key
from pipeline.extract.resolvers import Resolved
from pipeline.extract.scene import (
    act_of,
    audience_place,
    is_leader,
    is_leaders_meeting,
    is_upcoming,
    leaders_as_subject,
    recent_pledge_recipients,
    same_actor_context,
)
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
    if c.etype in {"statement", "speech"}:
        if is_press(ctx, c):
            ctx.press_names.update(name_key(a.name) for a in c.actor if a.kind == "person")
            return  # a newspaper's or a reporter's own words are reporting, not a party's act (GUIDELINES)
        if c.actor and name_key(c.actor[0].name) in ctx.press_names:
            return  # "he said", of a reporter named before
        if c.etype == "statement" and repeats_commentary(ctx, c):
            return
    if c.etype in {"summit", "meeting"} and (
        leaders_as_subject(ctx, c) or is_leaders_meeting(ctx, c) and not _envoy_among_leaders(ctx, c)
    ):
        c.etype = "summit"
    tense = tense_of(c.keys[0], ctx.lex)
    if is_upcoming(c.trigger):
        tense = "future"  # "the upcoming G-20 summit": still to come, whatever the clause's tense
    date = date_for(ctx, c, dates, clause_only=True)
    date_basis = "sentence" if date is not None else None
    if date is None and frame is not None and frame.date is not None:
        date, date_basis = frame.date, "occasion"
    if date is None:
        date = date_for(ctx, c, dates, clause_only=False)
        date_basis = "sentence" if date is not None else None
    inherited = False
    location = (
        location_for(ctx, c)
        or (scene.get(actor_key(c)) if c.etype != "visit" else None)
        or audience_place(c.keys, lambda t: place_deep(ctx, t))
    )
    location_basis = "sentence" if location is not None else None
    if location is None and frame is not None and c.etype != "visit" and frame.location is not None:
        location, location_basis = frame.location, "scene"
    if date is None:
        tied = same_actor_context(ctx, s_index, c, tense, "date")
        if tied is not None:
            date, inherited, date_basis = tied.date, True, "context"
    if location is None and c.etype in physical - {"visit"}:
        tied = same_actor_context(ctx, s_index, c, tense, "location")
        if tied is not None:
            location, location_basis = tied.location, "scene"
    own = (date, location)  # what the text ties to this act; later sentences inherit only that
    act = act_of(c, s_index, tense)
    date, date_basis, location, location_basis = ctx.scene.resolve(
        act, date, date_basis, location, location_basis, sent, lambda t: place_deep(ctx, t)
    )
    if own[1] is not None and c.etype in physical and ctx.scene.is_news_date(date):
        scene.setdefault(actor_key(c), own[1])
    if c.etype == "pledge" and not c.participants:
        prior = recent_pledge_recipients(ctx, s_index, c)
        if prior:
            c.participants = list(prior)
    status = "planned" if tense == "future" or (date is not None and date[0] > ctx.published) else "occurred"
    amounts = [a for a in c.amounts] or [None]
    raw_start, raw_end = sentence_raw(ctx, quoted_span(ctx, s_index, sent) if c.etype == "statement" else sent)
    actor = c.actor[0] if c.actor else None
    if actor is not None and actor.kind == "person":
        ctx.entities.note_agent(c.trigger.i, actor)
    ctx.entities.add_group(c.trigger.i, tuple([*c.actor, *(p for p, _ in c.participants if p.kind == "person")]))
    record = ctx.record
    first_row = len(ctx.rows)
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
            "event_date_basis": date_basis if date else None,
            "location_basis": location_basis if location else None,
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
    if location is None:
        ctx.scene.unplaced.append((act, date, range(first_row, len(ctx.rows))))
    ctx.emitted.append(
        Emitted(
            s_index,
            c.etype,
            {name_key(a.name) for a in c.actor},
            {name_key(p.name) for p, _ in c.participants},
            {a.country for a in c.actor if a.country},
            own[0],
            own[1],
            c.summit_key,
            tense,
            [p for p in c.participants if p[1] == "recipient"] if c.etype == "pledge" else None,
            frozenset(e.country for e in [*c.actor, *(p for p, _ in c.participants)] if e.country),
        )
    )


def repeats_commentary(ctx: ArticleContext, c: Candidate) -> bool:
    """ "'... toxic,' he said" of a commentator, a journalist or a member of the public: their speech
    is at most optional (GUIDELINES, "Whose speech counts"), and a bare quote tagged with a pronoun
    continues a remark already reported. An official's quote, or a tag that says more than the
    quote ("he said that ..."), is kept."""
    head = c.actor_head
    if head is None or head.pos_ != "PRON" or not ctx.has_quote(ctx.sent(c.trigger)):
        return False
    for ch in c.trigger.children:
        if ch.dep_ in {"ccomp", "dobj", "xcomp"} and not (ctx.in_quote(ch.left_edge) and ctx.in_quote(ch.right_edge)):
            return False  # "He said his brother 'was loved'": the tag reports more than the quote
    return speaker_kind(ctx, c) in ctx.words["optional_speaker_kinds"]


def _envoy_among_leaders(ctx: ArticleContext, c: Candidate) -> bool:
    """A minister or envoy holding talks with leaders ("the secretary's talks with the prime
    minister and the president") holds a meeting: a summit is the leaders' own."""
    actor = c.actor[0]
    return actor.kind == "person" and not is_leader(ctx, actor)


def quoted_span(ctx: ArticleContext, s_index: int, sent: Span) -> Span:
    """The sentence, or, where the words said stand before it, from their start: a quote that
    began in an earlier sentence ("... continues. It is a human issue," he said.) or a
    quotation paragraph attributed by a bare tag after it ("Rep. X said in a statement.")."""
    start = sent.start
    for qs, qe in ctx.quote_spans:
        if qs < sent.start < qe <= sent.end:
            start = min(start, qs)  # the quote runs into this sentence
    if start == sent.start and s_index > 0 and not any(sent.start <= qs < sent.end for qs, _ in ctx.quote_spans):
        prev = ctx.sents[s_index - 1]
        if prev.text.rstrip().endswith(tuple(ctx.words["closing_quotes"])) and not _has_content(sent):
            start = prev.start
    return ctx.doc[start : sent.end]


def _has_content(sent: Span) -> bool:
    """Whether the reporting sentence says something itself (a clause, an object, a quote)."""
    return any(t.dep_ in {"ccomp", "parataxis", "dobj", "xcomp"} and t.head.dep_ == "ROOT" for t in sent)


def is_press(ctx: ArticleContext, c: Candidate) -> bool:
    """The speaker is a news outlet or a journalist: "Reuters notes that", "NPR's Larry Abramson",
    "the paper's editor writes". State news agencies speak for their governments and are not press
    here (rules/words.json: news_outlets, state_news_agencies, press_titles)."""
    head = c.actor_head
    if head is None:
        return False
    w = ctx.words
    words = [t for t in head.subtree if t.i <= head.i or t.dep_ in {"flat", "appos", "compound"}]
    text = " ".join(t.text for t in words).lower().removeprefix("the ")
    if any(agency in text for agency in w["state_news_agencies"]):
        return False
    if text in w["news_outlets"] or any(text.endswith(f" {s}") for s in w["news_outlet_suffixes"]):
        return head.ent_type_ in {"ORG", ""} or head.pos_ == "PROPN"
    for t in head.subtree:
        if (
            t.lemma_.lower() in w["press_titles"]
            and t.i != head.i
            or t is head
            and t.lemma_.lower() in w["press_titles"]
        ):
            return True
        if (
            t.dep_ == "poss"
            and " ".join(x.text for x in t.subtree).lower().removeprefix("the ").removesuffix(" 's").removesuffix(" ’s")
            in w["news_outlets"]
        ):
            return True  # "NPR's Larry Abramson"
    return False


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
