"""Conflict and coercion: military action, arrests, sanctions, expulsions, threats."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate


@register_family("military", "arrest", "sanction", "expel", "threaten")
def conflict(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    w = ctx.words
    if etype == "military" and lemma in w["launch_verbs"]:
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is None or obj.lemma_.lower() not in w["launch_objects"]:
            return None  # "launched a campaign" is no attack
    return Candidate(etype, tok, [tok])
