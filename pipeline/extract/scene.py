"""The scene: what a sentence ties to among the events already emitted in the article -- a
sentence-initial frame ("At the APEC summit, ..."), a repeated mention of the same event, the
latest event of the same actor within a few sentences (its date and place are inherited).
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipeline.extract import resolvers
from pipeline.extract.context import ArticleContext
from pipeline.extract.entities import name_key
from pipeline.extract.records import Candidate, Emitted
from pipeline.extract.resolvers import Resolved
from pipeline.extract.syntax import is_definite, pobj_of

INHERIT_WINDOW = 6  # sentences a date or location may be carried over, when the actor ties them
PLEDGE_WINDOW = 2  # sentences a pledge's recipients are carried to a later pledge of the same country


def summit_key(ctx: ArticleContext, tok: Token) -> str | None:
    """Name of a summit ("APEC", "G20") so that later mentions of the same one are linked."""
    mods = [t for t in tok.lefts if t.dep_ in {"compound", "nmod", "amod"} and t.pos_ in {"PROPN", "NUM", "X"}]
    mods += [t for t in tok.lefts if t.dep_ in {"compound", "nmod"} and t.ent_type_ in {"ORG", "EVENT"}]
    if not mods:
        return None
    lo = min(t.left_edge.i for t in mods)
    hi = tok.i
    words = [t.text for t in ctx.doc[lo:hi] if t.pos_ in {"PROPN", "NUM", "X"} or t.text[:1].isupper()]
    text = " ".join(words).strip()
    if not text:
        return None
    known = resolvers.lookup(text, ctx.published)
    if known is not None:
        return known.name.lower()
    parts = [p for p in text.replace("-", " ").replace("(", " ").replace(")", " ").split() if p]
    if len(parts) > 1:
        return "".join(p[0] for p in parts if p[0].isupper()).lower()
    return text.lower()


def frame(ctx: ArticleContext, sent: Span) -> Emitted | None:
    """ "At the APEC summit, ...", "During the talks, ...": a sentence-initial frame that names an
    event reported earlier ties this sentence to it (its date and place)."""
    first = sent[0]
    w = ctx.words
    if first.dep_ != "prep" or first.lower_ not in w["frame_preps"]:
        return None
    pobj = pobj_of(first)
    if pobj is None or pobj.lemma_.lower() not in w["event_frame_nouns"]:
        return None
    key = summit_key(ctx, pobj) if pobj.lemma_.lower() == "summit" else None
    physical = w["physical_types"]
    for e in reversed(ctx.emitted):
        if key and e.summit_key == key:
            return e
        if not key and e.etype in physical and any(c.dep_ == "det" and c.lower_ == "the" for c in pobj.children):
            return e
    return None


def is_repeat(ctx: ArticleContext, c: Candidate) -> bool:
    """A nominal mention of an event already reported in this article ("At the APEC summit",
    "his U.S. trip") is the same event: it is linked (frames later sentences), not emitted again."""
    repeat_dets = ctx.words["repeat_determiners"]
    def_det = any(ch.dep_ == "det" and ch.lower_ in repeat_dets for ch in c.trigger.children)
    actor_keys = {name_key(a.name) for a in c.actor}
    for e in ctx.emitted:
        if e.etype != c.etype:
            continue
        if c.etype == "summit":
            if c.summit_key and e.summit_key == c.summit_key:
                return True
            if not c.summit_key and def_det:
                return True
        same_place = c.destination and e.location and c.destination[1] == e.location[1]
        if c.etype == "visit" and actor_keys & e.actor_keys and same_place:
            return True
        countries = {a.country for a in c.actor if a.country}
        related = actor_keys & e.actor_keys or countries & e.party_countries or not countries
        if (
            c.etype != "summit"
            and is_definite(c.trigger, ctx.words["definite_determiners"])
            and not c.destination
            and related
        ):
            return True
    return False


def is_leaders_meeting(ctx: ArticleContext, c: Candidate) -> bool:
    """A meeting of two or more leaders is a summit."""
    if not c.actor or not c.participants:
        return False
    people = [c.actor[0]] + [p for p, _ in c.participants]
    leaders = 0
    for p in people:
        if p.kind != "person":
            continue
        for m in ctx.entities.mentions:
            if m.entity == p and m.leader:
                leaders += 1
                break
    return leaders >= 2


def same_actor_context(ctx: ArticleContext, s_index: int, c: Candidate, tense: str, what: str) -> Emitted | None:
    """The latest earlier event, within a few sentences, that ties to this one through its actor:
    the same actor, or a party met at a meeting or summit ("The two leaders met ... Xi called on ...")."""
    keys = {name_key(a.name) for a in c.actor}
    if not keys:
        return None
    for e in reversed(ctx.emitted):
        if s_index - e.sent_index > INHERIT_WINDOW:
            return None
        if e.sent_index == s_index:
            continue
        value = e.date if what == "date" else e.location
        if value is None:
            continue
        if not (keys & e.actor_keys or (e.etype in {"summit", "meeting"} and keys & e.party_keys)):
            continue
        if what == "date" and tense == "past" and e.date[0] > ctx.published:
            continue
        if what == "date" and tense == "future" and e.date[0] < ctx.published:
            continue
        return e
    return None


def recent_pledge_recipients(ctx: ArticleContext, s_index: int, c: Candidate) -> list[tuple[Resolved, str]]:
    """The recipients of a pledge of the same country a sentence or two before."""
    countries = {a.country for a in c.actor if a.country}
    for e in reversed(ctx.emitted):
        if s_index - e.sent_index > PLEDGE_WINDOW:
            break
        if e.etype == "pledge" and e.amount_recipient and countries & e.party_countries:
            return e.amount_recipient
    return []
