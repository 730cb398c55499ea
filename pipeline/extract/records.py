"""The two records the rules engine passes around: a candidate act of one sentence, and an event
already emitted in the article that later sentences may tie to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from spacy.tokens import Token

from pipeline.extract.resolvers import Resolved


@dataclass
class Candidate:
    etype: str
    trigger: Token
    keys: list[Token]  # tokens that carry the act: trigger, light verb, content verbs, framing reporting verb
    stance: str | None = None
    variant: str | None = None
    nominal: bool = False
    actor: list[Resolved] = field(default_factory=list)
    actor_text: str | None = None
    participants: list[tuple[Resolved, str]] = field(default_factory=list)
    amounts: list = field(default_factory=list)
    destination: tuple[str, str | None] | None = None
    absorbed: bool = False
    summit_key: str | None = None
    animate: bool = False
    actor_head: Token | None = None
    held: bool = False  # told without an agent: "talks will resume in Geneva", "the deal was reached"


@dataclass
class Emitted:
    """What later sentences may tie to: an event already found in this article."""

    sent_index: int
    etype: str
    actor_keys: set[frozenset[str]]
    party_keys: set[frozenset[str]]
    party_countries: set[str]
    date: tuple[dt.date, str, str] | None
    location: tuple[str, str | None] | None
    summit_key: str | None
    tense: str
    amount_recipient: list[tuple[Resolved, str]] | None = None
    countries: frozenset[str] = frozenset()  # of the actor and every party


def actor_key(c: Candidate) -> str:
    """The name a sentence's scene is kept under: the candidate's first actor."""
    return c.actor[0].name if c.actor else ""
