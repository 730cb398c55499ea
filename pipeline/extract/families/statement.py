"""Statements: reporting verbs ("said", "warned") and appeals ("called for", "called on")."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate


@register_family("call")
def call(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    """ "called for", "called on": an appeal only with its particle."""
    particles = ctx.lex.call_particles.get(lemma, frozenset())
    if any(c.dep_ in {"prep", "prt"} and c.lower_ in particles for c in tok.children):
        return Candidate("statement", tok, [tok], stance="appeal")
    if lemma == "call" and _names_something(tok):
        return Candidate("statement", tok, [tok], stance="other")  # "called the move an outrage"
    if lemma in ctx.words["request_object_verbs"] and _asks_someone_to_act(tok):
        return Candidate("statement", tok, [tok], stance="appeal")  # "asked the parliament to delay the vote"
    return None


def _asks_someone_to_act(tok: Token) -> bool:
    """ "asked X to do Y": an object and a to-infinitive after it (not "asked about", "asked for")."""
    obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
    return obj is not None and any(
        c.dep_ in {"xcomp", "ccomp"} and c.i > obj.i and any(a.lower_ == "to" and a.dep_ == "aux" for a in c.children)
        for c in tok.children
    )


def _names_something(tok: Token) -> bool:
    """ "called X Y" (a predicative complement after the object), not "called a meeting"/"called him"."""
    has_object = any(c.dep_ == "dobj" for c in tok.children)
    return has_object and any(
        c.dep_ in {"oprd", "xcomp", "ccomp"} and c.pos_ in {"NOUN", "PROPN", "ADJ", "VERB"} for c in tok.children
    )


def _receives_person(ctx: ArticleContext, tok: Token) -> bool:
    """The one welcomed is a person (object, or passive subject), not a decision or a move."""
    passive = any(c.dep_ == "auxpass" for c in tok.children)
    for c in tok.children:
        if c.dep_ == "dobj" or (passive and c.dep_ == "nsubjpass"):
            return (
                c.ent_type_ == "PERSON"
                or c.lower_ in {"him", "her", "them", "he", "she", "they"}
                or c.lemma_.lower() in ctx.lex.person_titles
            )
    return False


@register_family("statement")
def statement(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    w = ctx.words
    if tok.tag_ == "VBG" and tok.dep_ == "advcl" and lemma in w["adjunct_only_reporting_verbs"]:
        return None  # "..., citing activists": the source of a report, not an act
    if tok.dep_ in {"xcomp", "pcomp"} and tok.head.lemma_.lower() in w["cessation_heads"]:
        return None  # "does not force Iran to stop threatening Israel"
    if lemma in w["reception_verbs"] and _receives_person(ctx, tok):
        return None  # "welcomed the premier at the airport", "was welcomed by the president": a reception
    stance = lex.stance.get(lemma, "other")
    if (
        lemma in lex.clause_required
        and not any(c.dep_ in {"ccomp", "parataxis"} for c in tok.children)
        and not ctx.has_quote(ctx.sent(tok))
    ):
        return None
    return Candidate("statement", tok, [tok], stance=stance)
