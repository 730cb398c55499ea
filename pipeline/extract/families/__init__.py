"""Rule families, one module each, registered by name (spaCy-style registry, registry.py).

statement (statement, call), speech, pledge (pledge, aid), visit, meeting, agreement, conflict
(military, arrest, sanction, expel, threaten), and the two trigger shapes: light verbs ("held
talks") and nominal triggers ("the summit"). Importing this package registers them all.
"""

from __future__ import annotations

from spacy.tokens import Span

from pipeline.extract.context import ArticleContext
from pipeline.extract.families import (  # noqa: F401  (importing registers the families)
    agreement,
    conflict,
    lightverb,
    meeting,
    nominal,
    pledge,
    speech,
    statement,
    visit,
)
from pipeline.extract.families.registry import FAMILIES, Family, active_families, family_name, register_family
from pipeline.extract.records import Candidate

__all__ = ["FAMILIES", "Family", "active_families", "candidate", "family_name", "register_family"]


def candidate(ctx: ArticleContext, families: dict[str, Family], span: Span) -> Candidate | None:
    """The candidate act of one marked trigger, from the family its label names (None: no act)."""
    tok = span[0]
    name, etype = family_name(span.label_)
    family = families.get(name)
    if family is None:
        return None
    return family(ctx, tok, tok.lemma_.lower(), etype)
