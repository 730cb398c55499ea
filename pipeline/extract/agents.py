"""Agents that the animacy check cannot see in the word itself.

- A document that speaks for its author: "the ministry's report said", "a Kremlin statement
  said" (a document noun, `document_nouns`, whose owner or modifier is an agent).
- Members of a body: "members adopted a resolution", "council members said", but not "family
  members said" (a noun before "members" that is no agent makes them members of the public).
- The owner of an event noun that is the subject: "his tour has included a NATO summit", "the
  president's visit will end with a speech" (the tour's or visit's owner acts).
- A personal pronoun that repeats the speaker of the clause above: "officials said they will
  meet", "the ministers said we are ready" (the speaker of the reporting verb is an agent).
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.syntax import subject_of

SPEAKER_PRONOUNS = frozenset({"they", "we", "i"})


def borrowed_agent(ctx: ArticleContext, tok: Token, animate: Callable[[ArticleContext, Token], bool]) -> bool:
    """True when `tok` is not an agent itself but stands for one (see the module docstring)."""
    lemma = tok.lemma_.lower()
    if lemma in ctx.words["document_nouns"]:
        for c in tok.children:
            if c.dep_ in {"poss", "compound", "amod"} and animate(ctx, c):
                return True  # "the ministry's report", "a Kremlin statement"
            if (
                c.dep_ == "prep"
                and c.lower_ in ctx.words["document_source_preps"]
                and any(g.dep_ == "pobj" and animate(ctx, g) for g in c.children)
            ):
                return True  # "a statement from the embassy"
        return False
    if lemma in ctx.words["member_nouns"]:
        return all(animate(ctx, c) for c in tok.children if c.dep_ == "compound")
    speaker = repeated_speaker(ctx, tok)
    return speaker is not None and animate(ctx, speaker)


def repeated_speaker(ctx: ArticleContext, tok: Token) -> Token | None:
    """The speaker a subject pronoun repeats: "officials said they will meet" (a content clause),
    "officials told Congress ..., as they pleaded with lawmakers" (an adverbial clause), "the
    president said the two met" (one of the two who met)."""
    together = tok.lower_ in ctx.words["plural_subjects"] and ctx.lex.verb_type.get(tok.head.lemma_.lower()) in {
        "meeting",
        "summit",
    }  # "Obama said the two met at ...": the speaker is one of the two
    if not (tok.lower_ in SPEAKER_PRONOUNS or together) or tok.dep_ not in {"nsubj", "nsubjpass"}:
        return None
    clause = tok.head
    if clause.dep_ not in {"ccomp", "advcl"} or clause.head.i == clause.i:
        return None
    report = clause.head
    if ctx.lex.verb_type.get(report.lemma_.lower()) != "statement":
        return None
    speaker = subject_of(report)
    return speaker if speaker is not None and speaker.i != tok.i else None


def event_owner(ctx: ArticleContext, tok: Token | None) -> Token | None:
    """The possessor of an event noun standing as the agent ("[his] tour has included a summit"),
    else the token itself."""
    if tok is None or tok.lemma_.lower() not in ctx.lex.noun_type:
        return tok
    return next((c for c in tok.children if c.dep_ == "poss"), tok)
