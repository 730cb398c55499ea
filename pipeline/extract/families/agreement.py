"""Agreements: "signed a deal", "agreed to", "ratified the treaty" ("struck" a target is military)."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate


@register_family("agreement")
def agreement(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    obj = next((c for c in tok.children if c.dep_ in {"dobj", "nsubjpass"}), None)
    if lemma == "agree":
        agree_preps = ctx.words["agree_preps"]
        if any(c.dep_ == "ccomp" for c in tok.children):
            return Candidate("statement", tok, [tok], stance="support")  # "agrees (with X) that ..." is a view
        consent = ctx.words["consent_types"]
        if any(c.dep_ == "xcomp" and lex.verb_type.get(c.lemma_.lower()) in consent for c in tok.children):
            return None  # "agreed to come to Washington", "agreed to meet": consent; the act is the verb's own
        if any(c.dep_ == "xcomp" or c.dep_ == "prep" and c.lower_ in agree_preps for c in tok.children):
            return Candidate("agreement", tok, [tok])
        return None
    if lemma == "ratify" and obj is not None:
        return Candidate("agreement", tok, [tok])
    if obj is not None and obj.lemma_.lower() in lex.agreement_objects:
        c = Candidate("agreement", tok, [tok])
        if obj.dep_ == "nsubjpass" and not any(ch.dep_ == "agent" for ch in tok.children):
            if any(ch.dep_ == "mark" and ch.lower_ in ctx.words["pending_marks"] for ch in tok.children):
                return None  # "until a deal is reached": not (yet) an act
            if any(ch.dep_ == "det" and ch.lower_ in ctx.words["unreal_determiners"] for ch in obj.children):
                return None  # "no deal was reached", "whatever deal is reached"
            c.held = c.animate = True  # "the deal was reached last summer": the act, its parties unnamed
        return c
    if lemma == "strike" and obj is not None:
        return Candidate("military", tok, [tok])
    return None
