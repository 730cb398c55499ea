"""Speeches: "addressed the assembly", "spoke at the forum" (else "spoke" is a statement)."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate
from pipeline.extract.syntax import is_negated, pobj_of


@register_family("speech")
def speech(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    if lemma == "address":
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is not None and (obj.lemma_.lower() in lex.audience_nouns or obj.ent_type_ in {"ORG", "EVENT"}):
            return Candidate("speech", tok, [tok])
        return None
    if lemma == "speak" and _sets_a_statement(ctx, tok):
        return None  # "Speaking to reporters, he said ...": the setting of the statement that follows
    audience_preps = ctx.words["speech_audience_preps"]
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in audience_preps):
        pobj = pobj_of(prep)
        if pobj is not None and formal_audience(ctx, pobj):
            return Candidate("speech", tok, [tok])
    if lemma == "speak" and _spoke_with_party(ctx, tok):
        return Candidate("meeting", tok, [tok], variant="talks")  # "spoke with President X", "X and Y spoke"
    if lemma == "speak" and not _says_something(ctx, tok):
        return None  # "Obama spoke two days after ...", "a secretary has to speak clearly": nothing reported
    return Candidate("statement", tok, [tok], stance="other") if lemma == "speak" else None


def _says_something(ctx: ArticleContext, tok: Token) -> bool:
    """ "spoke" reports an act when the sentence gives what was said: a clause, an object, a topic
    ("spoke about", "spoke out against"), or a direct quote."""
    topic = ctx.words["speech_topic_preps"]
    if tok.tag_ == "VBG" and tok.dep_ == "advcl":
        return True  # "Speaking to reporters, she did not blame ...": the remark the sentence reports
    if any(c.dep_ in {"ccomp", "parataxis", "dobj", "prt"} for c in tok.children):
        return True
    if any(c.dep_ == "prep" and c.lower_ in topic for c in tok.children):
        return True
    return ctx.has_quote(ctx.sent(tok))


def _spoke_with_party(ctx: ArticleContext, tok: Token) -> bool:
    """Talks with a party on the other side: "spoke with the president", "spoke with Merkel by
    phone" (a person, body, state or title after "with"); and, when nothing said is reported,
    "spoke with Turkey's Erdogan for the first time", "Putin and Trump spoke after the election"
    (any name after "with", or joined subjects; never "spoke with reporters")."""
    said = any(c.dep_ in {"ccomp", "parataxis", "dobj"} for c in tok.children) or ctx.has_quote(ctx.sent(tok))
    press = ctx.words["press_audience_nouns"]
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ctx.words["meeting_preps"]):
        pobj = pobj_of(prep)
        if pobj is None:
            continue
        if pobj.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or pobj.lemma_.lower() in ctx.lex.person_titles:
            return True
        if not said and pobj.lemma_.lower() not in press and (pobj.pos_ == "PROPN" or pobj.ent_type_):
            return True
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    return not said and subj is not None and subj.pos_ == "PROPN" and any(c.dep_ == "conj" for c in subj.children)


def _sets_a_statement(ctx: ArticleContext, tok: Token) -> bool:
    """A participial "Speaking ..." with no subject of its own, adjunct of a reporting verb, and not
    an address to a formal audience (an assembly, a forum): the occasion of the act, one act."""
    head = tok.head
    if tok.tag_ != "VBG" or tok.dep_ != "advcl" or ctx.lex.verb_type.get(head.lemma_.lower()) != "statement":
        return False
    if any(c.dep_ in {"nsubj", "nsubjpass"} for c in tok.children) or is_negated(head):
        return False  # "Speaking to reporters, she did not blame ...": the speaking is what is left
    for prep in (c for c in tok.children if c.dep_ == "prep"):
        pobj = pobj_of(prep)
        if pobj is not None and pobj.lemma_.lower() in ctx.words["press_audience_nouns"]:
            return True
    return not any(
        (p := pobj_of(prep)) is not None and formal_audience(ctx, p)
        for prep in tok.children
        if prep.dep_ == "prep" and prep.lower_ in ctx.words["speech_audience_preps"]
    )


def formal_audience(ctx: ArticleContext, pobj: Token) -> bool:
    """An audience a speech is given to ("the assembly", "a forum", a named body or event), not a
    social occasion ("a dinner gathering", "a lunch meeting"): speaking there is a statement."""
    if any(
        c.dep_ in {"compound", "amod"} and c.lemma_.lower() in ctx.words["social_occasion_nouns"] for c in pobj.children
    ):
        return False
    return pobj.lemma_.lower() in ctx.lex.audience_nouns or pobj.ent_type_ in {"ORG", "EVENT"}
