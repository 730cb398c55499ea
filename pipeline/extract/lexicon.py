"""The trigger lexicon (rules/lexicon.json) and the rules' word lists (rules/words.json) as
frozen sets, loaded once.

Word lists are data, not code: adding a reporting verb or a pledge noun is an edit of the JSON
file, and the Matcher patterns of the spaCy components are built from it. The word lists the
places, dates, parties, scene and rule-family modules read are `Lexicon.words[name]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "rules" / "lexicon.json"
WORDS_FILE = "words.json"  # beside the lexicon file


@dataclass(frozen=True)
class Lexicon:
    verb_type: dict[str, str]  # lemma -> event type ("statement", "pledge", ...)
    stance: dict[str, str]  # statement verb lemma -> stance
    call_particles: dict[str, frozenset[str]]
    noun_type: dict[str, str]
    light_verbs: frozenset[str]
    light_objects: dict[str, tuple[str, str | None]]
    audience_nouns: frozenset[str]
    agreement_objects: frozenset[str]
    pledge_nouns: frozenset[str]
    pledge_announcers: frozenset[str]
    delivery_verbs: frozenset[str]
    speculation_modals: frozenset[str]
    future_modals: frozenset[str]
    future_heads: frozenset[str]
    speculation_heads: frozenset[str]
    request_heads: frozenset[str]
    hypothetical_marks: frozenset[str]
    speculative_modifiers: frozenset[str]
    generic_sources: frozenset[str]
    person_titles: frozenset[str]
    leader_titles: frozenset[str]
    group_nouns: frozenset[str]
    animate_nouns: frozenset[str]
    temporal_preps: frozenset[str]
    clause_required: frozenset[str]
    cancel_verbs: frozenset[str]
    traveller_nouns: frozenset[str]
    cameo: dict
    words: dict[str, frozenset[str]]  # rules/words.json: list name -> words (the "families" list: names in order)
    families: tuple[str, ...]  # rule families the driver uses, by registered name

    def cameo_code(self, event_type: str, stance: str | None = None, variant: str | None = None) -> str | None:
        """Closest CAMEO code of an event: by stance for statements, by variant (talks, host, money) otherwise."""
        if variant and variant in self.cameo:
            return self.cameo[variant]
        code = self.cameo.get(event_type)
        if isinstance(code, dict):
            return code.get(stance or "other", code.get("other"))
        return code


@lru_cache(maxsize=1)
def load_lexicon(path: str | None = None) -> Lexicon:
    rules_file = Path(path or RULES_FILE)
    raw = json.loads(rules_file.read_text(encoding="utf-8"))
    word_lists = json.loads(rules_file.with_name(WORDS_FILE).read_text(encoding="utf-8"))
    verb_type: dict[str, str] = {}
    stance: dict[str, str] = {}
    for etype, words in raw["verbs"].items():
        if isinstance(words, dict):
            for st, lemmas in words.items():
                for lemma in lemmas:
                    verb_type.setdefault(lemma, etype)
                    stance.setdefault(lemma, st)
        else:
            for lemma in words:
                verb_type.setdefault(lemma, etype)
    noun_type = {lemma: etype for etype, lemmas in raw["nouns"].items() for lemma in lemmas}
    objects = {k: (v[0], v[1]) for k, v in raw["light_verbs"]["objects"].items()}

    def fs(key: str) -> frozenset[str]:
        return frozenset(raw[key])

    return Lexicon(
        verb_type=verb_type,
        stance=stance,
        call_particles={k: frozenset(v) for k, v in raw["call_particles"].items()},
        noun_type=noun_type,
        light_verbs=frozenset(raw["light_verbs"]["verbs"]),
        light_objects=objects,
        audience_nouns=fs("audience_nouns"),
        agreement_objects=fs("agreement_objects"),
        pledge_nouns=fs("pledge_nouns"),
        pledge_announcers=fs("pledge_announcers"),
        delivery_verbs=fs("delivery_verbs"),
        speculation_modals=fs("speculation_modals"),
        future_modals=fs("future_modals"),
        future_heads=fs("future_heads"),
        speculation_heads=fs("speculation_heads"),
        request_heads=fs("request_heads"),
        hypothetical_marks=fs("hypothetical_marks"),
        speculative_modifiers=fs("speculative_modifiers"),
        generic_sources=fs("generic_sources"),
        person_titles=fs("person_titles"),
        leader_titles=fs("leader_titles"),
        group_nouns=fs("group_nouns"),
        animate_nouns=fs("animate_nouns"),
        temporal_preps=fs("temporal_preps"),
        clause_required=fs("clause_required"),
        cancel_verbs=fs("cancel_verbs"),
        traveller_nouns=fs("traveller_nouns"),
        cameo=raw["cameo"],
        words={k: frozenset(v) for k, v in word_lists.items() if not k.startswith("_")},
        families=tuple(word_lists["families"]),
    )
