"""One sentence's candidates made into acts: filtered (negation, speculation, requests, quotes),
content clauses folded into the act that frames them, money amounts bound to their pledges,
several triggers of one act merged, parties shared between coordinated acts."""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.entities import SPEAKER_PRONOUNS
from pipeline.extract.records import Candidate
from pipeline.extract.syntax import (
    agent_token,
    is_definite,
    is_negated,
    is_speculative,
    negated_above,
    requested_by,
    tense_of,
)
from pipeline.money import find_amounts


def is_event(ctx: ArticleContext, c: Candidate) -> bool:
    """Not negated, not speculation, not a request that others act, not the content of a quote."""
    tok = c.trigger
    if ctx.in_quote(tok):
        # acts inside a direct quote are its content ("I urge ..."), unless only the verb phrase is
        # quoted and the speaker stands outside: Xi "called on China and South Korea to ..."
        subj = agent_token(c.keys[0], ctx.words["schedule_adjectives"])
        if subj is None or ctx.in_quote(subj) or subj.lower_ in SPEAKER_PRONOUNS:
            return False
    climb, adjuncts = ctx.words["negation_climb_deps"], ctx.words["negation_adjunct_preps"]
    for k in c.keys:
        if is_negated(k) or negated_above(k, climb, adjuncts):
            return False
        if is_speculative(k, ctx.lex):
            return False
    if c.etype == "statement":
        return True
    asker = requested_by(tok, ctx.lex)
    return asker is None or convened(ctx, tok, asker)


def convened(ctx: ArticleContext, tok: Token, verb: Token) -> bool:
    """ "called an emergency meeting": the caller convenes it (not "called for talks", "called off")."""
    return (
        tok.dep_ == "dobj"
        and tok.head.i == verb.i
        and verb.lemma_.lower() in ctx.words["convene_verbs"]
        and not any(c.dep_ in {"prt", "oprd", "xcomp"} for c in verb.children)
    )


def is_backreference(ctx: ArticleContext, c: Candidate) -> bool:
    """A nominal act pointed back to: with a demonstrative or "such" ("about this meeting", "called
    such a conference urgent"), or "the talks" with no counterpart named, or "the ... meeting" a
    remark was made at: an act the article already reported, or one in general, not news."""
    dets = ctx.words["backreference_determiners"]
    if not c.nominal or c.held:
        return False
    tok = c.trigger
    if any(ch.dep_ in {"det", "predet", "amod"} and ch.lower_ in dets and ch.i < tok.i for ch in tok.children):
        return True
    if (
        c.etype in ctx.words["occasion_types"]
        and tok.dep_ == "dobj"
        and ctx.lex.verb_type.get(tok.head.lemma_.lower()) == "statement"
        and tok.head.lemma_.lower() not in ctx.lex.pledge_announcers
        and is_definite(tok, ctx.words["definite_determiners"])
    ):
        return True  # "described his talks with X as positive": the remark is the act, the talks its topic
    if c.etype != "meeting" or not any(ch.dep_ == "det" and ch.lower_ == "the" for ch in tok.children):
        return False  # a possessor ("their talks in Vienna") may well introduce the talks
    if any(ch.dep_ == "prep" and ch.lower_ in ctx.words["meeting_preps"] for ch in tok.children):
        return False  # "the talks with Iran": the counterpart is named, the act may be new
    if c.variant == "talks":
        return True  # "progress in the talks", "sabotaging the talks": talks the story is about
    prep = tok.head if tok.dep_ == "pobj" else None
    return (  # "said at the council meeting": the occasion of the remark, reported before
        prep is not None
        and prep.lower_ in ctx.words["occasion_preps"]
        and ctx.lex.verb_type.get(prep.head.lemma_.lower()) == "statement"
    )


def fold_content(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """ "pledged that Seoul would provide X and extend Y": provide/extend are the pledge's content;
    "announced South Korea would provide $300 million": one pledge by the announcer."""
    by_token = {c.trigger.i: c for c in cands}
    for c in cands:
        if c.etype not in {"aid", "pledge"} or c.trigger.pos_ != "VERB":
            continue
        frame = framing(c.trigger, by_token)
        if frame is None:
            continue
        future = tense_of(c.trigger, ctx.lex) == "future"
        if frame.etype == "pledge" or (frame.etype == "statement" and (future or c.etype == "pledge")):
            if frame.etype == "statement":
                frame.etype, frame.stance = "pledge", None
            frame.keys.append(c.trigger)
            frame.amounts.extend(c.amounts)
            c.absorbed = True
    for c in cands:
        if c.etype == "aid" and not c.absorbed:
            c.etype = "pledge" if tense_of(c.trigger, ctx.lex) == "future" else "aid"
    return cands


def framing(tok: Token, by_token: dict[int, Candidate]) -> Candidate | None:
    """The statement or pledge whose content clause `tok` stands in."""
    t = tok
    for _ in range(5):
        if t.head is t:
            return None
        if t.dep_ not in {"ccomp", "xcomp", "conj", "advcl", "pcomp", "prep", "pobj", "parataxis"}:
            return None
        t = t.head
        c = by_token.get(t.i)
        if c is not None and c.etype in {"statement", "pledge"}:
            return c
        if c is not None and c.etype == "aid" and c.absorbed:
            # conjunct of an absorbed content verb ("provide ... and extend ...")
            continue
    return None


def bind_amounts(ctx: ArticleContext, sent: Span, cands: list[Candidate]) -> None:
    """Each money amount goes to the pledge whose clause holds it; several amounts, several pledges.
    A statement whose content commits money ("South Korea would prepare a $2 billion package, Yoon
    said") is a pledge by the speaker."""
    amounts = [a for a in find_amounts(sent.text) if not a.is_conversion]
    if not amounts:
        return
    roots = []
    for amount in amounts:
        span = ctx.doc.char_span(sent.start_char + amount.start, sent.start_char + amount.end, alignment_mode="expand")
        if span is not None:
            roots.append((amount, span.root))
    pledgers = [c for c in cands if c.etype in {"pledge", "aid"} and not c.absorbed]
    if not pledgers:
        for c in cands:
            if c.etype != "statement" or c.absorbed:
                continue
            inside = [(a, r) for a, r in roots if c.trigger in r.ancestors and is_commitment(ctx, r)]
            if inside:
                c.etype, c.stance = "pledge", None
                pledgers = [c]
                break
    if not pledgers:
        return
    key_owner = {k.i: c for c in pledgers for k in c.keys}
    for amount, root in roots:
        owner = None
        for t in root.subtree:  # "the US$150 million promised this year"
            if t.i in key_owner and t.dep_ in {"acl", "relcl"}:
                owner = key_owner[t.i]
                break
        if owner is None:
            for t in root.ancestors:
                if t.i in key_owner:
                    owner = key_owner[t.i]
                    break
        if owner is None:
            owner = min(pledgers, key=lambda c: abs(c.trigger.i - root.i))
        owner.amounts.append(amount)


def is_commitment(ctx: ArticleContext, root: Token) -> bool:
    """An amount promised: in a future clause, or naming aid ("a $2 billion support package")."""
    w = ctx.words
    if any(c.lower_ in w["valuation_verbs"] for c in root.children):
        return False  # "an estimated $10 billion": a figure given, not money committed
    for t in [root, *root.ancestors]:
        lemma = t.lemma_.lower()
        if lemma in ctx.lex.pledge_nouns:
            return True
        if lemma in w["traded_value_nouns"] or any(
            p.dep_ == "prep"
            and p.lower_ == "of"
            and any(g.lemma_.lower() in w["traded_value_nouns"] for g in p.children)
            for p in t.children
        ):
            return False  # "tariffs on $60 billion of goods", "$200 billion worth of goods": the value of trade
        if t.pos_ == "VERB":
            if lemma in w["valuation_verbs"] or any(
                c.dep_ == "dobj" and c.lemma_.lower() in w["traded_value_nouns"] for c in t.children
            ):
                return False  # "will cost $2 billion", "impose tariffs on $40 billion"
            return tense_of(t, ctx.lex) == "future"
    return False


def merge_same_act(cands: list[Candidate]) -> list[Candidate]:
    """Several triggers of one act in one sentence ("made a call ... and urged") give one event."""
    out: list[Candidate] = []
    for c in cands:
        if c.absorbed:
            out.append(c)
            continue
        same = next(
            (
                o
                for o in out
                if not o.absorbed
                and o.etype == c.etype
                and not o.amounts
                and not c.amounts
                and o.actor == c.actor
                and (c.actor or o.nominal or c.nominal)
                and not distinct_speech_acts(o, c)
            ),
            None,
        )
        if same is None:
            out.append(c)
            continue
        same.keys.extend(k for k in c.keys if k not in same.keys)
        for p in c.participants:
            if p not in same.participants:
                same.participants.append(p)
        if same.stance in {None, "other"} and c.stance not in {None, "other"}:
            same.stance = c.stance
        same.destination = same.destination or c.destination
        same.summit_key = same.summit_key or c.summit_key
        same.nominal = same.nominal and c.nominal
    return out


def distinct_speech_acts(a: Candidate, b: Candidate) -> bool:
    """Two reporting verbs of different kinds, each with its own content, are two acts: "told
    Congress X, as they pleaded for Y", "said X, while warning Y" (not "made a call for X and
    urged Y": one appeal)."""
    if a.etype != "statement" or a.nominal or b.nominal:
        return False
    stances = {a.stance or "other", b.stance or "other"}
    return len(stances) == 2 and all(
        any(ch.dep_ in {"ccomp", "xcomp", "dobj", "prep", "parataxis"} for ch in x.trigger.children) for x in (a, b)
    )


def share_in_sentence(cands: list[Candidate]) -> None:
    """Coordinated acts share parties ("held talks with X and vowed Y"); a speech takes the
    parties of the statement its speaker makes in it."""
    live = [c for c in cands if not c.absorbed]
    for c in live:
        if c.participants:
            continue
        for o in live:
            if o is c or not o.participants:
                continue
            coordinated = any(k.dep_ == "conj" and k.head in o.keys for k in c.keys) or any(
                k.dep_ == "conj" and k.head in c.keys for k in o.keys
            )
            speech_content = c.etype == "speech" and o.etype == "statement" and o.actor == c.actor
            if (coordinated and o.actor == c.actor) or speech_content:
                c.participants = list(o.participants)
                break
        if not c.actor:
            for o in live:
                if o is not c and o.actor and any(k.dep_ == "conj" and k.head in o.keys for k in c.keys):
                    c.actor = list(o.actor)
                    break
