"""Pledges and aid: "pledged $300 million", "offered to mediate", "provided Ukraine with ..."."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate
from pipeline.money import find_amounts

CURRENCY_SIGNS = "$€£¥"  # a token whose text is in this string (a substring test) is a currency sign


@register_family("pledge")
def pledge(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    if lemma == "commit" and not any(c.dep_ in {"prep", "xcomp"} and c.lower_ != "by" for c in tok.children):
        return None  # "committed an act of war" is no commitment
    if lemma in ctx.words["state_pledge_verbs"] and (
        tok.dep_ in {"acomp", "amod"} or any(c.dep_ == "auxpass" and c.lemma_ == "be" for c in tok.children)
    ):
        return None  # "were committed to peace", "is dedicated to": a disposition, not a promise made
    if not any(c.dep_ in {"dobj", "xcomp", "ccomp", "prep", "dative"} for c in tok.children):
        return None  # "as promised", "the Quran promises": nothing pledged
    if lemma == "offer" and not (any(c.dep_ == "xcomp" for c in tok.children) or gives_something(ctx, tok)):
        return None  # "offering advice" is no pledge; "offered to mediate", "offered $5m" are
    return Candidate("pledge", tok, [tok])


@register_family("aid")
def aid(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    if lemma in ctx.words["approval_verbs"] and any(
        c.dep_ in {"dobj", "nsubjpass"} and c.lemma_.lower() in ctx.lex.agreement_objects for c in tok.children
    ):
        return Candidate("agreement", tok, [tok])  # "approved the deal", "the accord was approved"
    return Candidate("aid", tok, [tok]) if gives_something(ctx, tok) else None


def gives_something(ctx: ArticleContext, tok: Token) -> bool:
    """ "provide $300 million", "send aid", "provide Ukraine with ..." -- not "provide stability"."""
    if find_amounts(ctx.sent(tok).text) and any(t.like_num or t.text in CURRENCY_SIGNS for t in tok.subtree):
        return True
    for c in tok.children:
        if c.dep_ in {"dobj", "nsubjpass"} and c.lemma_.lower() in ctx.lex.pledge_nouns:
            return True
        if c.dep_ in {"dative", "iobj"} and ctx.entities.resolve(c):
            return True
        if (
            c.dep_ == "dobj"
            and c.ent_type_ in {"GPE", "NORP"}
            and any(p.dep_ == "prep" and p.lower_ == "with" for p in tok.children)
        ):
            return True
    return False
