"""Money amounts in news text: `$300 million`, `US$2 billion`, `10m pounds`, `CA$15m`, `30bn yuan`.

Amounts are found with two patterns over the raw sentence text, so offsets stay exact:
a currency *before* the number (symbols such as `$`, `US$`, `£`, `€`, `CA$`, `HK$`, `₩`, `Rs`, or an
ISO 4217 code such as `EUR 2bn`) and a currency *after* it (`2 billion euros`, `1.5 trillion won`,
`500m USD`). Which symbol or word means which ISO 4217 code is reference data in
`pipeline/data/currencies.csv`, not code.

Choices a reader of the data should know:
- A bare `$` is US dollars (the usual reading in international news); `C$`, `A$`, `HK$`... are not.
- `¥` is Japanese yen; Chinese amounts are written `yuan`, `RMB` or `CN¥` in English-language news.
- A compact range (`$2-3 billion`, `$2 to 3 billion`) gives one amount: the first stated figure
  scaled by the shared multiplier (2e9), the cautious reading. Spelled-out ranges
  (`between $2 billion and $3 billion`) give one amount per figure.
- Qualifiers (`more than`, `about`, `up to`) are not part of the amount: the stated figure is the value.
- An amount in brackets right after another (`30bn yuan ($4.1bn)`) is a conversion of it, marked
  `is_conversion=True`, so that it is not counted as a second pledge.
- Plain numbers, years and percentages never match: a currency must be stated. `won` after a bare
  number below 1,000 is read as the verb (`won 30 seats` is not matched anyway, but `30 won` is ambiguous),
  and `pounds of` is a weight.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

SCALES = {
    "trillion": 10**12,
    "tn": 10**12,
    "trn": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "bln": 10**9,
    "b": 10**9,
    "million": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "thousand": 10**3,
    "k": 10**3,
    "crore": 10**7,
    "lakh": 10**5,
}
# ISO codes that are also common English words in capitals (headlines); their symbol and word forms still match.
_ISO_CODES_NOT_AS_PREFIX = {"ALL", "TOP", "CUP", "MOP", "BOB", "SOS", "MAD", "TRY", "PEN", "LAK", "GEL", "MRU"}
# Currency words that are also ordinary words: they need a multiplier or a number of at least 1,000.
_AMBIGUOUS_WORDS = {"won", "rand", "dong", "euro", "dollar", "pound", "sterling"}


@dataclass(frozen=True)
class Amount:
    value: float
    currency: str
    start: int
    end: int
    text: str
    is_conversion: bool = False


@dataclass(frozen=True)
class _CurrencyTable:
    symbols: dict[str, str]
    words: dict[str, str]
    codes: frozenset[str]


@lru_cache(maxsize=1)
def _currency_table() -> _CurrencyTable:
    symbols: dict[str, str] = {}
    words: dict[str, str] = {}
    codes: set[str] = set()
    with open(DATA_DIR / "currencies.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, form, text = row["code"].strip(), row["form"].strip(), row["text"].strip()
            if form == "symbol":
                symbols[_squash(text)] = code
            elif form == "word":
                words[_squash(text).lower()] = code
            elif form == "code":
                codes.add(code)
    return _CurrencyTable(symbols, words, frozenset(codes))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _alternation(items: list[str]) -> str:
    """Longest first, so that `US$` wins over `$` and `South Korean won` over `won`."""
    parts = sorted(set(items), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in parts)


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = (
    r"(?:[\s-]*(?P<{p}scale>(?i:trillion|billion|million|thousand|crore|lakh))s?"
    r"|\s?(?P<{p}short>tn|trn|bn|bln|mn|mln|BN|TN|MN)"
    r"|(?P<{p}tiny>[bmkBMK]))(?![\w])"
)
# "$2-3 billion" and "$2 to 3 billion" share one multiplier; "rose $29.30 to $1,526.60" is two amounts.
_RANGE = (
    r"(?:\s?[-–—]\s?(?:{num})"
    r"|\s+to\s+(?:{num})(?=\s*(?i:trillion|billion|million|tn|bn|mn)\b|[bmBM]\b))?"
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    table = _currency_table()
    symbols = _alternation(list(table.symbols))
    prefix_codes = "|".join(sorted(c for c in table.codes if c not in _ISO_CODES_NOT_AS_PREFIX))
    words = _alternation(list(table.words))
    codes = "|".join(sorted(table.codes))
    prefix = re.compile(
        rf"(?<![\w$])(?:(?P<sym>{symbols})|(?P<code>\b(?:{prefix_codes})\b))\s?"
        rf"(?P<num>{_NUM})" + _RANGE.format(num=_NUM) + rf"(?:{_SCALE.format(p='')})?"
    )
    suffix = re.compile(
        rf"(?<![\w$.,])(?P<num>{_NUM})" + _RANGE.format(num=_NUM) + rf"(?:{_SCALE.format(p='')})?"
        rf"\s+(?:(?P<word>(?i:{words}))|(?P<code>{codes}))(?![\w])"
    )
    return prefix, suffix


def _scale_of(match: re.Match[str]) -> int:
    word = match.group("scale") or match.group("short") or match.group("tiny")
    return SCALES[word.lower()] if word else 1


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _from_prefix(match: re.Match[str]) -> Amount | None:
    table = _currency_table()
    symbol = match.group("sym")
    currency = table.symbols.get(_squash(symbol)) if symbol else match.group("code")
    if currency is None:
        return None
    value = float(_number(match.group("num")) * Decimal(_scale_of(match)))
    return Amount(value, currency, match.start(), match.end(), match.group(0))


def _from_suffix(match: re.Match[str], text: str) -> Amount | None:
    table = _currency_table()
    word = match.group("word")
    number = _number(match.group("num"))
    scale = _scale_of(match)
    if word:
        key = _squash(word).lower()
        currency = table.words.get(key)
        if key in _AMBIGUOUS_WORDS and scale == 1 and number < 1000:
            return None
        if key.startswith("pound") and re.match(r"\s+of\b", text[match.end() :]):
            return None
    else:
        currency = match.group("code")
    if currency is None:
        return None
    if scale == 1 and "," not in match.group("num") and "." not in match.group("num") and 1900 <= number <= 2100:
        return None  # "in 2022 dollars" is a price basis, not an amount
    value = float(number * Decimal(scale))
    return Amount(value, currency, match.start(), match.end(), match.group(0))


_CONVERSION_GAP = re.compile(
    r"^\s*(?:\(|\[|,?\s*(?:or|about|around|roughly|approximately|some)\s+)\s*(?:about\s+|around\s+)?$", re.I
)


def _mark_conversions(amounts: list[Amount], text: str) -> list[Amount]:
    out: list[Amount] = []
    for i, amount in enumerate(amounts):
        if i > 0 and amount.currency != amounts[i - 1].currency:
            gap = text[amounts[i - 1].end : amount.start]
            if len(gap) <= 20 and _CONVERSION_GAP.match(gap):
                amount = Amount(amount.value, amount.currency, amount.start, amount.end, amount.text, True)
        out.append(amount)
    return out


def find_amounts(text: str) -> list[Amount]:
    """All money amounts in `text`, in order, with offsets into `text`; overlapping readings keep the longest."""
    prefix, suffix = _patterns()
    found: list[Amount] = []
    for m in prefix.finditer(text):
        amount = _from_prefix(m)
        if amount:
            found.append(amount)
    for m in suffix.finditer(text):
        amount = _from_suffix(m, text)
        if amount:
            found.append(amount)
    found.sort(key=lambda a: (a.start, -(a.end - a.start)))
    kept: list[Amount] = []
    for amount in found:
        if kept and amount.start < kept[-1].end:
            continue
        kept.append(amount)
    return _mark_conversions(kept, text)
