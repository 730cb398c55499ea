"""Light verbs with an event object: "held talks", "made a speech" (the object is the trigger)."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate


@register_family("light")
def light_verb(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    etype, stance = lex.light_objects[lemma]
    if lemma in lex.noun_type and not _refused_call(ctx, tok, lemma):
        return None  # "held talks", "delivered a speech": the noun trigger covers it
    return Candidate(etype, tok, [tok.head, tok], stance=stance)


def _refused_call(ctx: ArticleContext, tok: Token, lemma: str) -> bool:
    """ "repeated his call for": a call with no phone or video before it is an appeal, which the
    nominal family (calls as talks) refuses, so the light verb keeps it."""
    return lemma == "call" and not any(c.lower_ in ctx.words["call_media"] for c in tok.lefts)
