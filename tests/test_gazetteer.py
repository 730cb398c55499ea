"""Gazetteer: one canonical entity per real one, for the date of the article; unknown names give None."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.gazetteer import Entity, countries_in, country_of, leader, load_gazetteer, lookup, place_country

NOV_2024 = dt.date(2024, 11, 16)


@pytest.mark.parametrize(
    ("name", "canonical", "country"),
    [
        ("Yoon Suk Yeol", "Yoon Suk Yeol", "KOR"),
        ("Yoon Suk-yeol", "Yoon Suk Yeol", "KOR"),
        ("Yoon", "Yoon Suk Yeol", "KOR"),
        ("President Yoon", "Yoon Suk Yeol", "KOR"),
        ("South Korea's president", "Yoon Suk Yeol", "KOR"),
        ("Kim Jong Un", "Kim Jong Un", "PRK"),
        ("Kim Jong-un", "Kim Jong Un", "PRK"),
        ("Xi", "Xi Jinping", "CHN"),
        ("Chinese President Xi Jinping", "Xi Jinping", "CHN"),
        ("Vladimir Putin", "Vladimir Putin", "RUS"),
        ("Putin's", "Vladimir Putin", "RUS"),
        ("U.S. Secretary of State Antony Blinken", "Antony Blinken", "USA"),
        ("Defense Secretary Lloyd Austin", "Lloyd Austin", "USA"),
        ("Volodymyr Zelenskyy", "Volodymyr Zelensky", "UKR"),
        ("Élysée", "France", "FRA"),
    ],
)
def test_people_and_government_names(name: str, canonical: str, country: str) -> None:
    entity = lookup(name, NOV_2024)
    assert entity is not None, name
    assert (entity.name, entity.country) == (canonical, country)


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("the Kremlin", "RUS"),
        ("Moscow", "RUS"),
        ("Pyongyang", "PRK"),
        ("Washington", "USA"),
        ("White House", "USA"),
        ("Downing Street", "GBR"),
        ("Seoul", "KOR"),
        ("Kyiv", "UKR"),
        ("Kiev", "UKR"),
        ("the U.S.", "USA"),
        ("US", "USA"),
        ("America", "USA"),
        ("Britain", "GBR"),
        ("UK", "GBR"),
        ("ROK", "KOR"),
        ("DPRK", "PRK"),
        ("Russia's", "RUS"),
    ],
)
def test_countries_capitals_and_metonyms_are_the_country(name: str, country: str) -> None:
    entity = lookup(name, NOV_2024)
    assert entity == Entity(entity.name, country, "country"), name


def test_the_same_country_has_one_canonical_name() -> None:
    names = {lookup(n).name for n in ("Moscow", "the Kremlin", "Russia", "Russian Federation")}
    assert names == {"Russia"}


@pytest.mark.parametrize("name", ["NATO", "the UN Security Council", "APEC", "WHO", "G20", "European Union"])
def test_organisations_have_no_country(name: str) -> None:
    entity = lookup(name)
    assert entity is not None and entity.kind == "organisation" and entity.country is None


@pytest.mark.parametrize("word", ["us", "who", "the president", "Nobody Inparticular", ""])
def test_common_words_and_unknown_names_give_none(word: str) -> None:
    assert lookup(word, NOV_2024) is None


def test_office_holders_change_with_the_date() -> None:
    assert lookup("President Yoon", NOV_2024).name == "Yoon Suk Yeol"
    assert lookup("South Korea's president", dt.date(2019, 6, 1)).name == "Moon Jae-in"
    assert lookup("the British prime minister", dt.date(2023, 3, 1)).name == "Rishi Sunak"
    assert leader("USA", "president", dt.date(2023, 1, 1)) == "Joe Biden"
    assert leader("USA", "president", dt.date(2018, 1, 1)) == "Donald Trump"
    assert leader("CHN", "leader", dt.date(2011, 1, 1)) == "Hu Jintao"
    assert leader("CHN", "premier", NOV_2024) == "Li Qiang"
    assert leader("USA", "foreign minister", dt.date(2022, 1, 1)) == "Antony Blinken"
    assert leader("PRK", "president", NOV_2024) == "Kim Jong Un"
    assert leader("XXX", "president", NOV_2024) is None


def test_surname_alone_needs_to_be_unambiguous_for_the_date() -> None:
    # Two Kims hold office in Pyongyang in 2024: a bare "Kim" is nobody in particular.
    assert lookup("Kim", NOV_2024, label="PERSON") is None
    # "Lee" in 2024: no Lee in office and several former ones.
    assert lookup("Lee", NOV_2024, label="PERSON") is None
    assert lookup("Lee", dt.date(2025, 8, 1), label="PERSON").name == "Lee Jae-myung"


@pytest.mark.parametrize(
    ("phrase", "country"),
    [
        ("South Korea's foreign ministry", "KOR"),
        ("the Kremlin", "RUS"),
        ("Chinese state media", "CHN"),
        ("Seoul's foreign ministry", "KOR"),
        ("North Korean troops", "PRK"),
        ("a spokesman for the White House", "USA"),
        ("us all", None),
        ("the ministry", None),
    ],
)
def test_country_of_short_phrases(phrase: str, country: str | None) -> None:
    assert country_of(phrase) == country


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Lima", "PER"),
        ("Peru", "PER"),
        ("Paris", "FRA"),
        ("Vladivostok", "RUS"),
        ("Russia's far eastern region", "RUS"),
        ("the Chinese city of Wuhan", "CHN"),
        ("Texas", "USA"),
        ("St. Petersburg", "RUS"),
        ("Pyongyang", "PRK"),
        ("Nowhereville Xyz", None),
    ],
)
def test_place_country(name: str, country: str | None) -> None:
    assert place_country(name) == country


def test_place_keeps_the_place_name() -> None:
    place = load_gazetteer().place("Lima")
    assert place == Entity("Lima", "PER", "place")


def test_a_different_first_name_is_a_different_person() -> None:
    on = dt.date(2016, 5, 1)
    assert lookup("Bill Clinton", on, label="PERSON") is None
    assert lookup("Secretary Clinton", on, label="PERSON").name == "Hillary Clinton"
    assert lookup("South Korean President Moon", dt.date(2018, 5, 1), label="PERSON").name == "Moon Jae-in"


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Camp David", None),
        ("Logan Airport", None),
        ("the Middle East", None),
        ("Central Asia", None),
        ("Crimea", "UKR"),
        ("the outskirts of Kabul", "AFG"),
        ("Donetsk region", "UKR"),
    ],
)
def test_regions_and_facilities_are_not_small_towns(name: str, country: str | None) -> None:
    assert place_country(name) == country


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("North Korea and Russia", ["PRK", "RUS"]),
        ("the US, Japan and other partners", ["USA", "JPN"]),
        ("South Korean and Japanese counterparts", ["KOR", "JPN"]),
        ("Moscow and the Kremlin", ["RUS"]),
        ("NATO allies", []),
    ],
)
def test_countries_in_phrase(text: str, countries: list[str]) -> None:
    assert countries_in(text) == countries


def test_brussels_is_belgium_not_an_organisation() -> None:
    # Callers treat an organisation as "not a place"; a summit in Brussels must keep its location.
    assert lookup("Brussels").kind == "country"
    assert place_country("Brussels") == "BEL"


def test_reference_data_is_consistent() -> None:
    """Every code in the data files is a known country, and every term ends after it starts."""
    import csv
    from pathlib import Path

    gazetteer = load_gazetteer()
    known = set(gazetteer.country_names)
    data = Path(__file__).resolve().parent.parent / "pipeline" / "data"
    with open(data / "country_aliases.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert row["iso3"] in known, row
            assert row["kind"] in {"canonical", "name", "demonym", "capital", "metonym"}, row
    for name in ("organisations.csv", "regions.csv"):
        with open(data / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert not row["country"] or row["country"] in known, row
    for term in gazetteer.terms:
        assert term.country is None or term.country in known, term
        assert term.end is None or term.end > term.start, term
    with open(data / "people.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert {row["leader"], row["head_of_state"], row["head_of_government"]} <= {"0", "1"}, row


def test_one_leader_per_country_and_day() -> None:
    """Overlapping leader terms would make leader(country, "leader", day) depend on row order."""
    terms = [t for t in load_gazetteer().terms if t.leader and t.country]
    far = dt.date(2100, 1, 1)
    for i, a in enumerate(terms):
        for b in terms[i + 1 :]:
            if a.country == b.country and a.name != b.name:
                assert not (a.start < (b.end or far) and b.start < (a.end or far)), (a, b)


@pytest.mark.parametrize(
    ("name", "country"),
    [("the FBI", "USA"), ("KCNA", "PRK"), ("the Justice Department", "USA"), ("IRGC", "IRN"), ("PLA", "CHN")],
)
def test_national_bodies_are_organisations_with_a_country(name: str, country: str) -> None:
    entity = lookup(name)
    assert entity is not None and (entity.kind, entity.country) == ("organisation", country)


def test_a_country_name_beats_a_national_body_of_the_same_length() -> None:
    assert country_of("the Congress of Peru") == "PER"
    assert country_of("the Indian National Congress") == "IND"


def test_office_names_differ_by_country_but_mean_the_same_office() -> None:
    on = dt.date(2024, 1, 1)
    assert leader("GBR", "defence minister", on) == "Grant Shapps"
    assert leader("USA", "defense minister", on) == "Lloyd Austin"
    assert leader("RUS", "defence secretary", on) == "Sergei Shoigu"
    assert lookup("the U.S. defense secretary", on).name == "Lloyd Austin"


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("North Korean leader", "Kim Jong Un"),
        ("the Russian leader", "Vladimir Putin"),
        ("Japan's prime minister", "Shigeru Ishiba"),
        ("the Chinese premier", "Li Qiang"),
        ("German Chancellor", "Olaf Scholz"),
    ],
)
def test_office_descriptions_resolve_to_the_holder(phrase: str, name: str) -> None:
    assert lookup(phrase, NOV_2024).name == name


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Saint-Denis", "FRA"),  # the Paris suburb, not Reunion's capital
        ("Hamilton", "CAN"),  # the Ontario city, not Bermuda's capital of 900 people
        ("Jamestown", "USA"),  # not Saint Helena's capital
        ("San Juan", "PRI"),  # a dependency's city still wins when it is far the largest
        ("Nuuk", "GRL"),  # and one with no namesake is its territory's
    ],
)
def test_a_dependencys_capital_does_not_outrank_a_namesake(name: str, country: str) -> None:
    assert place_country(name) == country


def test_a_dependencys_capital_does_not_stand_for_a_government() -> None:
    assert lookup("Saint-Denis").kind == "place"
    assert lookup("Hamilton").country != "BMU"
    # the territory itself is still named by its own name
    assert lookup("Bermuda").country == "BMU"


@pytest.mark.parametrize(
    ("name", "country"),
    [("ACTED", "FRA"), ("Human Rights Watch", "USA"), ("Oxfam", "GBR"), ("Amnesty International", None)],
)
def test_aid_groups_and_ngos_have_their_home_country_or_none(name: str, country: str | None) -> None:
    found = lookup(name)
    assert found is not None and found.kind == "organisation" and found.country == country
