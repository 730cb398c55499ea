"""Money amounts: value in units, ISO 4217 currency, exact offsets; no false amounts from plain numbers."""

from __future__ import annotations

import pytest

from pipeline.money import find_amounts


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("pledged $300 million in aid", 300e6, "USD"),
        ("US$2 billion", 2e9, "USD"),
        ("U.S.$2 billion", 2e9, "USD"),
        ("US$150 million", 150e6, "USD"),
        ("10m pounds", 10e6, "GBP"),
        ("£10m", 10e6, "GBP"),
        ("CA$15m", 15e6, "CAD"),
        ("C$15 million", 15e6, "CAD"),
        ("A$5m", 5e6, "AUD"),
        ("HK$2bn", 2e9, "HKD"),
        ("30bn yuan", 30e9, "CNY"),
        ("2 billion euros", 2e9, "EUR"),
        ("€2bn", 2e9, "EUR"),
        ("¥500 billion", 500e9, "JPY"),
        ("Rs 500 crore", 5e9, "INR"),
        ("1.5 trillion won", 1.5e12, "KRW"),
        ("$2.5bn", 2.5e9, "USD"),
        ("300 million dollars", 300e6, "USD"),
        ("5 million Canadian dollars", 5e6, "CAD"),
        ("USD 5 million", 5e6, "USD"),
        ("EUR 2bn", 2e9, "EUR"),
        ("500m USD", 500e6, "USD"),
        ("$500,000", 500e3, "USD"),
        ("a $300-million package", 300e6, "USD"),
        ("2 billion North Korean won", 2e9, "KPW"),
        ("$1.1 billion", 1.1e9, "USD"),
    ],
)
def test_single_amount_value_and_currency(text: str, value: float, currency: str) -> None:
    amounts = find_amounts(text)
    assert len(amounts) == 1, amounts
    assert amounts[0].value == pytest.approx(value)
    assert amounts[0].currency == currency


def test_offsets_point_into_the_text() -> None:
    text = "Japan said on Friday it would give more than US$2 billion to Ukraine."
    (amount,) = find_amounts(text)
    assert text[amount.start : amount.end] == amount.text == "US$2 billion"
    assert amount.value == 2e9


def test_several_amounts_in_one_sentence() -> None:
    text = "Britain pledged 10m pounds, Canada CA$15m and the EU €2bn, while Tokyo added $300 million."
    amounts = find_amounts(text)
    assert [(a.value, a.currency) for a in amounts] == [
        (10e6, "GBP"),
        (15e6, "CAD"),
        (2e9, "EUR"),
        (300e6, "USD"),
    ]
    assert not any(a.is_conversion for a in amounts)


def test_bracketed_conversion_is_marked() -> None:
    amounts = find_amounts("Beijing offered 30bn yuan ($4.1bn) in loans.")
    assert [(a.currency, a.is_conversion) for a in amounts] == [("CNY", False), ("USD", True)]


def test_compact_range_gives_the_first_figure() -> None:
    (amount,) = find_amounts("a package worth $2-3 billion")
    assert amount.value == 2e9


@pytest.mark.parametrize(
    "text",
    [
        "The 21 economies met in 2022.",
        "Support fell to 60% in November.",
        "It carried 500 pounds of explosives.",
        "The team won 30 matches and scored 30 won",
        "costs in 2022 dollars rose",
        "ALL 5 MEMBERS AGREED",
        "Troops numbered 300,000 and 1.5 million people fled.",
    ],
)
def test_no_amount_without_a_currency(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("The euro strengthened to $1.1145 from $1.1085.", [1.1145, 1.1085]),
        ("pay a $1.3 Billion fine", [1.3e9]),
        ("Gold rose $29.30 to $1,526.60 per ounce.", [29.30, 1526.60]),
        ("tariffs on $50 billion to $150 billion of goods", [50e9, 150e9]),
        ("a $2 to 3 billion programme", [2e9]),
        ("a $5M settlement", [5e6]),
    ],
)
def test_exact_values_case_and_ranges(text: str, values: list[float]) -> None:
    assert [a.value for a in find_amounts(text)] == values
