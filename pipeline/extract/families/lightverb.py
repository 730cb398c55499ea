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
    if lemma in lex.noun_type:  # "held talks", "delivered a speech": the noun trigger covers it
        return None
    return Candidate(etype, tok, [tok.head, tok], stance=stance)
