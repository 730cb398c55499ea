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
    if _attempted(ctx, tok):
        return None  # "scrambling to reach a deal", "try and reach a deal", "no rush to finalize": not (yet) an act
    if lemma == "sign" and obj is not None and _signed_text(ctx, obj):
        return Candidate("statement", tok, [tok], stance="other")  # "signed a statement/letter demanding ..."
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


def _attempted(ctx: ArticleContext, tok: Token) -> bool:
    """The deal is only tried for: the verb is the goal of an attempt ("were scrambling to reach",
    "seek to finalize", "try and reach") or of an effort noun ("a bid to reach", "no rush to sign")."""
    w = ctx.words
    head = tok.head.lemma_.lower()
    if tok.dep_ == "xcomp" and head in w["attempt_heads"]:
        return True
    if tok.dep_ == "conj" and head == "try":
        return True
    return tok.dep_ == "acl" and tok.head.pos_ == "NOUN" and head in w["attempt_nouns"]


def _signed_text(ctx: ArticleContext, obj: Token) -> bool:
    """A statement, letter or petition signed is a statement made, not a pact ("a joint statement" stays one)."""
    if obj.lemma_.lower() not in ctx.words["signed_text_nouns"]:
        return False
    return not any(c.dep_ in {"amod", "compound"} and c.lower_ == "joint" for c in obj.children)
