"""Dates resolved against fixed publication dates: weekdays by tense, relative words, explicit dates, precision."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.dates import _weekend_saturday, find_dates, resolve_date_phrase

SAT = dt.date(2024, 11, 16)  # a Saturday
TUE = dt.date(2023, 9, 19)  # a Tuesday
WED = dt.date(2025, 1, 1)  # a Wednesday, first day of a year


def one(phrase: str, published: dt.date, tense: str) -> tuple[str, str]:
    ref = resolve_date_phrase(phrase, published, tense)
    assert ref is not None, phrase
    return ref.date.isoformat(), ref.precision


@pytest.mark.parametrize(
    ("phrase", "published", "tense", "date", "precision"),
    [
        # weekdays by tense
        ("on Friday", SAT, "past", "2024-11-15", "day"),
        ("on Saturday", SAT, "past", "2024-11-16", "day"),
        ("on Sunday", SAT, "past", "2024-11-10", "day"),
        ("on Wednesday", SAT, "future", "2024-11-20", "day"),
        ("on Saturday", SAT, "future", "2024-11-16", "day"),
        ("on Sunday", SAT, "future", "2024-11-17", "day"),
        ("on Friday", SAT, "present", "2024-11-15", "day"),
        ("on Monday", SAT, "present", "2024-11-18", "day"),
        ("Friday's summit", SAT, "past", "2024-11-15", "day"),
        ("last Friday", SAT, "past", "2024-11-15", "day"),
        ("last Saturday", SAT, "past", "2024-11-09", "day"),
        ("next Friday", SAT, "future", "2024-11-22", "day"),
        ("this Friday", SAT, "past", "2024-11-15", "day"),
        ("Tuesday last week", TUE, "past", "2023-09-12", "day"),
        ("Friday last week", TUE, "past", "2023-09-15", "day"),
        ("Thursday next week", TUE, "future", "2023-09-28", "day"),
        ("on Monday", WED, "past", "2024-12-30", "day"),
        # relative days
        ("today", SAT, "present", "2024-11-16", "day"),
        ("yesterday", WED, "past", "2024-12-31", "day"),
        ("tomorrow", SAT, "future", "2024-11-17", "day"),
        ("last night", SAT, "past", "2024-11-15", "day"),
        ("three days ago", SAT, "past", "2024-11-13", "day"),
        # weeks resolve to the month of that week
        ("last week", SAT, "past", "2024-11-01", "month"),
        ("last week", WED, "past", "2024-12-01", "month"),
        ("next week", dt.date(2024, 11, 28), "future", "2024-12-01", "month"),
        ("earlier this week", SAT, "past", "2024-11-01", "month"),
        # months and years
        ("last month", WED, "past", "2024-12-01", "month"),
        ("next month", SAT, "future", "2024-12-01", "month"),
        ("earlier this month", SAT, "past", "2024-11-01", "month"),
        ("earlier this year", SAT, "past", "2024-01-01", "year"),
        ("since last year", SAT, "past", "2023-01-01", "year"),
        ("next year", SAT, "future", "2025-01-01", "year"),
        ("the next year's gathering", SAT, "future", "2025-01-01", "year"),
        ("by the end of the year", SAT, "future", "2024-01-01", "year"),
        ("in April", SAT, "past", "2024-04-01", "month"),
        ("in April", SAT, "future", "2025-04-01", "month"),
        ("in November", SAT, "past", "2024-11-01", "month"),
        ("in December", SAT, "past", "2023-12-01", "month"),
        ("in December", SAT, "future", "2024-12-01", "month"),
        ("last April", SAT, "past", "2024-04-01", "month"),
        ("next April", SAT, "future", "2025-04-01", "month"),
        ("in mid-March", SAT, "past", "2024-03-01", "month"),
        ("in April 2023", SAT, "past", "2023-04-01", "month"),
        ("April 2023", SAT, "future", "2023-04-01", "month"),
        ("in 2022", SAT, "past", "2022-01-01", "year"),
        ("since 2014", SAT, "past", "2014-01-01", "year"),
        # explicit dates
        ("November 14, 2024", SAT, "past", "2024-11-14", "day"),
        ("14 November 2024", SAT, "past", "2024-11-14", "day"),
        ("Nov. 14", SAT, "past", "2024-11-14", "day"),
        ("Sept. 13", TUE, "past", "2023-09-13", "day"),
        ("Dec. 20", SAT, "past", "2023-12-20", "day"),
        ("Dec. 20", SAT, "future", "2024-12-20", "day"),
        ("2024-11-14", SAT, "future", "2024-11-14", "day"),
        ("Friday, Nov. 15", SAT, "past", "2024-11-15", "day"),
        ("on the 14th", SAT, "past", "2024-11-14", "day"),
        ("on the 20th", SAT, "past", "2024-10-20", "day"),
    ],
)
def test_resolution(phrase: str, published: dt.date, tense: str, date: str, precision: str) -> None:
    assert one(phrase, published, tense) == (date, precision)


def test_offsets_and_text_point_into_the_sentence() -> None:
    text = "Yoon met Xi on Friday in Lima, a week after talks in April 2023 were recalled."
    refs = find_dates(text, SAT, "past")
    assert [r.text for r in refs] == ["Friday", "April 2023"]
    for r in refs:
        assert text[r.start : r.end] == r.text


def test_several_dates_in_one_sentence() -> None:
    refs = find_dates("He arrived yesterday and will leave tomorrow.", SAT, "past")
    assert [(r.date.isoformat(), r.text) for r in refs] == [("2024-11-15", "yesterday"), ("2024-11-17", "tomorrow")]


def test_weekday_with_explicit_date_is_one_reference() -> None:
    (ref,) = find_dates("The summit opens Friday, Nov. 15, in Lima.", SAT, "past")
    assert ref.text == "Friday, Nov. 15"


@pytest.mark.parametrize(
    "text",
    [
        "The 2022 invasion changed everything.",
        "Support rose 60% among 21 economies.",
        "May I ask a question?",
        "Troops march 20 miles.",
        "He said it was a long week.",
    ],
)
def test_no_date_in_plain_numbers_or_words(text: str) -> None:
    assert find_dates(text, SAT, "past") == []


def test_invalid_calendar_dates_are_ignored() -> None:
    assert find_dates("on February 30, 2023", SAT, "past") == []
    assert resolve_date_phrase("nothing here", SAT, "past") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Special to USA TODAY", []),
        ("Speaking on ABC News' This Week, he said", []),
        ("Today, the ministers met.", [("2024-11-16", "day", "Today")]),
        ("Last week, the EU and Japan signed a deal.", [("2024-11-01", "month", "Last week")]),
        ("images taken in May this year", [("2024-05-01", "month", "May this year")]),
        ("the departure date - 29 March next year - was set", [("2025-03-29", "day", "29 March next year")]),
    ],
)
def test_capitalisation_and_combined_phrases(text: str, expected: list[tuple[str, str, str]]) -> None:
    refs = find_dates(text, SAT, "past")
    assert [(r.date.isoformat(), r.precision, r.text) for r in refs] == expected


@pytest.mark.parametrize(
    ("published", "which", "tense", "saturday"),
    [
        (dt.date(2024, 11, 13), "the", "past", "2024-11-09"),
        (dt.date(2024, 11, 13), "the", "future", "2024-11-16"),
        (dt.date(2024, 11, 13), "last", "past", "2024-11-09"),
        (dt.date(2024, 11, 13), "next", "future", "2024-11-16"),
        (dt.date(2024, 11, 16), "the", "past", "2024-11-16"),
        (dt.date(2024, 11, 17), "the", "future", "2024-11-16"),
        (dt.date(2024, 11, 16), "last", "past", "2024-11-09"),
        (dt.date(2024, 11, 16), "next", "future", "2024-11-23"),
    ],
)
def test_weekend_saturday(published: dt.date, which: str, tense: str, saturday: str) -> None:
    assert _weekend_saturday(published, which, tense).isoformat() == saturday


def test_weekends_resolve_to_the_month_of_their_saturday() -> None:
    assert one("over the weekend", dt.date(2024, 12, 2), "past") == ("2024-11-01", "month")
    assert one("next weekend", dt.date(2024, 11, 30), "future") == ("2024-12-01", "month")
    assert find_dates("the weekend edition", SAT, "past") == []


def test_this_past_is_the_previous_one() -> None:
    monday = dt.date(2024, 12, 2)
    assert one("this past week", monday, "past") == ("2024-11-01", "month")
    assert one("this past weekend", monday, "past") == ("2024-11-01", "month")
    assert one("this past Sunday", monday, "past") == ("2024-12-01", "day")
    assert one("this past month", monday, "past") == ("2024-11-01", "month")
