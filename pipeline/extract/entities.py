"""Who is who inside one article: a light in-document coreference over named mentions.

Every named mention (PERSON, GPE, NORP, ORG, LOC, FAC) and every titled description ("South
Korea's president") becomes a canonical entity through the gazetteer; short forms link to the
earlier full form ("Yoon" -> "Yoon Suk Yeol", "Kim Jong-un" == "Kim Jong Un"); pronouns and
descriptions ("he", "the president", "the two leaders", "their", "the North", "the country")
resolve to the most recent compatible mention before them. News names its actors in full first
and refers back, which is why "most recent compatible" works.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from pipeline.extract import resolvers
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.resolvers import Resolved

PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers", "himself", "herself"}
PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
THING_PRONOUNS = {"it", "its", "itself"}
RELATIVE_PRONOUNS = {"who", "which", "that", "whom", "whose"}
SPEAKER_PRONOUNS = {"i", "we", "me", "us", "our", "my"}
ROLE_OF_TITLE = {"prime": "prime minister", "premier": "prime minister", "chancellor": "chancellor"}
_NAME_SPLIT = re.compile(r"[\s\-‐‑]+")


def clean_name(text: str) -> str:
    """An entity's text without a possessive ending or a leading article: "Russia’s" -> "Russia"."""
    text = " ".join(text.split())
    for suffix in ("'s", "’s", "'", "’"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    if text.lower().startswith("the "):
        text = text[4:]
    return text


def name_key(name: str) -> frozenset[str]:
    """Comparable form of a name: lower-case parts, hyphens as spaces ("Kim Jong-un" == "Kim Jong Un")."""
    return frozenset(p for p in _NAME_SPLIT.split(name.lower().replace(".", "")) if p)


@dataclass
class Mention:
    start: int  # token index in the doc
    entity: Resolved
    leader: bool = False
    titles: frozenset[str] = frozenset()


@dataclass
class DocEntities:
    """Mentions of one article in text order, and the resolution of noun phrases against them."""

    doc: Doc
    published: dt.date
    lex: Lexicon
    mentions: list[Mention] = field(default_factory=list)
    groups: list[tuple[int, tuple[Resolved, ...]]] = field(default_factory=list)
    _by_token: dict[int, Mention] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)
    quote_spans: list[tuple[int, int]] = field(default_factory=list)
    recent_agents: list[tuple[int, Resolved]] = field(default_factory=list)
    speaker_kinds: dict[str, str] = field(default_factory=dict)  # person -> kind, once a title told it
    story_country: str | None = None  # the country most of the article's people belong to
    story_pair: frozenset[str] = frozenset()  # the two countries a story of their relations is about
    # doc.ents builds a new tuple of Spans on every access: read once, indexed by token
    ents: tuple[Span, ...] = ()
    _ent_by_token: dict[int, Span] = field(default_factory=dict)

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, doc: Doc, published: dt.date, lex: Lexicon) -> DocEntities:
        self = cls(doc, published, lex)
        self.ents = tuple(doc.ents)
        self._ent_by_token = {i: ent for ent in self.ents for i in range(ent.start, ent.end)}
        persons: list[Mention] = []
        for ent in self.ents:
            mention = self._mention_of_entity(ent, persons)
            if mention is None:
                continue
            self.mentions.append(mention)
            for tok in ent:
                self._by_token[tok.i] = mention
            if mention.entity.kind == "person":
                persons.append(mention)
        for tok in doc:
            if tok.i in self._by_token:
                continue
            if (tok.pos_ == "NOUN" and tok.lemma_.lower() in lex.person_titles) or _elect_title(tok, lex):
                mention = self._titled_mention(tok)
                if mention is not None:
                    self.mentions.append(mention)
                    self._by_token[tok.i] = mention
        self.mentions.sort(key=lambda m: m.start)
        self._one_name_per_person()
        self.story_country = _dominant_country(self.mentions)
        sents = list(doc.sents)
        lead_end = sents[min(PAIR_LEAD_SENTENCES, len(sents)) - 1].end if sents else 0
        self.story_pair = _story_pair(self.mentions, lead_end)
        self._starts = [m.start for m in self.mentions]
        for tok in doc:  # coordinated named parties: "North Korea and Russia", "Yoon and Biden"
            if tok.dep_ == "conj" and tok.i in self._by_token and tok.head.i in self._by_token:
                first, second = self._by_token[tok.head.i].entity, self._by_token[tok.i].entity
                if first != second:
                    self.groups.append((tok.i, (first, second)))
        return self

    def _one_name_per_person(self) -> None:
        """One person, one name in an article: a shorter form ("Cathcart", "Yoon Suk") becomes the
        longest full form named anywhere in it ("Adam Cathcart", "Yoon Suk Yeol") when only one
        such form exists; a surname must end the long form, a leading part only when the long form
        is a known person (so "James Comey" never becomes a mis-tagged "James Comey Memos")."""
        people = {m.entity.name: m.entity for m in self.mentions if m.entity.kind == "person"}
        # a lone surname the small NER took for an organisation or an unknown place ("Cathcart
        # said") is a short form too
        shorts = dict(people)
        for m in self.mentions:
            e = m.entity
            lone = e.kind in {"organisation", "place"} and not e.country and " " not in e.name and e.name[:1].isupper()
            if lone and resolvers.lookup(e.name, self.published) is None:
                shorts[e.name] = e
        longest: dict[str, Resolved] = {}
        for name, entity in shorts.items():
            short = _name_parts(name)
            longer = [
                other
                for other_name, other in people.items()
                if len(_name_parts(other_name)) > len(short)
                and _extends(short, _name_parts(other_name), other_name, self)
            ]
            names = {o.name for o in longer}
            if len(names) == 1:
                other = longer[0]
                longest[name] = Resolved(other.name, other.country or entity.country, "person")
        if not longest:
            return
        for m in self.mentions:
            if m.entity.kind in {"person", "organisation", "place"} and m.entity.name in longest:
                m.entity = longest[m.entity.name]

    def entity_span_at(self, i: int) -> Span | None:
        """The named-entity span that holds token i, if any."""
        return self._ent_by_token.get(i)

    def _mention_of_entity(self, ent: Span, persons: list[Mention]) -> Mention | None:
        label = ent.label_
        text = clean_name(ent.text)
        if label == "PERSON":
            known = resolvers.lookup(text, self.published)
            key = name_key(text)
            earlier = next((m for m in reversed(persons) if key and key <= name_key(m.entity.name)), None)
            titles = self._titles_before(ent)
            country = self._country_in_modifiers(ent)
            if known is not None and known.kind == "person":
                entity = known if known.country or not country else Resolved(known.name, country, "person")
            elif earlier is not None:
                entity = earlier.entity
                titles = titles | earlier.titles
            else:
                entity = Resolved(text, country, "person")
            leader = bool(titles & self.lex.leader_titles) or (earlier is not None and earlier.leader)
            return Mention(ent.start, entity, leader, titles)
        if label in {"GPE", "NORP", "LOC", "FAC", "ORG"}:
            known = resolvers.lookup(text, self.published)
            if known is not None:
                if known.kind == "place":
                    country = known.country
                    return Mention(ent.start, Resolved(known.name, country, "place"))
                return Mention(ent.start, known)
            country = resolvers.country_of(text)
            if label in {"GPE", "NORP"} and country:
                kind = "group" if label == "NORP" else "country"
                return Mention(ent.start, Resolved(text, country, kind))
            if label in {"LOC", "FAC", "GPE"}:
                place = resolvers.place_country(text)
                if label == "LOC" and text.lower() in {"north", "south"}:
                    return None
                return Mention(ent.start, Resolved(text, place, "place"))
            if label == "ORG":
                code = self._country_in_modifiers(ent) or country or self._local_authority_country(ent)
                return Mention(ent.start, Resolved(text, code, "organisation"))
        return None

    def _titles_before(self, ent: Span) -> frozenset[str]:
        """Title words in the noun phrase around a name ("South Korean President Yoon")."""
        words = set()
        head = ent.root
        for tok in list(head.lefts) + [head.head] * (head.dep_ == "appos"):
            for t in tok.subtree if tok.dep_ in {"compound", "amod", "nmod"} or tok is head.head else [tok]:
                if t.lemma_.lower() in self.lex.person_titles:
                    words.add(t.lemma_.lower())
        for t in self.doc[max(0, ent.start - 4) : ent.start]:
            if t.lemma_.lower() in self.lex.person_titles:
                words.add(t.lemma_.lower())
        return frozenset(words)

    def _country_in_modifiers(self, ent: Span) -> str | None:
        """Country named in the modifiers of a name: "U.S. Secretary of State Antony Blinken"."""
        head = ent.root
        scope = [t for t in head.subtree if t.i < ent.start or t.i >= ent.end]
        if head.dep_ == "appos":
            scope += [t for t in head.head.subtree if t.i < head.head.i or t.i == head.head.i]
            scope += [t for t in head.head.subtree if t.i > head.head.i and not (ent.start <= t.i < ent.end)]
        i = ent.start - 1  # the title words right before the name: "South Korean President"
        while (
            i >= 0
            and i >= ent.start - 6
            and (self.doc[i].pos_ in {"PROPN", "ADJ", "NOUN"} or self.doc[i].text in {".", "-"})
        ):
            scope.append(self.doc[i])
            i -= 1
        clause = self.lex.words["clause_deps"]
        top = head.head if head.dep_ == "appos" else head
        titled = [t for t in scope if not any(a.dep_ in clause for a in _path_to(t, top))]
        title_text = " ".join(t.text for t in sorted(titled, key=lambda t: t.i))
        domestic = resolvers.institution_country(title_text)
        seen = set()
        for t in scope:
            if t.i in seen or not (t.ent_type_ in {"GPE", "NORP"} or t.pos_ == "PROPN"):
                continue
            seen.add(t.i)
            if self._is_posting(t):
                continue  # "Ambassador to Russia Michael McFaul" is not Russian
            ent_span = self.entity_span_at(t.i)
            if ent_span is not None and ent_span.label_ in {"GPE", "NORP"}:
                code = resolvers.country_of(ent_span.text)
                if code and resolvers.is_us_state(ent_span.text) and self._has_state_title(titled):
                    return "USA"  # "Georgia senator": the state, not the country
                if code:
                    return code
        for t in ent:
            if t.ent_type_ in {"GPE", "NORP"} or t.pos_ in {"PROPN", "ADJ"}:
                code = resolvers.country_of(t.text)
                if code and t.i < ent.end - 1:
                    return code
        # no country named: the national body, party or domestic title named with the name
        # ("Rep. X", "X, the chairwoman of the Democratic National Committee")
        return domestic

    def _local_authority_country(self, ent: Span) -> str | None:
        """A local body named after its place is of that place's country: "Hamburg Police", "the
        Kabul city council"."""
        if ent.root.lemma_.lower() not in self.lex.words["authority_nouns"] or ent.root.i == ent.start:
            return None
        place = self.doc[ent.start : ent.root.i].text
        return resolvers.place_country(clean_name(place))

    def _has_state_title(self, tokens: list[Token]) -> bool:
        return any(t.lemma_.lower() in self.lex.words["state_titles"] for t in tokens)

    def _is_posting(self, tok: Token) -> bool:
        """A country an envoy is posted to ("ambassador to Russia", "envoy to the UN")."""
        prep = tok.head
        while prep.dep_ in {"compound", "amod", "conj"} and prep.head.i != prep.i:
            prep = prep.head
        return (
            prep.dep_ == "prep"
            and prep.lower_ in self.lex.words["posting_preps"]
            and prep.head.lemma_.lower() in self.lex.words["envoy_titles"]
        )

    def _titled_mention(self, tok: Token) -> Mention | None:
        """A description that names a person by office: "South Korea's president", "the Russian leader"."""
        elect = _elect_title(tok, self.lex)
        title = elect or tok.lemma_.lower()
        country = None
        for child in tok.children:
            if child.dep_ in {"poss", "amod", "compound", "nmod"}:
                country = self._country_of_token(child)
                if country:
                    break
            elif child.dep_ == "prep" and child.lower_ == "of" and country is None:
                # "the president of Indonesia": the country the office is of
                obj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if obj is not None and obj.ent_type_ == "GPE":
                    found = self._by_token.get(obj.i)
                    code = found.entity.country if found and found.entity.kind == "country" else None
                    country = code or resolvers.country_of(obj.text)
        if country is None:
            return None
        if elect:
            # "Ukraine's president-elect" is not the office holder of the day
            name = f"{title.capitalize()}-elect of {country}"
            return Mention(tok.i, Resolved(name, country, "person"), False, frozenset({title}))
        if any(c.ent_type_ == "PERSON" for c in tok.children if c.dep_ in {"appos", "compound", "flat"}):
            return None
        role = ROLE_OF_TITLE.get(title, title)
        if any(c.lower_ == "prime" for c in tok.lefts):
            role = "prime minister"
        name = resolvers.leader(country, role, self.published) if title in self.lex.leader_titles else None
        if name:
            known = resolvers.lookup(name, self.published)
            entity = known or Resolved(name, country, "person")
        else:
            entity = Resolved(f"{tok.text.capitalize()} of {country}", country, "person")
        return Mention(tok.i, entity, title in self.lex.leader_titles, frozenset({title}))

    def _country_of_token(self, tok: Token) -> str | None:
        mention = self._by_token.get(tok.i)
        if mention is not None:
            return mention.entity.country
        if tok.lower_ in PERSON_PRONOUNS | THING_PRONOUNS:
            prior = self.most_recent(tok.i, kinds=("person",) if tok.lower_ in PERSON_PRONOUNS else None)
            return prior.entity.country if prior else None
        return resolvers.country_of(tok.text)

    # ---- queries --------------------------------------------------------------------------
    def mention_at(self, i: int) -> Mention | None:
        return self._by_token.get(i)

    def most_recent(self, before: int, kinds: tuple[str, ...] | None = None, leader: bool = False) -> Mention | None:
        idx = bisect.bisect_left(self._starts, before)
        for m in reversed(self.mentions[:idx]):
            if kinds and m.entity.kind not in kinds:
                continue
            if leader and not m.leader:
                continue
            return m
        return None

    def recent_pair(self, before: int, kinds: tuple[str, ...]) -> tuple[Resolved, ...]:
        """The two parties "the two leaders/countries" refer to: the latest coordinated pair of that
        kind, else the two latest distinct mentions."""
        for at, pair in reversed(self.groups):
            if at < before and all(p.kind in kinds for p in pair):
                return pair
        found: list[Resolved] = []
        idx = bisect.bisect_left(self._starts, before)
        for m in reversed(self.mentions[:idx]):
            if m.entity.kind in kinds and m.entity not in found:
                found.append(m.entity)
            if len(found) == 2:
                break
        return tuple(reversed(found))

    def add_group(self, at: int, parties: tuple[Resolved, ...]) -> None:
        """Parties of an event form a group later plural references can point to."""
        if len(parties) >= 2:
            self.groups.append((at, parties))
            self.groups.sort(key=lambda g: g[0])

    def resolve(self, tok: Token, speaker: Resolved | None = None) -> list[Resolved]:
        """The entities a noun phrase headed by `tok` refers to (several for "A and B", "the two leaders")."""
        out = self._resolve_one(tok, speaker)
        for child in tok.children:
            if child.dep_ == "conj":
                out += self.resolve(child, speaker)
        if len(out) == 1 and out[0].kind == "person":
            # "Yoon and US President Joe Biden" mis-parsed as modifiers of one name: the named
            # people coordinated inside the phrase are parties too
            left = [t for t in tok.subtree if t.i < tok.i]
            if any(t.dep_ == "cc" and t.lower_ in {"and", "&"} for t in left):
                people = []
                for t in left:
                    m = self._by_token.get(t.i)
                    if m and m.entity.kind == "person" and m.entity not in people and m.entity != out[0]:
                        people.append(m.entity)
                out = people + out
        uniq: list[Resolved] = []
        for e in out:
            if e not in uniq:
                uniq.append(e)
        return uniq

    def _resolve_one(self, tok: Token, speaker: Resolved | None) -> list[Resolved]:
        low = tok.lower_
        lemma = tok.lemma_.lower()
        if low in SPEAKER_PRONOUNS:
            return [speaker] if speaker else []
        if low in PERSON_PRONOUNS and (named := self._name_ending_in_pronoun(tok)) is not None:
            return [named]  # "Vice Premier Liu He": a surname the small NER took for a pronoun
        if low in PERSON_PRONOUNS:
            m = self._recent_person_outside_quotes(tok)
            return [m.entity] if m else []
        if low in PLURAL_PRONOUNS:
            for at, pair in reversed(self.groups):
                if at < tok.i:
                    return list(pair)
            return []
        if low in THING_PRONOUNS:
            m = self.most_recent(tok.i, kinds=("country", "organisation"))
            return [m.entity] if m else []
        if low in RELATIVE_PRONOUNS and tok.head.dep_ == "relcl":
            return self.resolve(tok.head.head, speaker)
        # "his Chinese counterpart Xi Jinping": the name in apposition is the referent
        for child in tok.children:
            if child.dep_ in {"appos", "compound", "flat"} and child.ent_type_ == "PERSON":
                m = self._by_token.get(child.i)
                if m:
                    return [m.entity]
        if tok.tag_ in {"NNS", "NNPS"} and self._is_people_noun(lemma):
            codes = self._national_modifiers(tok)
            if len(codes) > 1:  # "British, French and German officials": one party per nation
                return [Resolved(f"{text} {tok.text}", code, "group") for code, text in codes.items()]
        m = self._by_token.get(tok.i)
        if m is not None and m.entity.kind != "place":
            return [m.entity]
        if m is not None and m.entity.kind == "place" and m.entity.country:
            # a capital or country used as an actor: "Pyongyang", "Washington"
            code = resolvers.country_of(m.entity.name) or m.entity.country
            return [Resolved(m.entity.name, code, "country")]
        if tok.pos_ == "PROPN" and low in {"north", "south"}:
            return self._compass_country(tok)
        if tok.text[:1].isupper() and not tok.ent_type_ and tok.i > 0:
            # a short name the NER missed ("Yoon plans to ..."): an earlier full name it is part of
            key = name_key(tok.text)
            idx = bisect.bisect_left(self._starts, tok.i)
            for m in reversed(self.mentions[:idx]):
                if m.entity.kind == "person" and key <= name_key(m.entity.name):
                    return [m.entity]
        numeral = any(c.lower_ in {"two", "both"} for c in tok.children) or lemma == "both"
        if numeral or (tok.tag_ in {"NNS", "NNPS"} and any(c.lower_ == "the" for c in tok.children)):
            if lemma in self.lex.leader_titles or lemma in {"leader", "head", "official", "minister"}:
                return list(self.recent_pair(tok.i, ("person",)))
            if lemma in {"country", "nation", "side", "government", "state", "neighbor", "neighbour"}:
                return list(self.recent_pair(tok.i, ("country",)))
        if lemma in self.lex.person_titles:
            poss = [c for c in tok.children if c.dep_ == "poss"]
            if poss and poss[0].lower_ in PLURAL_PRONOUNS:
                return self._resolve_one(poss[0], speaker)
            if any(c.lower_ == "the" for c in tok.children) and tok.tag_ not in {"NNS", "NNPS"}:
                # "the president" is one person; "the officials" are not the last person named
                m = self.most_recent(tok.i, kinds=("person",), leader=lemma in self.lex.leader_titles)
                if m:
                    return [m.entity]
        if lemma in self.lex.words["authority_nouns"] and lemma not in self.lex.group_nouns:
            # "German police", "Afghan authorities": a national modifier gives the body's country
            for child in tok.children:
                if child.dep_ in {"amod", "compound", "nmod"}:
                    code = resolvers.country_of(child.text)
                    m = self._by_token.get(child.i)
                    if code is None and m is not None and m.entity.kind == "place" and child.dep_ == "compound":
                        code = m.entity.country  # "Hamburg police": a local body of its city's country
                    if code:
                        return [Resolved(_title(tok), code, "organisation")]
        if tok.pos_ == "NOUN" and lemma not in self.lex.group_nouns and self._is_people_noun(lemma):
            # "Iranian negotiators", "Syrian activists", "Iran's nuclear negotiator", "200 Iranian
            # members": people named by what they are, with a national modifier, are of that nation
            codes = self._national_modifiers(tok)
            if codes:
                return [Resolved(_title(tok), next(iter(codes)), "group")]
        if lemma in self.lex.group_nouns or lemma in {"media", "ministry", "office"}:
            for child in tok.children:
                if child.dep_ in {"poss", "amod", "compound", "nmod"}:
                    inner = self._resolve_one(child, speaker)
                    code = next((e.country for e in inner if e.country), None) or resolvers.country_of(child.text)
                    if code:
                        return [
                            Resolved(
                                _title(tok),
                                code,
                                "country" if lemma in {"country", "nation", "state"} else "organisation",
                            )
                        ]
            if any(c.lower_ in {"the", "this"} for c in tok.children):
                m = self.most_recent(tok.i, kinds=("country",))
                if m:
                    kind = "country" if lemma in {"country", "nation", "state", "regime"} else "organisation"
                    return [Resolved(m.entity.name if kind == "country" else _title(tok), m.entity.country, kind)]
        if tok.ent_type_ == "NORP" or (tok.pos_ in {"NOUN", "PROPN"} and lemma not in self.lex.generic_sources):
            code = resolvers.country_of(tok.text)
            if code:
                return [Resolved(tok.text, code, "group" if tok.ent_type_ == "NORP" else "country")]
        return []

    def _name_ending_in_pronoun(self, tok: Token) -> Resolved | None:
        """A capitalised "He"/"She" inside a sentence with given names before it in the same noun
        phrase ("China's Vice Premier Liu He", "met Zhang He") is a surname, not a pronoun: the
        person of that name, of the country its modifiers name."""
        if not tok.text[:1].isupper() or tok.i == tok.sent.start or self.doc[tok.i - 1].is_quote:
            return None
        parts = []
        i = tok.i - 1
        while i >= tok.left_edge.i:
            t = self.doc[i]
            if t.pos_ != "PROPN" or t.dep_ != "compound" or t.head.i != tok.i or not t.text[:1].isupper():
                break
            if t.lemma_.lower() in self.lex.person_titles or resolvers.country_of(t.text):
                break
            parts.insert(0, t.text)
            i -= 1
        if not parts:
            return None
        name = " ".join([*parts, tok.text])
        known = resolvers.lookup(name, self.published)
        if known is not None and known.kind == "person":
            return known
        codes = self._national_modifiers(tok)
        return Resolved(name, next(iter(codes), None), "person")

    def _is_people_noun(self, lemma: str) -> bool:
        """A noun that names people by role or office ("negotiators", "activists", "members")."""
        lex = self.lex
        return (
            lemma in lex.animate_nouns
            or lemma in lex.person_titles
            or lemma in lex.words["member_nouns"]
            or lemma in lex.words["kind_public_words"]
        ) and lemma != "counterpart"

    def _national_modifiers(self, tok: Token) -> dict[str, str]:
        """The countries a noun's own modifiers name, in order, with the word naming each:
        nationalities or countries ("Iranian", "U.S.", "Iran's", "British, French and German"),
        never a person ("his counterpart" is not of his country)."""
        codes: dict[str, str] = {}
        for child in tok.children:
            if child.dep_ not in {"amod", "compound", "nmod", "poss"}:
                continue
            for t in [child, *(g for g in child.subtree if g.dep_ == "conj")]:
                code = self._country_named(t)
                if code:
                    codes.setdefault(code, t.text)
        return codes

    def _country_named(self, t: Token) -> str | None:
        m = self._by_token.get(t.i)
        if m is not None:
            return m.entity.country if m.entity.kind in {"country", "group"} else None
        if t.lower_ in PERSON_PRONOUNS | PLURAL_PRONOUNS | THING_PRONOUNS | SPEAKER_PRONOUNS:
            return None
        return resolvers.country_of(t.text)

    def _recent_person_outside_quotes(self, tok: Token) -> Mention | None:
        """ "he said" after a quote: the person named last outside quotation marks, preferring one who
        was the agent of an act in the last sentences (a quoted name is rarely the speaker)."""
        idx = bisect.bisect_left(self._starts, tok.i)
        for m in reversed(self.mentions[:idx]):  # a person named earlier in the same sentence comes first
            if m.start < tok.sent.start:
                break
            if m.entity.kind == "person" and not any(s <= m.start < e for s, e in self.quote_spans):
                return m
        if self.recent_agents and tok.dep_ in {"nsubj", "nsubjpass"}:
            at, entity = self.recent_agents[-1]
            if at >= tok.sent.start - 120 and entity.kind == "person":
                return Mention(at, entity)
        for m in reversed(self.mentions[:idx]):
            if m.entity.kind != "person":
                continue
            if any(s <= m.start < e for s, e in self.quote_spans):
                continue
            return m
        return None

    def note_agent(self, at: int, entity: Resolved) -> None:
        """The agent of an act just found: what a later "he"/"she" most likely points to."""
        self.recent_agents.append((at, entity))

    def _compass_country(self, tok: Token) -> list[Resolved]:
        """ "the North" / "the South": the most recent country whose name starts so."""
        word = tok.lower_
        idx = bisect.bisect_left(self._starts, tok.i)
        for m in reversed(self.mentions[:idx]):
            if m.entity.kind == "country" and m.entity.name.lower().startswith(word):
                return [m.entity]
        return []


def _elect_title(tok: Token, lex: Lexicon) -> str | None:
    """The office of a "president-elect" / "prime minister-elect" phrase headed by "elect"."""
    if tok.lower_ != "elect":
        return None
    for child in tok.children:
        if child.dep_ == "compound" and child.lemma_.lower() in lex.person_titles:
            return child.lemma_.lower()
    return None


def _name_parts(name: str) -> list[str]:
    return [p for p in _NAME_SPLIT.split(name.lower().replace(".", "")) if p]


def _extends(short: list[str], long: list[str], long_name: str, ents: DocEntities) -> bool:
    """Whether the long form names the same person: it ends with the short form (a surname, "Adam
    Cathcart"), or starts with it and is a known person ("Yoon Suk" -> "Yoon Suk Yeol")."""
    if long[-len(short) :] == short:
        return True
    if long[: len(short)] == short:
        known = resolvers.lookup(long_name, ents.published)
        return known is not None and known.kind == "person"
    return False


STORY_MIN_MENTIONS = 3  # person mentions with a country needed before a story has a country
STORY_MIN_SHARE = 0.5  # share of them the leading country must hold


def _dominant_country(mentions: list[Mention]) -> str | None:
    """The country of the story: the one most of the people named in it belong to, when one
    clearly leads (a domestic story: Congress hearings, a British election)."""
    counts: dict[str, int] = {}
    for m in mentions:
        if m.entity.kind == "person" and m.entity.country:
            counts[m.entity.country] = counts.get(m.entity.country, 0) + 1
    total = sum(counts.values())
    if total < STORY_MIN_MENTIONS:
        return None
    code, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return code if n / total >= STORY_MIN_SHARE else None


PAIR_MIN_SHARE = 0.5  # the second country's mentions at least this share of the first's
PAIR_MIN_LEAD = 2.0  # and at least this many times the third's
PAIR_MIN_MENTIONS = 4  # and each named at least this often: a story about both, not a passing meeting
PAIR_LEAD_SENTENCES = 3  # and both named in the lead: what the story is about, not a side topic


def _story_pair(mentions: list[Mention], lead_end: int) -> frozenset[str]:
    """The two countries a story of their relations is about ("Washington and Beijing's trade
    talks", a president's visit to Havana): the two countries the article's mentions (people,
    states, capitals, bodies) belong to most, when both clearly lead the rest and both are named
    in the lead; empty for a domestic story, one of many countries, or one whose second country
    is a side topic (an interview that touches on it)."""
    counts: dict[str, int] = {}
    for m in mentions:
        if m.entity.country:
            counts[m.entity.country] = counts.get(m.entity.country, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) < 2:
        return frozenset()
    (first, n1), (second, n2) = ranked[0], ranked[1]
    n3 = ranked[2][1] if len(ranked) > 2 else 0
    if n2 < PAIR_MIN_MENTIONS or n2 < PAIR_MIN_SHARE * n1 or n2 < PAIR_MIN_LEAD * n3:
        return frozenset()
    in_lead = {m.entity.country for m in mentions if m.start < lead_end}
    if not {first, second} <= in_lead:
        return frozenset()
    return frozenset({first, second})


def _path_to(tok: Token, top: Token) -> list[Token]:
    """The tokens from `tok` up to (not including) `top`; none when `top` is not above it."""
    out = []
    while tok.i != top.i:
        if tok.head.i == tok.i:
            return []
        out.append(tok)
        tok = tok.head
    return out


def _title(tok: Token) -> str:
    words = [t.text for t in tok.subtree if t.dep_ not in {"det", "punct"} and t.i <= tok.i]
    return " ".join(words) or tok.text
