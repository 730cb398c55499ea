"""The reference-data resolvers the extractor leans on: names to entities and countries, places to
countries, date phrases to dates, money to amounts.

They live in `pipeline.gazetteer`, `pipeline.dates` and `pipeline.money` (reference data in
`pipeline/data/`). This module is the one seam between those and the extractor: if the gazetteer
module is not importable (a partial checkout), a reduced stand-in built from the same data files
answers country questions only, and says so in the log, so extraction still runs with fewer
actors resolved instead of crashing.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("pipeline.extract")

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Resolved:
    """A name resolved to a canonical entity (the extractor's view of gazetteer.Entity)."""

    name: str
    country: str | None
    kind: str  # person | country | organisation | group | place


class _CountryOnlyGazetteer:
    """Stand-in used only when pipeline.gazetteer is missing: countries from country_aliases.csv."""

    def __init__(self) -> None:
        self._alias: dict[str, str] = {}
        self._canonical: dict[str, str] = {}
        path = DATA_DIR / "country_aliases.csv"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    self._alias[row["text"].lower()] = row["iso3"]
                    if row["kind"] == "canonical":
                        self._canonical[row["iso3"]] = row["text"]

    def lookup(self, name: str, on: dt.date | None = None) -> Resolved | None:
        code = self.country_of(name)
        if code is None:
            return None
        return Resolved(self._canonical.get(code, name), code, "country")

    def country_of(self, text: str) -> str | None:
        t = text.lower().strip()
        if t.startswith("the "):
            t = t[4:]
        return self._alias.get(t)

    def place_country(self, name: str) -> str | None:
        return self.country_of(name)

    def leader(self, country: str, role: str, on: dt.date | None = None) -> str | None:
        return None

    def institution_country(self, text: str) -> str | None:
        return None

    def country_name(self, iso3: str) -> str | None:
        return self._canonical.get(iso3)

    def is_us_state(self, name: str) -> bool:
        return False


@lru_cache(maxsize=1)
def gazetteer():
    """The gazetteer, loaded once per process."""
    try:
        from pipeline.gazetteer import load_gazetteer
    except ImportError:
        log.warning("pipeline.gazetteer not importable: resolving countries from country_aliases.csv only")
        return _CountryOnlyGazetteer()
    return load_gazetteer()


@lru_cache(maxsize=65536)
def lookup(name: str, on: dt.date | None) -> Resolved | None:
    """Canonical entity of a name (person, country, organisation, place), or None when unknown."""
    name = " ".join(name.split())
    if not name:
        return None
    found = gazetteer().lookup(name, on)
    if found is None:
        return None
    return Resolved(found.name, found.country, found.kind)


@lru_cache(maxsize=65536)
def country_of(text: str) -> str | None:
    """ISO alpha-3 of a country name, demonym, capital or government metonym, else None."""
    return gazetteer().country_of(" ".join(text.split()))


@lru_cache(maxsize=65536)
def place_country(name: str) -> str | None:
    """ISO alpha-3 of the country a place (country, city, region, venue) lies in, else None."""
    return gazetteer().place_country(" ".join(name.split()))


@lru_cache(maxsize=4096)
def leader(country: str, role: str, on: dt.date | None) -> str | None:
    """Name of the holder of `role` ("president", "prime minister", ...) of a country on a date."""
    try:
        return gazetteer().leader(country, role, on)
    except (KeyError, ValueError):
        return None


@lru_cache(maxsize=65536)
def institution_country(text: str) -> str | None:
    """ISO alpha-3 of the national body, party or domestic title a phrase names ("Sen.", "the
    House of Commons", "Democrats"), else None."""
    return gazetteer().institution_country(" ".join(text.split()))


@lru_cache(maxsize=4096)
def is_us_state(name: str) -> bool:
    return gazetteer().is_us_state(" ".join(name.split()))


@lru_cache(maxsize=512)
def country_name(iso3: str) -> str | None:
    """The canonical name of a country code ("USA" -> "United States")."""
    return gazetteer().country_name(iso3)
