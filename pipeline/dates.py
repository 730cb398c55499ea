"""Date expressions in news text, resolved against the article's publication date.

News dates are mostly relative ("on Friday", "last week", "in April"), so a date means nothing
without the publication date and the tense of the sentence that carries it. `find_dates` finds the
expressions in a sentence and resolves each; `resolve_date_phrase` resolves one phrase.

Resolution rules (publication date P, tense of the sentence T):
- Weekday ("on Friday", "Friday's talks"): T=past -> the latest such day on or before P, so the same
  weekday as P is P itself (wire copy names the publication day by its weekday: "said on Tuesday" in a
  Tuesday story is that Tuesday). T=future -> the first such day on or after P ("will meet on Wednesday"
  in a Wednesday story is later that day). T=present -> the nearest such day (within three days either way).
- "last Friday" -> the latest Friday strictly before P; "next Friday" -> the first strictly after P;
  "this Friday" -> by tense as a bare weekday.
- "Tuesday last week" / "Tuesday next week" / "Tuesday this week" -> that weekday in the previous /
  next / current Monday-to-Sunday week (published Tue 2023-09-19: "Tuesday last week" = 2023-09-12).
- today, tonight, this morning -> P; yesterday, last night -> P-1; tomorrow -> P+1; "N days ago" -> P-N.
- Weeks have no precision level of their own: "last week", "next week", "this week", "earlier this week",
  "N weeks ago" resolve to MONTH precision, the month of the Wednesday of that week (for "this week" the
  month of P). A day would claim a precision the text does not give; the month is what the text
  supports, and a scorer comparing at the gold precision still credits a month-precise gold.
- Weekends likewise resolve to MONTH precision, the month of the Saturday: "the weekend" / "over the
  weekend" by tense (the one on or before P in the past, on or after P in the future, the current one
  when P is a Saturday or Sunday), "last weekend" the one before that, "next weekend" the one after.
- last/next/this month, "earlier this month", "later this month" -> month precision.
- last/next/this year, "earlier this year", "since last year", "next year's summit" -> year precision.
- Month name alone ("in April"): T=past -> the latest April on or before P's month; T=future -> the
  first April on or after P's month; T=present -> the nearest April. "last April" -> strictly before
  P's month, "next April" -> strictly after, "this April" -> in P's year. "April 2023" -> that month.
- Explicit dates: "November 14, 2024", "14 November 2024", "Nov. 14", "Sept. 13", "2024-11-14",
  "Friday, Nov. 15". Without a year the year is chosen by tense as for month names.
  "on the 14th" -> that day of P's month (past: the previous month when the 14th is after P).
- Years: "in 2022", "since 2022", "by 2030" (a preposition is required: a bare number is not a date).
Coarser dates are stored as the first day of their month or year (`precision` says which).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

PRECISIONS = ("day", "month", "year")

WEEKDAYS = {name: i for i, name in enumerate(calendar.day_name)}  # Monday=0
MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
MONTH_ABBREVIATIONS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Sept": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "several": None,
    "few": None,
}


@dataclass(frozen=True)
class DateRef:
    date: dt.date
    precision: str
    text: str
    start: int
    end: int


# --- small date arithmetic -------------------------------------------------------------------------


def _month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekday_on_or_before(published: dt.date, weekday: int) -> dt.date:
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def weekday_on_or_after(published: dt.date, weekday: int) -> dt.date:
    return published + dt.timedelta(days=(weekday - published.weekday()) % 7)


def resolve_weekday(published: dt.date, weekday: int, tense: str, modifier: str | None = None) -> dt.date:
    """The date a weekday name refers to; see the module docstring for the rules."""
    if modifier == "last":
        return weekday_on_or_before(published - dt.timedelta(days=1), weekday)
    if modifier == "next":
        return weekday_on_or_after(published + dt.timedelta(days=1), weekday)
    if tense == "future":
        return weekday_on_or_after(published, weekday)
    if tense == "past":
        return weekday_on_or_before(published, weekday)
    before = weekday_on_or_before(published, weekday)
    after = weekday_on_or_after(published, weekday)
    return before if (published - before) <= (after - published) else after


def _month_by_tense(published: dt.date, month: int, tense: str, modifier: str | None = None) -> dt.date:
    this_year = _month_start(published.year, month)
    current = _month_start(published.year, published.month)
    if modifier == "this":
        return this_year
    if modifier == "last" or (modifier is None and tense == "past"):
        candidate = this_year if (this_year < current or (modifier is None and this_year == current)) else None
        return candidate or _month_start(published.year - 1, month)
    if modifier == "next" or (modifier is None and tense == "future"):
        candidate = this_year if (this_year > current or (modifier is None and this_year == current)) else None
        return candidate or _month_start(published.year + 1, month)
    options = [_month_start(published.year + k, month) for k in (-1, 0, 1)]
    return min(options, key=lambda d: (abs((d - current).days), d))


def _weekend_saturday(published: dt.date, which: str, tense: str) -> dt.date:
    """The Saturday of the weekend meant: "last weekend" is the one before the current week's,
    "the weekend" by tense, "next weekend" the first one after P."""
    current = weekday_on_or_before(published, 5) if published.weekday() >= 5 else None
    if which == "last":
        return current - dt.timedelta(days=7) if current else weekday_on_or_before(published, 5)
    if which == "next":
        return current + dt.timedelta(days=7) if current else weekday_on_or_after(published, 5)
    if current:
        return current
    return weekday_on_or_after(published, 5) if tense == "future" else weekday_on_or_before(published, 5)


def _day_by_tense(published: dt.date, month: int, day: int, tense: str) -> dt.date | None:
    def make(year: int) -> dt.date | None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    options = [d for d in (make(published.year + k) for k in (-1, 0, 1)) if d]
    if not options:
        return None
    if tense == "past":
        past = [d for d in options if d <= published]
        return max(past) if past else None
    if tense == "future":
        future = [d for d in options if d >= published]
        return min(future) if future else None
    return min(options, key=lambda d: abs((d - published).days))


# --- patterns --------------------------------------------------------------------------------------

_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH_FULL = "|".join(MONTHS)
_MONTH_ANY = rf"(?:{_MONTH_FULL}|(?:{'|'.join(sorted(MONTH_ABBREVIATIONS, key=len, reverse=True))})\.?)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"


def _lead(word: str) -> str:
    """A word as it starts a phrase: lower case, or capitalised at the start of a sentence; not ALL CAPS
    and not Title Case further on ("USA TODAY" and ABC's "This Week" are names, not dates)."""
    return f"[{word[0].upper()}{word[0]}]{word[1:]}"


_WHICH = (
    rf"(?P<which>{_lead('last')}|{_lead('next')}|{_lead('this')}\s+past|{_lead('this')}|{_lead('earlier')}\s+this"
    rf"|{_lead('later')}\s+this"
    rf"|{_lead('the')}\s+past|{_lead('the')}\s+previous|{_lead('the')}\s+coming)"
)
_BACKWARD = ("last", "the past", "the previous", "this past")
_PREPOSITIONS = (
    r"[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]ill|[Ff]rom|[Dd]uring|[Tt]hrough|[Bb]efore|[Aa]fter|[Ee]arly|[Mm]id|[Ll]ate"
)

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"\b(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b")),
    (
        "month_day",
        re.compile(
            rf"(?:\b{_WEEKDAY},?\s+)?\b(?P<month>{_MONTH_ANY})\s+(?P<day>{_DAY})\b(?:,?\s+(?P<year>{_YEAR})\b)?"
            r"(?!\s*(?:%|,\d))"
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"(?:\b{_WEEKDAY},?\s+)?\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MONTH_ANY})(?:,?\s+(?P<year>{_YEAR}))?\b"
        ),
    ),
    ("month_year", re.compile(rf"\b(?P<month>{_MONTH_FULL}|{_MONTH_ANY})(?:,?\s+of)?,?\s+(?P<year>{_YEAR})\b")),
    (
        "month_relative_year",
        re.compile(
            rf"\b(?:(?P<day>{_DAY})\s+)?(?P<month>{_MONTH_FULL})(?:\s+(?P<day2>{_DAY}))?,?\s+"
            r"(?P<which>this|last|next)\s+year\b"
        ),
    ),
    (
        "weekday_week",
        re.compile(rf"\b{_WEEKDAY}(?:\s+(?:morning|afternoon|evening|night))?,?\s+(?P<which>last|next|this)\s+week\b"),
    ),
    ("week", re.compile(rf"\b{_WHICH}\s+week\b")),
    (
        "weekend",
        re.compile(
            rf"\b(?P<which>{_lead('last')}|{_lead('next')}|{_lead('this')}(?:\s+past)?|(?:{_lead('over')}\s+|{_lead('at')}\s+)?the)"
            r"\s+weekend\b(?!\s+(?:edition|papers?))"
        ),
    ),
    ("month_rel", re.compile(rf"\b{_WHICH}\s+month\b")),
    ("year_rel", re.compile(rf"\b{_WHICH}\s+year\b")),
    (
        "end_of",
        re.compile(
            rf"\b(?:{_lead('the')}\s+)?(?P<edge>{_lead('end')}|{_lead('beginning')}|{_lead('start')}|{_lead('middle')})"
            r"\s+of\s+(?:the|this)\s+(?P<unit>month|year)\b"
        ),
    ),
    (
        "ago",
        re.compile(
            r"\b(?P<n>\d{1,2}|[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|"
            r"[Ee]leven|[Tt]welve)\s+(?P<unit>day|week|month|year)s?\s+ago\b"
        ),
    ),
    (
        "modified_weekday",
        re.compile(rf"\b(?P<which>{_lead('last')}|{_lead('next')}|{_lead('this')}|{_lead('past')})\s+{_WEEKDAY}\b"),
    ),
    (
        "modified_month",
        re.compile(rf"\b(?P<which>{_lead('last')}|{_lead('next')}|{_lead('this')})\s+(?P<month>{_MONTH_FULL})\b"),
    ),
    (
        "relative_day",
        re.compile(
            rf"\b(?P<word>{_lead('the')}\s+day\s+before\s+yesterday|{_lead('the')}\s+day\s+after\s+tomorrow|"
            rf"{_lead('today')}|{_lead('tonight')}|{_lead('yesterday')}|{_lead('tomorrow')}|{_lead('last')}\s+night|"
            rf"{_lead('this')}\s+(?:morning|afternoon|evening))\b"
        ),
    ),
    ("weekday", re.compile(rf"\b{_WEEKDAY}\b")),
    (
        "month_alone",
        re.compile(
            rf"\b(?P<prep>{_PREPOSITIONS}|[Ee]nd\s+of|[Bb]eginning\s+of)[\s-]+"
            rf"(?:early\s+|mid-?|late\s+)?(?P<month>{_MONTH_FULL})\b(?!\s+\d)"
        ),
    ),
    ("ordinal_day", re.compile(r"\b[Oo]n\s+the\s+(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b")),
    (
        "year",
        re.compile(
            rf"\b(?:{_PREPOSITIONS}|of|for)[\s-]+(?:early\s+|mid-?|late\s+)?(?P<year>{_YEAR})\b(?!\s*(?:%|-\d))"
        ),
    ),
]


_PLAIN_PREPOSITIONS = {"in", "since", "by", "until", "till", "from", "during", "through", "before", "after"}


def _month_number(text: str) -> int:
    key = text.rstrip(".")
    key = key[0].upper() + key[1:].lower()
    return MONTHS.get(key) or MONTH_ABBREVIATIONS[key]


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _which(match: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", match.group("which").lower())


def _resolve(kind: str, m: re.Match[str], published: dt.date, tense: str) -> tuple[dt.date, str] | None:
    """(date, precision) for one match of rule `kind`, or None when it names no real date."""
    if kind == "iso":
        try:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"])), "day"
        except ValueError:
            return None
    if kind in ("month_day", "day_month"):
        month, day = _month_number(m["month"]), _day_number(m["day"])
        if m["year"]:
            try:
                return dt.date(int(m["year"]), month, day), "day"
            except ValueError:
                return None
        resolved = _day_by_tense(published, month, day, tense)
        return (resolved, "day") if resolved else None
    if kind == "month_relative_year":
        year = published.year + {"this": 0, "last": -1, "next": 1}[m["which"]]
        day_text = m["day"] or m["day2"]
        if day_text is None:
            return _month_start(year, _month_number(m["month"])), "month"
        try:
            return dt.date(year, _month_number(m["month"]), _day_number(day_text)), "day"
        except ValueError:
            return None
    if kind == "month_year":
        return _month_start(int(m["year"]), _month_number(m["month"])), "month"
    if kind == "weekday_week":
        shift = {"last": -7, "next": 7, "this": 0}[_which(m)]
        monday = _week_monday(published) + dt.timedelta(days=shift)
        return monday + dt.timedelta(days=WEEKDAYS[m["weekday"].capitalize()]), "day"
    if kind == "week":
        which = _which(m)
        if which in ("this", "earlier this", "later this"):
            return _month_start(published.year, published.month), "month"
        shift = 7 if which in ("next", "the coming") else -7
        wednesday = _week_monday(published) + dt.timedelta(days=shift + 2)
        return _month_start(wednesday.year, wednesday.month), "month"
    if kind == "weekend":
        saturday = _weekend_saturday(published, _which(m), tense)
        return _month_start(saturday.year, saturday.month), "month"
    if kind == "month_rel":
        which = _which(m)
        shift = 1 if which in ("next", "the coming") else -1 if which in _BACKWARD else 0
        return _add_months(published, shift), "month"
    if kind == "year_rel":
        which = _which(m)
        shift = 1 if which in ("next", "the coming") else -1 if which in _BACKWARD else 0
        return dt.date(published.year + shift, 1, 1), "year"
    if kind == "end_of":
        if m["unit"].lower() == "month":
            return _month_start(published.year, published.month), "month"
        return dt.date(published.year, 1, 1), "year"
    if kind == "ago":
        n_text = m["n"].lower()
        n = int(n_text) if n_text.isdigit() else NUMBER_WORDS[n_text]
        unit = m["unit"].lower()
        if unit == "day":
            return published - dt.timedelta(days=n), "day"
        if unit == "week":
            day = published - dt.timedelta(days=7 * n)
            return _month_start(day.year, day.month), "month"
        if unit == "month":
            return _add_months(published, -n), "month"
        return dt.date(published.year - n, 1, 1), "year"
    if kind == "modified_weekday":
        which = _which(m)
        weekday = WEEKDAYS[m["weekday"].capitalize()]
        modifier = "last" if which in ("last", "past") else "next" if which == "next" else None
        return resolve_weekday(published, weekday, tense, modifier), "day"
    if kind == "modified_month":
        return _month_by_tense(published, _month_number(m["month"]), tense, _which(m)), "month"
    if kind == "relative_day":
        word = re.sub(r"\s+", " ", m["word"].lower())
        offset = {
            "the day before yesterday": -2,
            "the day after tomorrow": 2,
            "yesterday": -1,
            "last night": -1,
            "tomorrow": 1,
        }.get(word, 0)
        return published + dt.timedelta(days=offset), "day"
    if kind == "weekday":
        return resolve_weekday(published, WEEKDAYS[m["weekday"]], tense), "day"
    if kind == "month_alone":
        return _month_by_tense(published, _month_number(m["month"]), tense), "month"
    if kind == "ordinal_day":
        day = _day_number(m["day"])
        month = _month_start(published.year, published.month)
        if tense == "past" and day > published.day:
            month = _add_months(published, -1)
        elif tense == "future" and day < published.day:
            month = _add_months(published, 1)
        try:
            return dt.date(month.year, month.month, day), "day"
        except ValueError:
            return None
    if kind == "year":
        return dt.date(int(m["year"]), 1, 1), "year"
    raise ValueError(f"unknown date rule {kind!r}")


def _span(kind: str, m: re.Match[str]) -> tuple[int, int]:
    """The words that carry the date: a leading preposition ("in April", "since 2022") is not one of them."""
    if kind == "month_alone" and m["prep"].lower() in _PLAIN_PREPOSITIONS:
        return m.start("month"), m.end()
    if kind == "year":
        return m.start("year"), m.end()
    return m.start(), m.end()


_MONTH_WORDS = frozenset(MONTHS) | frozenset(MONTH_ABBREVIATIONS)
_WEEKDAY_WORDS = frozenset(WEEKDAYS)
_RELATIVE_DAY_WORDS = frozenset(
    w.capitalize() for w in ("today", "tonight", "yesterday", "tomorrow", "night", "morning", "afternoon", "evening")
) | frozenset(("today", "tonight", "yesterday", "tomorrow", "night", "morning", "afternoon", "evening"))


def _rule_may_match(kind: str, words: frozenset[str], has_digit: bool) -> bool:
    """A cheap test on the sentence's words that skips rules which cannot match (most rules, most sentences)."""
    if kind in ("iso", "ordinal_day", "year"):
        return has_digit
    if kind in ("month_day", "day_month", "month_year"):
        return has_digit and not words.isdisjoint(_MONTH_WORDS)
    if kind in ("month_relative_year", "modified_month", "month_alone"):
        return not words.isdisjoint(_MONTH_WORDS)
    if kind in ("weekday_week", "modified_weekday", "weekday"):
        return not words.isdisjoint(_WEEKDAY_WORDS)
    if kind == "week":
        return "week" in words
    if kind == "weekend":
        return "weekend" in words
    if kind == "month_rel":
        return "month" in words
    if kind == "year_rel":
        return "year" in words
    if kind == "end_of":
        return "month" in words or "year" in words
    if kind == "ago":
        return "ago" in words
    if kind == "relative_day":
        return not words.isdisjoint(_RELATIVE_DAY_WORDS)
    return True


def find_dates(text: str, published: dt.date, tense: str) -> list[DateRef]:
    """Date expressions in `text`, resolved; where readings overlap the longest one wins."""
    candidates: list[tuple[int, int, int, dt.date, str]] = []
    words = frozenset(re.findall(r"[A-Za-z]+", text))
    has_digit = any(c.isdigit() for c in text)
    for priority, (kind, pattern) in enumerate(_RULES):
        if not _rule_may_match(kind, words, has_digit):
            continue
        for m in pattern.finditer(text):
            resolved = _resolve(kind, m, published, tense)
            if resolved is None:
                continue
            start, end = _span(kind, m)
            candidates.append((start, end, priority, *resolved))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken: list[tuple[int, int]] = []
    found: list[DateRef] = []
    for start, end, _priority, date, precision in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        found.append(DateRef(date, precision, text[start:end], start, end))
    found.sort(key=lambda d: d.start)
    return found


def resolve_date_phrase(phrase: str, published: dt.date, tense: str) -> DateRef | None:
    """The date one phrase names ("last Friday", "in April 2023"), or None; the longest reading wins."""
    found = find_dates(phrase, published, tense)
    if not found:
        return None
    return max(found, key=lambda d: (d.end - d.start, -d.start))
