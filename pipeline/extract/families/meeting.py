"""Meetings by verb: "met Xi", "held talks with", "hosted the prime minister", "negotiated"."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.families.registry import register_family
from pipeline.extract.records import Candidate
from pipeline.extract.syntax import modals


@register_family("meeting")
def meeting(ctx: ArticleContext, tok: Token, lemma: str, etype: str) -> Candidate | None:
    lex = ctx.lex
    w = ctx.words
    children = list(tok.children)
    obj = next((c for c in children if c.dep_ == "dobj"), None)
    has_with = any(
        c.dep_ == "prep" and c.lower_ in w["meeting_preps"]
        for c in [*children, *(obj.children if obj is not None and lemma in w["discuss_verbs"] else ())]
    )  # "discussed the plan with X": the counterpart may hang from the topic
    if lemma in w["host_verbs"]:
        if obj is not None and (obj.ent_type_ == "PERSON" or obj.lemma_.lower() in lex.person_titles):
            return Candidate("meeting", tok, [tok], variant="host")
        return None
    if lemma in w["discuss_verbs"] and (not has_with or modals(tok)):
        # "will discuss with world leaders" is an intention, not talks held
        return None
    if lemma == "meet":
        if has_with and any(c.dep_ == "auxpass" for c in children):
            return None  # "was met with protests", "to be met with walls": a reaction, not talks
        subj = next((c for c in children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        plural = subj is not None and (
            subj.tag_ in {"NNS", "NNPS"}
            or any(c.dep_ == "conj" for c in subj.children)
            or subj.lower_ in w["plural_subjects"]  # "they will meet", "the two met"
            or subj.lemma_.lower() in w["body_nouns"]  # "the council will meet": a body meets as one
        )
        if obj is None and not has_with and not plural and tok.dep_ not in {"xcomp", "advcl", "pcomp"}:
            return None
        if obj is not None and not (
            obj.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"}
            or obj.pos_ == "PRON"
            or obj.lemma_.lower() in lex.person_titles
            or obj.lemma_.lower() in lex.animate_nouns
        ):
            return None  # "meet the requirements", "meet demand"
        if obj is not None and obj.lemma_.lower() in w["meet_non_objects"]:
            return None
    return Candidate("meeting", tok, [tok], variant="talks" if lemma == "negotiate" else None)
