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
    return None


@register_family("statement")
def statement(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    stance = lex.stance.get(lemma, "other")
    if (
        lemma in lex.clause_required
        and not any(c.dep_ in {"ccomp", "parataxis"} for c in tok.children)
        and not ctx.has_quote(ctx.sent(tok))
    ):
        return None
    return Candidate("statement", tok, [tok], stance=stance)
