"""The registry of rule families: a name (the trigger's candidate type) -> the function that turns
a marked trigger into a candidate act, or refuses it. Filled by `@register_family(...)` when the
family modules are imported; the driver takes the families named in rules/words.json."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Token

from pipeline.extract.context import ArticleContext
from pipeline.extract.records import Candidate

# (context, trigger token, its lowercased lemma, the type the trigger was marked with) -> candidate
Family = Callable[[ArticleContext, Token, str, str], Candidate | None]

FAMILIES: dict[str, Family] = {}


def register_family(*names: str) -> Callable[[Family], Family]:
    """Register a family function under one or more trigger types ("pledge", "aid")."""

    def add(fn: Family) -> Family:
        for name in names:
            if name in FAMILIES:
                raise ValueError(
                    f"rule family {name!r} is registered twice ({FAMILIES[name].__module__}, {fn.__module__})"
                )
            FAMILIES[name] = fn
        return fn

    return add


def active_families(names: tuple[str, ...]) -> dict[str, Family]:
    """The registered families named in the word lists' "families" list, by name."""
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ValueError(f"rules/words.json names unregistered rule families {unknown}; registered: {sorted(FAMILIES)}")
    return {n: FAMILIES[n] for n in names}


def family_name(label: str) -> tuple[str, str]:
    """(family name, event type) of a trigger span label: "light", "N:summit" -> nominal, "V:pledge"."""
    if label == "light":
        return "light", ""
    kind, _, etype = label.partition(":")
    return ("nominal" if kind == "N" else etype), etype
