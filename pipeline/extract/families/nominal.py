"""Nominal triggers: "the summit", "his visit to Seoul", "a phone call", "talks"."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.folding import convened
from pipeline.extract.places import destination
from pipeline.extract.records import Candidate
from pipeline.extract.scene import summit_key
from pipeline.extract.syntax import is_definite


@register_family("nominal")
def nominal(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    w = ctx.words
    if (
        tok.dep_ in {"dobj", "nsubjpass"}
        and tok.head.lemma_.lower() in lex.cancel_verbs
        and not convened(ctx, tok, tok.head)
    ):
        return None  # "cancelled his trip", "the meeting was postponed", "called off the talks" ("called a meeting" convenes it)
    if _refused_above(ctx, tok):
        return None  # "rejected the idea of attending the conference", "refused to join the talks"
    if any(c.dep_ == "amod" and c.lower_ in w["not_speech_modifiers"] for c in tok.children):
        return None  # "free speech", "hate speech"
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lemma_.lower() in w["not_speech_heads"]:
        return None  # "freedom of speech", "the right of assembly": a right, not an act
    if tok.dep_ == "oprd" and any(c.dep_ == "dobj" and c.pos_ == "PRON" for c in tok.head.children):
        return None  # "called it a historic summit", "called this a trust-building visit": a view of an act told before
    if tok.dep_ == "pobj" and tok.head.lower_ in lex.temporal_preps and is_definite(tok, w["definite_determiners"]):
        return None  # "after the Cairo address": a time reference to an act reported before
    if etype == "meeting" and any(
        c.dep_ == "compound" and lex.noun_type.get(c.lemma_.lower()) == "summit" for c in tok.children
    ):
        return None  # "the NATO summit meeting": one act, the summit its modifier names
    if etype == "meeting" and lemma == "talk" and tok.tag_ != "NNS":
        return None
    if etype == "meeting" and lemma == "call":
        if not any(c.lower_ in w["call_media"] for c in tok.lefts):
            return None
        if tok.dep_ == "pobj" and tok.head.lower_ in w["call_source_preps"]:
            return None  # "information from tapped phone calls"
        c = Candidate("meeting", tok, [tok], variant="phone", nominal=True)
        return with_light_verb(ctx, c)
    if lemma in w["solo_conference_nouns"] and not _joint(tok, w):
        return None  # "a press conference" is one side speaking; a joint one, or a peace conference, is a meeting
    if etype == "speech" and lemma == "address" and any(c.lower_ in w["not_address_modifiers"] for c in tok.lefts):
        return None
    if etype == "summit" and tok.tag_ == "NNS" and not is_definite(tok, w["definite_determiners"]):
        return None  # "a scholar on G-20 summits": summits in general
    c = Candidate(etype, tok, [tok], nominal=True)
    session = _held_session(tok, w) if etype in {"meeting", "summit"} else None
    if session is not None:
        c.held = c.animate = True  # "talks are set to resume in Geneva": the session is the news
        c.keys.append(session)  # its place, date and negation ("will not resume") are the verb's
    if etype == "meeting" and lemma in w["talk_nouns"]:
        c.variant = "talks"
    if etype == "visit":
        c.destination = destination(ctx, tok, lemma)
    if etype == "summit":
        c.summit_key = summit_key(ctx, tok)
    return with_light_verb(ctx, c)


def with_light_verb(ctx: ArticleContext, c: Candidate) -> Candidate:
    """ "held talks", "paid a visit", "delivered a speech": the verb is part of the act."""
    tok = c.trigger
    if tok.dep_ == "dobj" and tok.head.pos_ == "VERB" and tok.head.lemma_.lower() in ctx.lex.light_verbs:
        c.keys.insert(0, tok.head)
        c.nominal = False
    return c


def _joint(tok: Token, w: dict) -> bool:
    """A conference of several parties: not "a press/news conference" unless it is a joint one."""
    lefts = {c.lower_ for c in tok.subtree if c.i < tok.i}
    return not (lefts & w["one_side_conference_modifiers"]) or bool(lefts & w["joint_modifiers"])


def _refused_above(ctx: ArticleContext, tok: Token) -> bool:
    """The act hangs (through "of attending", "to join") from a verb that cancels or refuses it."""
    t = tok
    for _ in range(4):
        if t.dep_ not in {"pobj", "prep", "pcomp", "xcomp", "dobj", "acl"} or t.head.i == t.i:
            return False
        t = t.head
        lemma = t.lemma_.lower()
        if t.pos_ == "VERB" and t.i != tok.head.i and lemma in ctx.lex.cancel_verbs:
            # "call" cancels only as "call off"
            return lemma not in ctx.words["convene_verbs"] or any(c.dep_ == "prt" for c in t.children)
    return False


def _held_session(tok: Token, w: dict) -> Token | None:
    """The meeting noun is the subject of a session verb ("talks will resume", "the negotiations
    reconvene", "talks are set to open Monday", "the summit will be held in Lima")."""
    if tok.dep_ not in {"nsubj", "nsubjpass"}:
        return None
    verb = tok.head
    if verb.lemma_.lower() in w["schedule_verbs"]:  # "are set/scheduled/expected to resume"
        verb = next((c for c in verb.children if c.dep_ == "xcomp"), verb)
    lemma = verb.lemma_.lower()
    if lemma == "hold":
        return verb if tok.dep_ == "nsubjpass" or any(c.dep_ == "auxpass" for c in verb.children) else None
    if any(c.dep_ == "aux" and c.lower_ in w["obligation_modals"] for c in verb.children):
        return None  # "talks should resume without preconditions": a view on the talks
    return verb if verb.pos_ == "VERB" and lemma in w["session_verbs"] else None
