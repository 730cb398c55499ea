"""Visits: a trip with a destination ("traveled to Russia", "arrived in Pyongyang")."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.places import destination
from pipeline.extract.records import Candidate


@register_family("visit")
def visit(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    dest = destination(ctx, tok, lemma)
    if dest is None:
        return None
    c = Candidate("visit", tok, [tok])
    # a venue the gazetteer cannot place ("arriving at the X Airport") marks the trip but is no
    # setting for what follows: the place comes from the scene or the dateline
    c.destination = dest if dest[1] is not None else None
    return c
