"""From marked triggers to event rows, one article at a time.

For each sentence: the triggers the `newsevents_triggers` component marked are checked (not
negated, not speculation, not a request that others act, not inside a direct quote), typed,
given an actor and parties from the parse, a date (from the sentence by the tense of the
event's clause, or from an earlier sentence only where the text ties them), a location and
money amounts. Content clauses are folded into the act that frames them: "announced South
Korea would provide $300 million" is one pledge, not a statement plus a pledge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from pipeline.dates import MONTH_ABBREVIATIONS, find_dates, resolve_date_phrase
from pipeline.dates import MONTHS as MONTH_NAMES
from pipeline.extract import resolvers
from pipeline.extract.components import QUOTES, TRIGGERS
from pipeline.extract.entities import SPEAKER_PRONOUNS, DocEntities, clean_name, name_key
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.resolvers import Resolved
from pipeline.extract.syntax import (
    PLACE_PREPS,
    agent_token,
    governing_verb,
    is_negated,
    is_speculative,
    modals,
    requested_by,
    tense_of,
)
from pipeline.money import find_amounts
from pipeline.offsets import OffsetMap

CORE_TYPES = ("summit", "meeting", "speech", "statement", "pledge", "visit", "agreement")
PHYSICAL = {"summit", "meeting", "speech", "visit", "agreement"}
EVENT_FRAME_NOUNS = {
    "summit",
    "speech",
    "address",
    "meeting",
    "talk",
    "conference",
    "forum",
    "gathering",
    "visit",
    "trip",
    "assembly",
    "session",
    "ceremony",
    "keynote",
    "sideline",
    "interview",
}
# month words that start a date phrase, from the one calendar list in pipeline/dates.py
MONTHS = {m.lower() for m in MONTH_NAMES} | {f"{a.lower()}." for a in MONTH_ABBREVIATIONS}
VENUE_NOUNS = EVENT_FRAME_NOUNS | {
    "hotel",
    "palace",
    "house",
    "building",
    "headquarters",
    "airport",
    "base",
    "city",
    "capital",
    "room",
    "residence",
    "venue",
    "hall",
    "region",
    "resort",
    "ministry",
    "office",
    "embassy",
    "port",
}
INHERIT_WINDOW = 6  # sentences a date or location may be carried over, when the actor ties them


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


class ArticleExtractor:
    """Extracts the events of one parsed article."""

    def __init__(self, doc: Doc, record: dict, omap: OffsetMap, lex: Lexicon, version: str):
        self.doc = doc
        self.record = record
        self.published: dt.date = record_date(record["published_date"])
        self.omap = omap
        self.lex = lex
        self.version = version
        self.entities = DocEntities.build(doc, self.published, lex)
        self.quote_spans = [(s.start, s.end) for s in doc.spans.get(QUOTES, [])]
        self.entities.quote_spans = self.quote_spans
        self.emitted: list[Emitted] = []
        self.rows: list[dict] = []
        self._dates_cache: dict[tuple[int, str], list] = {}
        self._other_statement_keys: set[int] = set()
        self._bare_months: dict[tuple[int, int], str] = {}
        # Token.sent walks the sentence on every call: sentences once, indexed by token
        self._sents: list[Span] = list(doc.sents)
        self._sent_index: list[int] = [0] * len(doc)
        for k, sent in enumerate(self._sents):
            self._sent_index[sent.start : sent.end] = [k] * (sent.end - sent.start)

    def _sent(self, tok: Token) -> Span:
        return self._sents[self._sent_index[tok.i]]

    # ---- driver ---------------------------------------------------------------------------
    def run(self) -> list[dict]:
        triggers = list(self.doc.spans.get(TRIGGERS, []))
        ti = 0
        for s_index, sent in enumerate(self._sents):
            in_sent = []
            while ti < len(triggers) and triggers[ti].start < sent.end:
                if triggers[ti].start >= sent.start:
                    in_sent.append(triggers[ti])
                ti += 1
            if in_sent:
                self._sentence(s_index, sent, in_sent)
        return self.rows

    def _sentence(self, s_index: int, sent: Span, spans: list[Span]) -> None:
        cands: list[Candidate] = []
        for span in spans:
            cand = self._candidate(span)
            if cand is not None and self._is_event(cand):
                cands.append(cand)
        if not cands:
            return
        cands = self._fold_content(cands)
        self._bind_amounts(sent, cands)
        self._other_statement_keys = {
            k.i for c in cands if c.etype == "statement" and not c.absorbed for k in c.keys if k.pos_ == "VERB"
        }
        for c in cands:
            self._arguments(c)
        cands = self._merge_same_act(cands)
        self._share_in_sentence(cands)
        dates = self._sentence_dates(sent)
        frame = self._frame(sent)
        scene: dict = {}  # actor -> where this sentence's physical events of that actor took place
        live = [c for c in cands if not c.absorbed]
        live.sort(key=lambda c: (c.etype not in PHYSICAL, c.trigger.i))
        for c in live:
            if c.nominal and self._is_repeat(c):
                if c.destination or c.etype == "summit":
                    loc = c.destination or self._location_for(c)
                    if loc:
                        scene.setdefault(_actor_key(c), loc)
                continue
            self._emit(s_index, sent, c, dates, frame, scene)

    # ---- candidates -----------------------------------------------------------------------
    def _candidate(self, span: Span) -> Candidate | None:
        tok = span[0]
        label = span.label_
        lemma = tok.lemma_.lower()
        lex = self.lex
        if label == "light":
            etype, stance = lex.light_objects[lemma]
            if lemma in lex.noun_type:  # "held talks", "delivered a speech": the noun trigger covers it
                return None
            return Candidate(etype, tok, [tok.head, tok], stance=stance)
        kind, _, etype = label.partition(":")
        if kind == "N":
            return self._nominal(tok, etype)
        if etype == "call":
            particles = lex.call_particles.get(lemma, frozenset())
            if any(c.dep_ in {"prep", "prt"} and c.lower_ in particles for c in tok.children):
                return Candidate("statement", tok, [tok], stance="appeal")
            return None
        if etype == "statement":
            stance = lex.stance.get(lemma, "other")
            if (
                lemma in lex.clause_required
                and not any(c.dep_ in {"ccomp", "parataxis"} for c in tok.children)
                and not self._has_quote(self._sent(tok))
            ):
                return None
            return Candidate("statement", tok, [tok], stance=stance)
        if etype == "speech":
            if lemma == "address":
                obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
                if obj is not None and (obj.lemma_.lower() in lex.audience_nouns or obj.ent_type_ in {"ORG", "EVENT"}):
                    return Candidate("speech", tok, [tok])
                return None
            for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in {"at", "to", "before"}):
                pobj = next((p for p in prep.children if p.dep_ == "pobj"), None)
                if pobj is not None and (
                    pobj.lemma_.lower() in lex.audience_nouns or pobj.ent_type_ in {"ORG", "EVENT"}
                ):
                    return Candidate("speech", tok, [tok])
            return Candidate("statement", tok, [tok], stance="other") if lemma == "speak" else None
        if etype == "pledge":
            if lemma == "commit" and not any(c.dep_ in {"prep", "xcomp"} and c.lower_ != "by" for c in tok.children):
                return None  # "committed an act of war" is no commitment
            if not any(c.dep_ in {"dobj", "xcomp", "ccomp", "prep", "dative"} for c in tok.children):
                return None  # "as promised", "the Quran promises": nothing pledged
            if lemma == "offer" and not (any(c.dep_ == "xcomp" for c in tok.children) or self._gives_something(tok)):
                return None  # "offering advice" is no pledge; "offered to mediate", "offered $5m" are
            return Candidate("pledge", tok, [tok])
        if etype == "visit":
            dest = self._destination(tok, lemma)
            if dest is None:
                return None
            c = Candidate("visit", tok, [tok])
            c.destination = dest
            return c
        if etype == "meeting":
            return self._meeting_verb(tok, lemma)
        if etype == "agreement":
            obj = next((c for c in tok.children if c.dep_ in {"dobj", "nsubjpass"}), None)
            if lemma == "agree":
                if any(
                    c.dep_ == "xcomp" or c.dep_ == "prep" and c.lower_ in {"on", "to", "with"} for c in tok.children
                ):
                    return Candidate("agreement", tok, [tok])
                if any(c.dep_ == "ccomp" for c in tok.children):
                    return Candidate("statement", tok, [tok], stance="support")  # "agrees that ..." is a view
                return None
            if lemma == "ratify" and obj is not None:
                return Candidate("agreement", tok, [tok])
            if obj is not None and obj.lemma_.lower() in lex.agreement_objects:
                return Candidate("agreement", tok, [tok])
            if lemma == "strike" and obj is not None:
                return Candidate("military", tok, [tok])
            return None
        if etype == "aid":
            return Candidate("aid", tok, [tok]) if self._gives_something(tok) else None
        if etype in {"military", "arrest", "sanction", "expel", "threaten"}:
            if etype == "military" and lemma in {"launch", "fire"}:
                obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
                if obj is None or obj.lemma_.lower() not in {
                    "missile",
                    "rocket",
                    "attack",
                    "strike",
                    "offensive",
                    "drone",
                    "shell",
                    "invasion",
                    "airstrike",
                }:
                    return None
            return Candidate(etype, tok, [tok])
        return None

    def _gives_something(self, tok: Token) -> bool:
        """ "provide $300 million", "send aid", "provide Ukraine with ..." -- not "provide stability"."""
        if find_amounts(self._sent(tok).text) and any(t.like_num or t.text in "$€£¥" for t in tok.subtree):
            return True
        for c in tok.children:
            if c.dep_ in {"dobj", "nsubjpass"} and c.lemma_.lower() in self.lex.pledge_nouns:
                return True
            if c.dep_ in {"dative", "iobj"} and self.entities.resolve(c):
                return True
            if (
                c.dep_ == "dobj"
                and c.ent_type_ in {"GPE", "NORP"}
                and any(p.dep_ == "prep" and p.lower_ == "with" for p in tok.children)
            ):
                return True
        return False

    def _nominal(self, tok: Token, etype: str) -> Candidate | None:
        lemma = tok.lemma_.lower()
        if tok.dep_ in {"dobj", "nsubjpass"} and tok.head.lemma_.lower() in self.lex.cancel_verbs:
            return None  # "cancelled his trip", "the meeting was postponed"
        if any(c.dep_ == "amod" and c.lower_ in {"free", "hate"} for c in tok.children):
            return None  # "free speech", "hate speech"
        if tok.dep_ == "pobj" and tok.head.lower_ in self.lex.temporal_preps and self._definite(tok):
            return None  # "after the Cairo address": a time reference to an act reported before
        if etype == "meeting" and lemma == "talk" and tok.tag_ != "NNS":
            return None
        if etype == "meeting" and lemma == "call":
            if not any(c.lower_ in {"phone", "telephone", "video"} for c in tok.lefts):
                return None
            if tok.dep_ == "pobj" and tok.head.lower_ in {"from", "of"}:
                return None  # "information from tapped phone calls"
            c = Candidate("meeting", tok, [tok], variant="phone", nominal=True)
            return self._with_light_verb(c)
        if etype == "speech" and lemma == "address" and any(c.lower_ in {"email", "web", "ip"} for c in tok.lefts):
            return None
        if etype == "summit" and tok.tag_ == "NNS" and not self._definite(tok):
            return None  # "a scholar on G-20 summits": summits in general
        c = Candidate(etype, tok, [tok], nominal=True)
        if etype == "meeting" and lemma in {"talk", "negotiation"}:
            c.variant = "talks"
        if etype == "visit":
            c.destination = self._destination(tok, lemma)
        if etype == "summit":
            c.summit_key = self._summit_key(tok)
        return self._with_light_verb(c)

    def _with_light_verb(self, c: Candidate) -> Candidate:
        """ "held talks", "paid a visit", "delivered a speech": the verb is part of the act."""
        tok = c.trigger
        if tok.dep_ == "dobj" and tok.head.pos_ == "VERB" and tok.head.lemma_.lower() in self.lex.light_verbs:
            c.keys.insert(0, tok.head)
            c.nominal = False
        return c

    def _summit_key(self, tok: Token) -> str | None:
        """Name of a summit ("APEC", "G20") so that later mentions of the same one are linked."""
        mods = [t for t in tok.lefts if t.dep_ in {"compound", "nmod", "amod"} and t.pos_ in {"PROPN", "NUM", "X"}]
        mods += [t for t in tok.lefts if t.dep_ in {"compound", "nmod"} and t.ent_type_ in {"ORG", "EVENT"}]
        if not mods:
            return None
        lo = min(t.left_edge.i for t in mods)
        hi = tok.i
        words = [t.text for t in self.doc[lo:hi] if t.pos_ in {"PROPN", "NUM", "X"} or t.text[:1].isupper()]
        text = " ".join(words).strip()
        if not text:
            return None
        known = resolvers.lookup(text, self.published)
        if known is not None:
            return known.name.lower()
        parts = [p for p in text.replace("-", " ").replace("(", " ").replace(")", " ").split() if p]
        if len(parts) > 1:
            return "".join(p[0] for p in parts if p[0].isupper()).lower()
        return text.lower()

    def _destination(self, tok: Token, lemma: str) -> tuple[str, str | None] | None:
        """Where a trip goes: "traveled to Russia", "arrived in Pyongyang", "visit to Seoul", "U.S. trip"."""
        preps = {"to", "for", "in", "at", "into"} if lemma in {"arrive", "land", "arrival"} else {"to", "for", "into"}
        for c in tok.children:
            if c.dep_ in {"dobj", "npadvmod"} and lemma in {"visit", "tour", "enter"}:
                place = self._place(c)
                if place:
                    return place
            if c.dep_ == "prep" and c.lower_ in preps | ({"in", "at"} if tok.pos_ == "NOUN" else set()):
                pobj = next((p for p in c.children if p.dep_ == "pobj"), None)
                if pobj is not None:
                    place = self._place(pobj)
                    if place:
                        return place
            if c.dep_ in {"compound", "nmod", "amod"} and tok.pos_ == "NOUN":
                place = self._place(c)
                if place:
                    return place
            if c.dep_ == "advmod" and c.lower_ in {"home", "abroad"}:
                return None
        return None

    def _place(self, tok: Token) -> tuple[str, str | None] | None:
        """A place named by a token (its entity), as (name, country)."""
        ent = self.entities.entity_span_at(tok.i)
        if ent is None and tok.pos_ == "PROPN":
            # a place the NER missed ("visited Tunis"): the gazetteer decides
            words = [t for t in tok.subtree if t.dep_ in {"compound", "flat"} or t.i == tok.i]
            name = " ".join(t.text for t in words)
            country = resolvers.place_country(name)
            if country:
                return (name, country)
        if ent is None or ent.label_ not in {"GPE", "LOC", "FAC", "ORG"}:
            # "Russia's far eastern region": the place is the possessor
            for c in tok.children:
                if c.dep_ in {"poss", "compound"}:
                    return self._place(c)
            return None
        name = clean_name(ent.text)
        if name.lower().startswith("the "):
            name = name[4:]
        known = resolvers.lookup(name, self.published)
        if known is not None and known.kind in {"organisation", "person", "group"}:
            return None  # "at the UN": an organisation is not a place
        country = resolvers.place_country(name)
        if country is None and ent.label_ in {"GPE", "LOC"}:
            country = resolvers.country_of(name)
        if country is None and ent.label_ == "ORG":
            return None
        if country is None and name.lower() in {"north", "south"}:
            found = self.entities._compass_country(tok)
            return (found[0].name, found[0].country) if found else None
        return (name, country)

    def _meeting_verb(self, tok: Token, lemma: str) -> Candidate | None:
        children = list(tok.children)
        has_with = any(c.dep_ == "prep" and c.lower_ in {"with", "between"} for c in children)
        obj = next((c for c in children if c.dep_ == "dobj"), None)
        if lemma in {"host", "receive"}:
            if obj is not None and (obj.ent_type_ == "PERSON" or obj.lemma_.lower() in self.lex.person_titles):
                return Candidate("meeting", tok, [tok], variant="host")
            return None
        if lemma in {"discuss", "talk", "confer"} and (not has_with or modals(tok)):
            # "will discuss with world leaders" is an intention, not talks held
            return None
        if lemma == "meet":
            subj = next((c for c in children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            plural = subj is not None and (subj.tag_ in {"NNS", "NNPS"} or any(c.dep_ == "conj" for c in subj.children))
            if obj is None and not has_with and not plural and tok.dep_ not in {"xcomp", "advcl", "pcomp"}:
                return None
            if obj is not None and not (
                obj.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"}
                or obj.pos_ == "PRON"
                or obj.lemma_.lower() in self.lex.person_titles
                or obj.lemma_.lower() in self.lex.animate_nouns
            ):
                return None  # "meet the requirements", "meet demand"
            if obj is not None and obj.lemma_.lower() in {
                "demand",
                "need",
                "target",
                "goal",
                "requirement",
                "standard",
            }:
                return None
        return Candidate("meeting", tok, [tok], variant="talks" if lemma == "negotiate" else None)

    # ---- filters --------------------------------------------------------------------------
    def _is_event(self, c: Candidate) -> bool:
        tok = c.trigger
        if self._in_quote(tok):
            # acts inside a direct quote are its content ("I urge ..."), unless only the verb phrase is
            # quoted and the speaker stands outside: Xi "called on China and South Korea to ..."
            subj = agent_token(c.keys[0])
            if subj is None or self._in_quote(subj) or subj.lower_ in SPEAKER_PRONOUNS:
                return False
        for k in c.keys:
            if is_negated(k):
                return False
            if is_speculative(k, self.lex):
                return False
        return c.etype == "statement" or requested_by(tok, self.lex) is None

    def _in_quote(self, tok: Token) -> bool:
        return any(s <= tok.i < e for s, e in self.quote_spans)

    def _has_quote(self, sent: Span) -> bool:
        return any(s < sent.end and e > sent.start for s, e in self.quote_spans)

    # ---- folding content into the act that frames it --------------------------------------
    def _fold_content(self, cands: list[Candidate]) -> list[Candidate]:
        """ "pledged that Seoul would provide X and extend Y": provide/extend are the pledge's content;
        "announced South Korea would provide $300 million": one pledge by the announcer."""
        by_token = {c.trigger.i: c for c in cands}
        for c in cands:
            if c.etype not in {"aid", "pledge"} or c.trigger.pos_ != "VERB":
                continue
            frame = self._framing(c.trigger, by_token)
            if frame is None:
                continue
            future = tense_of(c.trigger, self.lex) == "future"
            if frame.etype == "pledge" or (frame.etype == "statement" and (future or c.etype == "pledge")):
                if frame.etype == "statement":
                    frame.etype, frame.stance = "pledge", None
                frame.keys.append(c.trigger)
                frame.amounts.extend(c.amounts)
                c.absorbed = True
        for c in cands:
            if c.etype == "aid" and not c.absorbed:
                c.etype = "pledge" if tense_of(c.trigger, self.lex) == "future" else "aid"
        return cands

    def _framing(self, tok: Token, by_token: dict[int, Candidate]) -> Candidate | None:
        t = tok
        for _ in range(5):
            if t.head is t:
                return None
            if t.dep_ not in {"ccomp", "xcomp", "conj", "advcl", "pcomp", "prep", "pobj", "parataxis"}:
                return None
            t = t.head
            c = by_token.get(t.i)
            if c is not None and c.etype in {"statement", "pledge"}:
                return c
            if c is not None and c.etype == "aid" and c.absorbed:
                # conjunct of an absorbed content verb ("provide ... and extend ...")
                continue
        return None

    # ---- money ----------------------------------------------------------------------------
    def _bind_amounts(self, sent: Span, cands: list[Candidate]) -> None:
        """Each money amount goes to the pledge whose clause holds it; several amounts, several pledges.
        A statement whose content commits money ("South Korea would prepare a $2 billion package, Yoon
        said") is a pledge by the speaker."""
        amounts = [a for a in find_amounts(sent.text) if not a.is_conversion]
        if not amounts:
            return
        roots = []
        for amount in amounts:
            span = self.doc.char_span(
                sent.start_char + amount.start, sent.start_char + amount.end, alignment_mode="expand"
            )
            if span is not None:
                roots.append((amount, span.root))
        pledgers = [c for c in cands if c.etype in {"pledge", "aid"} and not c.absorbed]
        if not pledgers:
            for c in cands:
                if c.etype != "statement" or c.absorbed:
                    continue
                inside = [(a, r) for a, r in roots if c.trigger in r.ancestors and self._is_commitment(r)]
                if inside:
                    c.etype, c.stance = "pledge", None
                    pledgers = [c]
                    break
        if not pledgers:
            return
        key_owner = {k.i: c for c in pledgers for k in c.keys}
        for amount, root in roots:
            owner = None
            for t in root.subtree:  # "the US$150 million promised this year"
                if t.i in key_owner and t.dep_ in {"acl", "relcl"}:
                    owner = key_owner[t.i]
                    break
            if owner is None:
                for t in root.ancestors:
                    if t.i in key_owner:
                        owner = key_owner[t.i]
                        break
            if owner is None:
                owner = min(pledgers, key=lambda c: abs(c.trigger.i - root.i))
            owner.amounts.append(amount)

    def _is_commitment(self, root: Token) -> bool:
        """An amount promised: in a future clause, or naming aid ("a $2 billion support package")."""
        for t in [root, *root.ancestors]:
            if t.lemma_.lower() in self.lex.pledge_nouns:
                return True
            if t.pos_ == "VERB":
                return tense_of(t, self.lex) == "future"
        return False

    # ---- actor, parties -------------------------------------------------------------------
    def _arguments(self, c: Candidate) -> None:
        if c.absorbed:
            return
        ents = self.entities
        tok = c.trigger
        actor_tok = None
        if c.nominal:
            poss = next((ch for ch in tok.children if ch.dep_ == "poss"), None)
            by = next((ch for ch in tok.children if ch.dep_ in {"prep", "agent"} and ch.lower_ == "by"), None)
            if poss is not None:
                actor_tok = poss
            elif by is not None:
                actor_tok = next((p for p in by.children if p.dep_ == "pobj"), None)
            elif tok.dep_ not in {"nsubj", "nsubjpass"}:
                verb = governing_verb(tok)
                actor_tok = agent_token(verb) if verb is not None else None
        else:
            actor_tok = agent_token(c.keys[0])
            if (
                actor_tok is not None
                and actor_tok.dep_ == "nsubjpass"
                and actor_tok.head.i == c.keys[0].i
                and c.etype == "statement"
            ):
                # "Romney was criticised for ...": the subject is the target, the critic is unnamed
                c.actor_text = "__generic__"
                return
        if actor_tok is not None:
            if actor_tok.lemma_.lower() in self.lex.generic_sources and c.etype in {"statement", "pledge"}:
                c.actor = []
                c.actor_text = "__generic__"
                return
            c.actor = ents.resolve(actor_tok)
            c.actor_head = actor_tok
            c.animate = bool(c.actor) or self._animate(actor_tok)
            c.actor_text = " ".join(t.text for t in actor_tok.subtree if t.i <= actor_tok.i or t.dep_ in {"flat"})
        parties: list[tuple[Resolved, str]] = [(e, "counterpart") for e in c.actor[1:]]
        c.actor = c.actor[:1]
        role = {"statement": "target", "pledge": "recipient", "aid": "recipient", "speech": "target"}.get(
            c.etype, "counterpart"
        )
        for key in c.keys:
            for child in key.children:
                parties += self._parties_of(child, c, role)
        if c.etype in {"statement"}:
            for key in c.keys:
                parties += self._content_parties(key, c)
        if c.etype in {"summit", "meeting", "agreement"} and not parties:
            # "a roundtable on technology cooperation with Japanese Prime Minister Fumio Kishida"
            for t in tok.subtree:
                if t.dep_ == "prep" and t.lower_ == "with" and t.head.i != tok.i:
                    parties += self._pobj_parties(t, "counterpart")
        seen = {e.name for e in c.actor}
        for e, r in parties:
            if e.kind == "place" or e.name in seen:
                continue
            if c.actor and e.country and e.country == c.actor[0].country and e.kind == c.actor[0].kind == "country":
                continue
            seen.add(e.name)
            c.participants.append((e, r))
        if c.etype in {"summit", "meeting", "agreement", "visit"}:
            # the parties of a meeting are what a later "they" in the sentence points to
            self.entities.add_group(c.trigger.i, tuple([*c.actor, *(p for p, _ in c.participants)]))

    def _is_traveller(self, c: Candidate) -> bool:
        """A visit is an official's trip: a named person, an office holder or a delegation."""
        if c.actor and c.actor[0].kind == "person":
            return True
        head = c.actor_head
        return head is not None and head.lemma_.lower() in self.lex.traveller_nouns

    def _animate(self, tok: Token) -> bool:
        """An unresolved agent that can still act: a named one, or an office, body or group."""
        if tok.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"}:
            return True
        if tok.lower_ in {"i", "we", "you", "it", "they", "that", "which", "who", "this", "one"}:
            return False
        lemma = tok.lemma_.lower()
        return lemma in self.lex.animate_nouns or lemma in self.lex.person_titles

    def _parties_of(self, child: Token, c: Candidate, role: str) -> list[tuple[Resolved, str]]:
        dep = child.dep_
        out: list[tuple[Resolved, str]] = []
        if dep in {"dobj", "dative", "iobj"}:
            if c.etype == "visit":
                return out
            if c.etype in {"pledge", "aid"} and dep == "dobj" and child.pos_ == "NOUN":
                for p in child.children:  # "vowed support for Putin", "assistance to Ukraine"
                    if p.dep_ == "prep" and p.lower_ in {"for", "to"}:
                        out += self._pobj_parties(p, role)
                return out
            out += [(e, role) for e in self.entities.resolve(child)]
        elif dep == "prep":
            word = child.lower_
            if word in {"with", "between", "to", "for", "on", "upon", "against", "from"} and not (
                c.etype in {"visit"} and word in {"to", "for"}
            ):
                if word == "on" and c.etype != "statement":
                    return out
                out += self._pobj_parties(child, role)
        elif dep in {"compound", "nmod"} and c.etype in {"summit", "meeting"}:
            out += [(e, "counterpart") for e in self.entities.resolve(child)]
        elif dep == "conj" and child.pos_ in {"NOUN", "PROPN"} and c.nominal:
            pass
        return out

    def _pobj_parties(self, prep: Token, role: str) -> list[tuple[Resolved, str]]:
        pobj = next((p for p in prep.children if p.dep_ == "pobj"), None)
        if pobj is None:
            return []
        found = self.entities.resolve(pobj)
        if pobj.lemma_.lower() in self.lex.person_titles and pobj.tag_ in {"NNS", "NNPS"}:
            several = self._plural_titles(pobj)
            if len(several) > len(found):
                found = several
        return [(e, role) for e in found]

    def _plural_titles(self, tok: Token) -> list[Resolved]:
        """ "his South Korean and Japanese counterparts": one party per nationality."""
        out = []
        for child in tok.children:
            if child.dep_ in {"amod", "compound", "nmod"}:
                for t in [child] + [g for g in child.subtree if g.dep_ == "conj"]:
                    code = resolvers.country_of(t.text) or (
                        resolvers.country_of(" ".join(x.text for x in t.subtree if x.dep_ != "conj" and x.dep_ != "cc"))
                    )
                    if code:
                        out.append(Resolved(f"{t.text} {tok.text}", code, "person"))
        if not out:
            for ent in self.entities.ents:
                if ent.label_ in {"NORP", "GPE"} and ent.end <= tok.i and ent.start >= tok.left_edge.i:
                    code = resolvers.country_of(ent.text)
                    if code:
                        out.append(Resolved(f"{ent.text} {tok.text}", code, "person"))
        return out

    def _content_parties(self, key: Token, c: Candidate) -> list[tuple[Resolved, str]]:
        """Who a statement is about: the parties named as nouns in its content clause; not places of
        the event, not nationality adjectives ("Ukrainian forces"), not the content of another
        speaker's statement nested in it ("as intelligence reports have confirmed that ...")."""
        out = []
        keys = {k.i for k in c.keys}
        for t in key.subtree:
            if t.i == key.i or self._sent_index[t.i] != self._sent_index[key.i]:
                continue
            if t.dep_ == "pobj" and t.head.lower_ in PLACE_PREPS and t.head.head.i in keys:
                continue
            m = self.entities.mention_at(t.i)
            if m is None or m.start != t.i and self.entities.mention_at(t.i - 1) is m:
                continue
            if t.ent_type_ == "NORP" and t.dep_ in {"amod", "compound", "nmod"}:
                continue
            if any(a.i in self._other_statement_keys and a.i not in keys for a in self._path_up(t, key)):
                continue
            if m.entity.kind in {"person", "country", "organisation", "group"} and m.entity.country:
                if t.ent_type_ in {"GPE", "LOC"} and t.head.lower_ in PLACE_PREPS:
                    continue
                out.append((m.entity, "target"))
        return out

    @staticmethod
    def _path_up(t: Token, stop: Token) -> list[Token]:
        path = []
        cur = t
        while cur.head is not cur and cur.head.i != stop.i and len(path) < 12:
            cur = cur.head
            path.append(cur)
        return path

    # ---- merging --------------------------------------------------------------------------
    def _merge_same_act(self, cands: list[Candidate]) -> list[Candidate]:
        """Several triggers of one act in one sentence ("made a call ... and urged") give one event."""
        out: list[Candidate] = []
        for c in cands:
            if c.absorbed:
                out.append(c)
                continue
            same = next(
                (
                    o
                    for o in out
                    if not o.absorbed
                    and o.etype == c.etype
                    and not o.amounts
                    and not c.amounts
                    and o.actor == c.actor
                    and (c.actor or o.nominal or c.nominal)
                ),
                None,
            )
            if same is None:
                out.append(c)
                continue
            same.keys.extend(k for k in c.keys if k not in same.keys)
            for p in c.participants:
                if p not in same.participants:
                    same.participants.append(p)
            if same.stance in {None, "other"} and c.stance not in {None, "other"}:
                same.stance = c.stance
            same.destination = same.destination or c.destination
            same.summit_key = same.summit_key or c.summit_key
            same.nominal = same.nominal and c.nominal
        return out

    def _share_in_sentence(self, cands: list[Candidate]) -> None:
        """Coordinated acts share parties ("held talks with X and vowed Y"); a speech takes the
        parties of the statement its speaker makes in it."""
        live = [c for c in cands if not c.absorbed]
        for c in live:
            if c.participants:
                continue
            for o in live:
                if o is c or not o.participants:
                    continue
                coordinated = any(k.dep_ == "conj" and k.head in o.keys for k in c.keys) or any(
                    k.dep_ == "conj" and k.head in c.keys for k in o.keys
                )
                speech_content = c.etype == "speech" and o.etype == "statement" and o.actor == c.actor
                if (coordinated and o.actor == c.actor) or speech_content:
                    c.participants = list(o.participants)
                    break
            if not c.actor:
                for o in live:
                    if o is not c and o.actor and any(k.dep_ == "conj" and k.head in o.keys for k in c.keys):
                        c.actor = list(o.actor)
                        break

    # ---- dates, places --------------------------------------------------------------------
    def _sentence_dates(self, sent: Span) -> list[tuple[Token, int]]:
        """Date expressions of a sentence as (head token, start offset in the sentence)."""
        out = []
        covered: list[tuple[int, int]] = []
        for ref in find_dates(sent.text, self.published, "past"):
            span = self.doc.char_span(sent.start_char + ref.start, sent.start_char + ref.end, alignment_mode="expand")
            if span is not None:
                out.append((span.root, ref.start))
                covered.append((ref.start, ref.end))
        for tok in sent:  # a bare month as a modifier: "their September summit"
            start = tok.idx - sent.start_char
            if tok.lower_ in MONTHS and tok.ent_type_ == "DATE" and not any(a <= start < b for a, b in covered):
                self._bare_months[(sent.start, start)] = tok.text
                out.append((tok, start))
        return out

    def _resolve_in_sentence(self, sent: Span, start: int, tense: str) -> tuple[dt.date, str, str] | None:
        """The date at `start` read with the tense of the clause it belongs to."""
        key = (sent.start, tense)
        found = self._dates_cache.get(key)
        if found is None:
            found = self._dates_cache[key] = find_dates(sent.text, self.published, tense)
        for ref in found:
            if ref.start == start:
                return (ref.date, ref.precision, ref.text)
        month = self._bare_months.get((sent.start, start))
        if month is not None:
            ref = resolve_date_phrase(f"in {month}", self.published, tense)
            if ref is not None:
                return (ref.date, ref.precision, month)
        return None

    def _date_for(
        self, c: Candidate, dates: list[tuple[Token, int]], clause_only: bool
    ) -> tuple[dt.date, str, str] | None:
        """The date of the act: one on its own clause (a pledge's is the pledging verb's), else one on a
        clause above it; with clause_only False, else the nearest clause-level date of the sentence."""
        keys = {k.i for k in c.keys}
        ordered = sorted(c.keys, key=lambda k: 0 if k.lemma_.lower() in self.lex.pledge_announcers else 1)
        ancestors = list(c.trigger.ancestors)
        owned: list[tuple[int, Token, int]] = []
        above: list[tuple[int, Token, int]] = []
        free: list[tuple[Token, Token, int]] = []
        for root, start in dates:
            anchor = None
            for t in [root, *root.ancestors]:
                if t.i in keys:
                    anchor = t
                    break
                if t is not root and (t.pos_ == "VERB" or t.dep_ == "ROOT"):
                    anchor = t
                    break
            if anchor is not None and anchor.i in keys:
                owned.append((next(i for i, k in enumerate(ordered) if k.i == anchor.i), anchor, start))
            elif anchor is not None and anchor in ancestors:
                above.append((ancestors.index(anchor), anchor, start))
            elif anchor is not None and root.dep_ not in {"poss", "compound", "amod", "nmod"}:
                free.append((root, anchor, start))
        if clause_only:
            for k in ordered:
                if any(ch.lower_ in {"recently", "recent"} for ch in k.children) and not any(
                    a.i == k.i for _, a, _ in owned
                ):
                    return (self.published.replace(day=1), "month", "recently")
            pick = min(owned, key=lambda x: x[0]) if owned else min(above, key=lambda x: x[0]) if above else None
            if pick is None:
                return None
            _, anchor, start = pick
            return self._resolve_in_sentence(self._sent(c.trigger), start, tense_of(anchor, self.lex))
        if not free:
            return None
        root, anchor, start = min(free, key=lambda d: abs(d[0].i - c.trigger.i))
        return self._resolve_in_sentence(self._sent(c.trigger), start, tense_of(anchor, self.lex))

    def _location_for(self, c: Candidate) -> tuple[str, str | None] | None:
        """Where the act took place: an in/at phrase on the act's clause (for meetings, summits and
        speeches anywhere under the trigger: "met on the sidelines of the summit in Peru")."""
        if c.etype == "visit":
            return c.destination
        chain = set()
        for k in c.keys:
            chain.add(k.i)
            chain.update(a.i for a in k.ancestors)
        physical = c.etype in PHYSICAL
        for k in c.keys:
            for t in k.subtree:
                if t.dep_ != "prep" or t.lower_ not in {"in", "at"}:
                    continue
                if not (physical or t.head.i in chain):
                    continue
                head = t.head
                venue_like = (
                    head.pos_ == "VERB"
                    or head.lemma_.lower() in VENUE_NOUNS
                    # the parser often hangs the place on the party: "talks with his counterpart in Moscow"
                    or head.lemma_.lower() in self.lex.person_titles
                    or head.ent_type_ == "PERSON"
                )
                if head.i not in chain and not venue_like:
                    continue  # "elections in Greece" does not place talks held the same day
                pobj = next((p for p in t.children if p.dep_ == "pobj"), None)
                if pobj is not None:
                    place = self._place_deep(pobj)
                    if place and place[1]:
                        return place
        for t in self._sent(c.trigger):
            if t.dep_ == "prep" and t.lower_ in {"in", "at"} and t.head.i in chain:
                pobj = next((p for p in t.children if p.dep_ == "pobj"), None)
                if pobj is not None:
                    place = self._place(pobj)
                    if place and place[1]:
                        return place
        return None

    def _place_deep(self, pobj: Token) -> tuple[str, str | None] | None:
        """The place of "in Lima, Peru", "at the APEC summit in Peru", "in Russia's far eastern region"."""
        place = self._place(pobj)
        if place and place[1]:
            return place
        for t in pobj.subtree:
            if (
                t.i != pobj.i
                and t.ent_type_ in {"GPE", "LOC", "FAC"}
                and t.head.lower_ in {"in", "at", ",", "of"} | {pobj.text}
            ):
                inner = self._place(t)
                if inner and inner[1]:
                    return inner
            if t.dep_ == "appos" or t.dep_ == "poss":
                inner = self._place(t)
                if inner and inner[1]:
                    return inner
        for t in pobj.subtree:
            if t.dep_ == "prep" and t.lower_ in {"in", "at"}:
                inner_obj = next((p for p in t.children if p.dep_ == "pobj"), None)
                if inner_obj is not None:
                    inner = self._place(inner_obj)
                    if inner and inner[1]:
                        return inner
        return place

    def _frame(self, sent: Span) -> Emitted | None:
        """ "At the APEC summit, ...", "During the talks, ...": a sentence-initial frame that names an
        event reported earlier ties this sentence to it (its date and place)."""
        first = sent[0]
        if first.dep_ != "prep" or first.lower_ not in {"at", "during", "in", "on", "after", "on the sidelines of"}:
            return None
        pobj = next((p for p in first.children if p.dep_ == "pobj"), None)
        if pobj is None or pobj.lemma_.lower() not in EVENT_FRAME_NOUNS:
            return None
        key = self._summit_key(pobj) if pobj.lemma_.lower() == "summit" else None
        for e in reversed(self.emitted):
            if key and e.summit_key == key:
                return e
            if not key and e.etype in PHYSICAL and any(c.dep_ == "det" and c.lower_ == "the" for c in pobj.children):
                return e
        return None

    @staticmethod
    def _definite(tok: Token) -> bool:
        return any(
            (ch.dep_ == "det" and ch.lower_ in {"the", "this", "that", "these"}) or ch.dep_ == "poss"
            for ch in tok.children
        )

    def _is_repeat(self, c: Candidate) -> bool:
        """A nominal mention of an event already reported in this article ("At the APEC summit",
        "his U.S. trip") is the same event: it is linked (frames later sentences), not emitted again."""
        def_det = any(ch.dep_ == "det" and ch.lower_ in {"the", "this", "that"} for ch in c.trigger.children)
        actor_keys = {name_key(a.name) for a in c.actor}
        for e in self.emitted:
            if e.etype != c.etype:
                continue
            if c.etype == "summit":
                if c.summit_key and e.summit_key == c.summit_key:
                    return True
                if not c.summit_key and def_det:
                    return True
            same_place = c.destination and e.location and c.destination[1] == e.location[1]
            if c.etype == "visit" and actor_keys & e.actor_keys and same_place:
                return True
            countries = {a.country for a in c.actor if a.country}
            related = actor_keys & e.actor_keys or countries & e.party_countries or not countries
            if c.etype != "summit" and self._definite(c.trigger) and not c.destination and related:
                return True
        return False

    # ---- emitting -------------------------------------------------------------------------
    def _emit(self, s_index: int, sent: Span, c: Candidate, dates, frame: Emitted | None, scene: dict) -> None:
        if c.etype == "visit" and not self._is_traveller(c):
            return  # "refugees coming to the U.S.", "they land in the U.S.": travel, not an official's visit
        if c.actor_text == "__generic__" or not c.actor and not c.animate:
            return  # an act needs an agent: "legislation has the potential", "the port served" are not acts
        if c.etype in {"summit", "meeting"} and self._is_leaders_meeting(c):
            c.etype = "summit"
        tense = tense_of(c.keys[0], self.lex)
        date = self._date_for(c, dates, clause_only=True)
        if date is None and frame is not None:
            date = frame.date
        if date is None:
            date = self._date_for(c, dates, clause_only=False)
        inherited = False
        location = self._location_for(c) or (scene.get(_actor_key(c)) if c.etype != "visit" else None)
        if location is None and frame is not None and c.etype != "visit":
            location = frame.location
        if date is None:
            tied = self._same_actor_context(s_index, c, tense, "date")
            if tied is not None:
                date, inherited = tied.date, True
        if location is None and c.etype in PHYSICAL - {"visit"}:
            tied = self._same_actor_context(s_index, c, tense, "location")
            if tied is not None:
                location = tied.location
        if location is not None and c.etype in PHYSICAL:
            scene.setdefault(_actor_key(c), location)
        if c.etype == "pledge" and not c.participants:
            prior = self._recent_pledge_recipients(s_index, c)
            if prior:
                c.participants = list(prior)
        if location is None and c.etype in {"summit", "meeting"} and c.summit_key is None:
            pass
        status = "planned" if tense == "future" or (date is not None and date[0] > self.published) else "occurred"
        amounts = [a for a in c.amounts] or [None]
        raw_start, raw_end = self._sentence_raw(sent)
        actor = c.actor[0] if c.actor else None
        if actor is not None and actor.kind == "person":
            self.entities.note_agent(c.trigger.i, actor)
        self.entities.add_group(c.trigger.i, tuple([*c.actor, *(p for p, _ in c.participants if p.kind == "person")]))
        for amount in amounts:
            etype = c.etype
            variant = c.variant
            if etype == "pledge" and amount is not None:
                variant = "pledge_money"
            row = {
                "event_id": self._event_id(c, amount),
                "doc_id": self.record["doc_id"],
                "published_date": record_date(self.record["published_date"]),
                "event_type": etype,
                "cameo_code": self.lex.cameo_code(etype, c.stance, variant),
                "stance": (c.stance or "other") if etype == "statement" else None,
                "actor_name": actor.name if actor else (c.actor_text if c.actor_text != "__generic__" else None),
                "actor_country": actor.country if actor else None,
                "actor_kind": _kind(actor) if actor else None,
                "participants": [{"name": p.name, "country": p.country, "role": r} for p, r in c.participants],
                "location_name": location[0] if location else None,
                "location_country": location[1] if location else None,
                "event_date": date[0] if date else None,
                "event_date_precision": date[1] if date else None,
                "date_text": date[2] if date else None,
                "status": status,
                "amount_value": float(amount.value) if amount is not None else None,
                "amount_currency": amount.currency if amount is not None else None,
                "quote": self._quote(sent) if etype in {"statement", "speech"} else None,
                "evidence_text": self.record["raw_text"][raw_start:raw_end],
                "evidence_start": raw_start,
                "evidence_end": raw_end,
                "confidence": self._confidence(c, actor, date, inherited),
                "cluster_id": None,
                "extractor_version": self.version,
            }
            self.rows.append(row)
        self.emitted.append(
            Emitted(
                s_index,
                c.etype,
                {name_key(a.name) for a in c.actor},
                {name_key(p.name) for p, _ in c.participants},
                {a.country for a in c.actor if a.country},
                date,
                location,
                c.summit_key,
                tense,
                [p for p in c.participants if p[1] == "recipient"] if c.etype == "pledge" else None,
            )
        )

    def _is_leaders_meeting(self, c: Candidate) -> bool:
        if not c.actor or not c.participants:
            return False
        people = [c.actor[0]] + [p for p, _ in c.participants]
        leaders = 0
        for p in people:
            if p.kind != "person":
                continue
            for m in self.entities.mentions:
                if m.entity == p and m.leader:
                    leaders += 1
                    break
        return leaders >= 2

    def _same_actor_context(self, s_index: int, c: Candidate, tense: str, what: str) -> Emitted | None:
        """The latest earlier event, within a few sentences, that ties to this one through its actor:
        the same actor, or a party met at a meeting or summit ("The two leaders met ... Xi called on ...")."""
        keys = {name_key(a.name) for a in c.actor}
        if not keys:
            return None
        for e in reversed(self.emitted):
            if s_index - e.sent_index > INHERIT_WINDOW:
                return None
            if e.sent_index == s_index:
                continue
            value = e.date if what == "date" else e.location
            if value is None:
                continue
            if not (keys & e.actor_keys or (e.etype in {"summit", "meeting"} and keys & e.party_keys)):
                continue
            if what == "date" and tense == "past" and e.date[0] > self.published:
                continue
            if what == "date" and tense == "future" and e.date[0] < self.published:
                continue
            return e
        return None

    def _recent_pledge_recipients(self, s_index: int, c: Candidate) -> list[tuple[Resolved, str]]:
        countries = {a.country for a in c.actor if a.country}
        for e in reversed(self.emitted):
            if s_index - e.sent_index > 2:
                break
            if e.etype == "pledge" and e.amount_recipient and countries & e.party_countries:
                return e.amount_recipient
        return []

    def _sentence_raw(self, sent: Span) -> tuple[int, int]:
        text = sent.text
        start = sent.start_char + (len(text) - len(text.lstrip()))
        end = sent.end_char - (len(text) - len(text.rstrip()))
        return self.omap.span_to_raw(start, end)

    def _quote(self, sent: Span) -> str | None:
        parts = [
            self.doc[s:e].text.strip('“”" ')
            for s, e in self.quote_spans
            if s >= sent.start and e <= sent.end and e - s >= 4
        ]
        return " … ".join(parts) if parts else None

    def _event_id(self, c: Candidate, amount) -> str:
        """Deterministic, and ordered by the trigger's position so rows read in text order."""
        doc_part = hashlib.sha1(self.record["doc_id"].encode()).hexdigest()[:10]
        extra = f"{c.etype}|{c.trigger.i}|{amount.value if amount else ''}|{amount.currency if amount else ''}"
        return f"ev-{doc_part}-{c.trigger.idx:07d}-{hashlib.sha1(extra.encode()).hexdigest()[:8]}"

    def _confidence(self, c: Candidate, actor: Resolved | None, date, inherited: bool) -> float:
        score = 0.85 if not c.nominal else 0.75
        if actor is None:
            score -= 0.25
        elif actor.country is None:
            score -= 0.1
        if inherited:
            score -= 0.05
        if c.etype not in CORE_TYPES:
            score -= 0.1
        return round(max(0.05, min(1.0, score)), 2)


def _actor_key(c: Candidate) -> str:
    return c.actor[0].name if c.actor else ""


def record_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _kind(entity: Resolved) -> str:
    return "country" if entity.kind == "place" else entity.kind


def modal_words(tok: Token) -> set[str]:  # re-exported for tests
    return modals(tok)
