"""Speeches: "addressed the assembly", "spoke at the forum" (else "spoke" is a statement)."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate
from pipeline.extract.syntax import pobj_of


@register_family("speech")
def speech(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    if lemma == "address":
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is not None and (obj.lemma_.lower() in lex.audience_nouns or obj.ent_type_ in {"ORG", "EVENT"}):
            return Candidate("speech", tok, [tok])
        return None
    audience_preps = ctx.words["speech_audience_preps"]
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in audience_preps):
        pobj = pobj_of(prep)
        if pobj is not None and (pobj.lemma_.lower() in lex.audience_nouns or pobj.ent_type_ in {"ORG", "EVENT"}):
            return Candidate("speech", tok, [tok])
    if lemma == "speak" and _with_party(ctx, tok):
        return Candidate("meeting", tok, [tok], variant="talks")  # "spoke with President X": talks
    return Candidate("statement", tok, [tok], stance="other") if lemma == "speak" else None


def _with_party(ctx: ArticleContext, tok: Token) -> bool:
    """ "spoke with the president", "spoke with Merkel by phone": a party on the other side."""
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ctx.words["meeting_preps"]):
        pobj = pobj_of(prep)
        if pobj is not None and (
            pobj.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or pobj.lemma_.lower() in ctx.lex.person_titles
        ):
            return True
    return False
