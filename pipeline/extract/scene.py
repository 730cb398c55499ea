"""The scene of an article: where and when its news happens, and which acts belong to it.

A careful reader does not need every sentence to say where and when: a wire story's dateline sets
the place, the lead's own time expression ("said on Monday") sets the day of the news, and the
remarks made at a summit, a meeting, a visit or a news conference took place there and then.
GUIDELINES.md (the gold) states the same conventions. This module keeps, per article:

- the dateline place (`documents.dateline_place`, parsed by clean.py) with its country;
- the news day: the day of the lead's own dated act, else the publication date;
- the occasions under way: events with a place of their own (a summit in Hamburg, talks at the
  White House, "told reporters in Montreal"), with their date and participants.

An act with no date or place of its own takes them from the occasion it belongs to (its actor
took part in it, within a few sentences, and it is not a background act), else the news day and
the dateline (or, with no dateline, the setting the lead opened). Background -- "since ..."
clauses, pluperfect narration, acts dated weeks before the news -- takes nothing, and a time
expression of another clause (a relative clause, the act's content) is not the act's date. Institutions stand for their seat ("at the White House": Washington), from
`pipeline/data/institution_seats.csv`. Every value says where it came from (`*_basis`).
Numbers and word lists: rules/scene.json.

The same module links a sentence to the events already emitted (the existing ties): a
sentence-initial frame ("At the APEC summit, ..."), a repeated mention of the same event, the latest
event of the same actor within a few sentences (its date and place are inherited).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span, Token

from pipeline.extract import resolvers
from pipeline.extract.entities import name_key
from pipeline.extract.records import Candidate, Emitted
from pipeline.extract.resolvers import Resolved
from pipeline.extract.syntax import is_definite, pobj_of

if TYPE_CHECKING:
    from pipeline.extract.context import ArticleContext

RULES_FILE = Path(__file__).resolve().parent / "rules" / "scene.json"
SEATS_FILE = resolvers.DATA_DIR / "institution_seats.csv"
SUMMITS_FILE = resolvers.DATA_DIR / "summit_hosts.csv"

PHYSICAL_TYPES = frozenset({"summit", "meeting", "speech", "visit"})
Place = tuple[str, str | None]  # (name, ISO alpha-3 country)
DateValue = tuple[dt.date, str, str | None]  # (date, precision, words it was read from)


@dataclass(frozen=True)
class SceneRules:
    window: int  # sentences an occasion stays under way after the last act tied to it
    lead_sentences: int  # sentences that make the lead
    news_day_max_days_before: int  # how far before publication the lead's day may lie
    news_past_days: int  # an act dated further back than this is not the day's news
    news_future_days: int  # a planned occasion further ahead than this sets no scene
    background_marks: frozenset[str]  # clause marks of background: "since April ..."
    audience_nouns: frozenset[str]  # "told reporters in Montreal": the place is the act's
    non_place_labels: frozenset[str]  # NER labels the gazetteer may overrule for a place
    perfect_auxes: frozenset[str]  # "has said", "have agreed": the recent past, month precision
    mission_nouns: frozenset[str]  # embassy, consulate: in the host country, whoever's flag flies
    venue_preps: frozenset[str]  # "at the White House", "before the Senate": the act was done there
    venue_verbs: frozenset[str]  # "told Congress", "addressed the General Assembly": done before it
    occasion_nouns: frozenset[str]  # summit, talks, conference: a lead that names one sets the scene
    future_modifiers: frozenset[str]  # "next year's summit", "the upcoming talks": not under way
    earlier_preps: frozenset[str]  # "following his speech": an occasion before the sentence's act
    occasion_preps: frozenset[str]  # "during his speech", "after the meeting": the act names its occasion
    occasion_types: dict[str, str]  # the nouns that name an occasion, and its event type
    frame_verbs: frozenset[str]  # "Speaking at the White House, X said": the frame is the act's
    region_prefixes: frozenset[str]  # "South Florida", "eastern Ukraine": a region of the place named after
    setting_verbs: frozenset[str]  # "Kerry said in Vienna" in the lead: where the news is
    weekday_modifiers: frozenset[str]  # "last Tuesday", "until Tuesday": not the lead's news day
    trip_over_preps: frozenset[str]  # "returned from his trip to", "fresh off his trip": the trip is over
    departure_verbs: frozenset[str]  # "departing for", "heading to": on the way, not there


@lru_cache(maxsize=1)
def scene_rules(path: str | None = None) -> SceneRules:
    raw = json.loads(Path(path or RULES_FILE).read_text(encoding="utf-8"))
    return SceneRules(
        window=int(raw["window"]),
        lead_sentences=int(raw["lead_sentences"]),
        news_day_max_days_before=int(raw["news_day_max_days_before"]),
        news_past_days=int(raw["news_past_days"]),
        news_future_days=int(raw["news_future_days"]),
        background_marks=frozenset(raw["background_marks"]),
        audience_nouns=frozenset(raw["audience_nouns"]),
        non_place_labels=frozenset(raw["non_place_labels"]),
        perfect_auxes=frozenset(raw["perfect_auxes"]),
        mission_nouns=frozenset(raw["mission_nouns"]),
        venue_preps=frozenset(raw["venue_preps"]),
        venue_verbs=frozenset(raw["venue_verbs"]),
        occasion_nouns=frozenset(raw["occasion_nouns"]),
        future_modifiers=frozenset(raw["future_modifiers"]),
        earlier_preps=frozenset(raw["earlier_preps"]),
        occasion_preps=frozenset(raw["occasion_preps"]),
        occasion_types=dict(raw["occasion_types"]),
        frame_verbs=frozenset(raw["frame_verbs"]),
        region_prefixes=frozenset(raw["region_prefixes"]),
        setting_verbs=frozenset(raw["setting_verbs"]),
        weekday_modifiers=frozenset(raw["weekday_modifiers"]),
        trip_over_preps=frozenset(raw["trip_over_preps"]),
        departure_verbs=frozenset(raw["departure_verbs"]),
    )


# ---- institutions and their seats --------------------------------------------------------------
@dataclass(frozen=True)
class Seat:
    institution: str
    city: str
    country: str


@lru_cache(maxsize=1)
def seat_table(path: str | None = None) -> tuple[re.Pattern[str], dict[str, Seat]]:
    """Every alias of institution_seats.csv as one pattern (longest first, capitalisation as
    written: "the Senate" is an institution, "senate" in "a senate race" elsewhere is not)."""
    by_alias: dict[str, Seat] = {}
    with Path(path or SEATS_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            seat = Seat(row["institution"], row["city"], row["country"])
            for alias in [row["institution"], *row["aliases"].split("|")]:
                alias = alias.strip()
                if alias.lower().startswith("the "):
                    alias = alias[4:]
                if alias:
                    by_alias.setdefault(alias, seat)
    alternatives = "|".join(re.escape(a) for a in sorted(by_alias, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])"), by_alias


def seats_in(sent: Span) -> list[tuple[Span, Seat]]:
    """Institution mentions of a sentence, as token spans with their seat."""
    pattern, by_alias = seat_table()
    out = []
    for m in pattern.finditer(sent.text):
        span = sent.doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(), alignment_mode="expand")
        if span is not None:
            out.append((span, by_alias[m.group(0)]))
    return out


def seat_place(name: str) -> Place | None:
    """The seat of an institution named exactly ("UNITED NATIONS" in a dateline: New York)."""
    _, by_alias = seat_table()
    for alias, seat in by_alias.items():
        if alias.lower() == name.lower():
            return (seat.city, seat.country)
    return None


def dateline_place(text: str | None) -> Place | None:
    """The place of a dateline as (city, country): "WASHINGTON/BEIJING" gives Washington (the
    first city is where the story was filed), "TEHRAN, Iran" gives Tehran in IRN, "UNITED
    NATIONS" the UN's seat. None when the gazetteer does not know the place."""
    if not text or not text.strip():
        return None
    head, _, region = text.partition(",")
    city = head.split("/")[0].strip()
    name = city.title() if city.isupper() else city
    seat = seat_place(name)
    if seat is not None:
        return seat
    country = resolvers.place_country(name)
    if country is None and region.strip():
        country = resolvers.place_country(region.strip()) or resolvers.country_of(region.strip())
    return (name, country) if country else None


def region_country(name: str) -> str | None:
    """ "South Florida", "eastern Ukraine", "Northern Syria": a region named by a compass word before
    a place lies in that place's country."""
    head, _, rest = name.strip().partition(" ")
    if head.lower() not in scene_rules().region_prefixes or not rest.strip():
        return None
    rest = rest.strip()
    return resolvers.place_country(rest) or resolvers.country_of(rest)


def is_foreign_mission(name: str) -> bool:
    """ "the U.S. Embassy", "Russia's consulate": a mission stands in its host country, not in the
    country that names it."""
    words = {w.strip(".,'’").lower() for w in name.split()}
    return bool(words & scene_rules().mission_nouns)


def gazetteer_place(ent: Span) -> Place | None:
    """A place the small NER labelled otherwise ("a visit to Kiev" tagged PERSON): the gazetteer is
    asked first, and a known person, organisation or group of that name keeps its label."""
    if ent.label_ not in scene_rules().non_place_labels:
        return None
    name = ent.text.strip()
    known = resolvers.lookup(name, None)
    if known is not None and known.kind in {"person", "organisation", "group"}:
        return None
    country = resolvers.place_country(name)
    return (name, country) if country else None


# ---- the day the story was written ----------------------------------------------------------------
def story_day(doc: Doc, published: dt.date, lead_sentences: int = 1) -> dt.date:
    """The day the story was written, against which its relative dates resolve. A lead reports the
    latest news: "North Korea said Tuesday ..." in the lead of a story dated Monday is the next day
    (the stored date lags the newsroom's local day by a time zone or a filing delay), not six days
    back. A past-tense act of the lead named by the weekday after the stored date moves the story day
    one day on; "last Tuesday", a modified weekday or any other weekday leaves it."""
    following = calendar.day_name[(published.weekday() + 1) % 7].lower()
    modifiers = scene_rules().weekday_modifiers
    for k, sent in enumerate(doc.sents):
        if k >= lead_sentences:
            break
        for tok in sent:
            if tok.lower_ != following or tok.ent_type_ != "DATE":
                continue
            if any(t.lower_ in modifiers for t in tok.subtree if t.i != tok.i):
                continue
            if tok.i > 0 and doc[tok.i - 1].lower_ in modifiers:
                continue
            verb = next((a for a in tok.ancestors if a.pos_ in {"VERB", "AUX"}), None)
            if verb is not None and verb.tag_ == "VBD":
                return published + dt.timedelta(days=1)
    return published


# ---- the parse, read as a reader reads it ---------------------------------------------------------
def reattach_reporting_dates(doc: Doc) -> None:
    """ "said on Monday he would meet Xi next month": the small parser hangs "on Monday" on the
    content verb; a time expression between a reporting verb and the subject of its content clause
    is the reporting verb's (the statement was Monday, the meeting next month)."""
    for verb in doc:
        if verb.pos_ != "VERB":
            continue
        for clause in [c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i]:
            subj = next((s for s in clause.children if s.dep_ in {"nsubj", "nsubjpass"} and s.i > verb.i), None)
            if subj is None:
                continue
            for mod in [m for m in clause.children if verb.i < m.i < subj.i]:
                if (
                    mod.dep_ == "npadvmod"
                    and mod.ent_type_ == "DATE"
                    or (mod.dep_ == "prep" and any(p.ent_type_ == "DATE" and p.dep_ == "pobj" for p in mod.children))
                ):
                    mod.head = verb


def in_other_clause(anchor: Token, trigger: Token, keys: set[int]) -> bool:
    """Whether a time expression's clause is another clause than the act's: the act's own content
    ("said she was there this weekend"), a relative or noun clause ("reports that his term ends
    next year", "Guterres, who took office in January"). Such a date is not the act's date."""
    if any(a.i in keys for a in anchor.ancestors):
        return True
    above = {a.i for a in trigger.ancestors} | {trigger.i}
    t = anchor
    while t.i not in above and t.head is not t:
        if t.dep_ in {"relcl", "acl", "ccomp", "csubj", "xcomp"} and t.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return True
        if t.dep_ in {"relcl", "ccomp"}:
            return True
        t = t.head
    return False


def _marks_venue(t: Token, keys: set[int], rules: SceneRules) -> bool:
    """One link that makes a venue: "at/in/before X", "told/addressed X", "an X address"."""
    head = t.head
    return (
        (t.dep_ == "pobj" and head.lower_ in rules.venue_preps)
        or (t.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in rules.occasion_nouns)
        or (t.dep_ in {"dobj", "dative"} and head.lemma_.lower() in rules.venue_verbs)
        or (t.dep_ in {"compound", "nmod"} and head.i in keys)
        # "his address to Congress": a speech is given before its audience
        or (
            t.dep_ == "pobj"
            and head.lower_ == "to"
            and head.head.i in keys
            and rules.occasion_types.get(head.head.lemma_.lower()) == "speech"
        )
    )


def _venue_of_act(tok: Token, keys: set[int]) -> bool:
    """Whether an institution is where the act was done: the place of an at/in/before phrase on the
    act ("said at the White House", "in remarks at the White House"), the audience of an address
    ("told Congress"), or a modifier of the act's noun ("a United Nations address") -- not its agent
    ("White House spokesman X said"), not its addressee ("called on Congress to act")."""
    rules = scene_rules()
    t = tok
    venue = False
    for _ in range(10):
        head = t.head
        if head is t or t.dep_ in {"nsubj", "nsubjpass", "poss", "agent", "relcl", "acl", "advcl", "ccomp", "xcomp"}:
            return False
        venue = venue or _marks_venue(t, keys, rules)
        if head.i in keys:
            return venue
        if head.pos_ in {"VERB", "AUX"}:
            # "Speaking at the White House, Trump said": a participial frame of the act itself
            frame = head.dep_ == "advcl" and head.tag_ == "VBG" and head.lemma_.lower() in rules.frame_verbs
            if not (frame and head.head.i in keys):
                return False
            return venue
        t = head
    return False


def _other_country_modifier(span: Span, seat: Seat) -> bool:
    """ "the Philippine Senate", "Britain's House of Commons": a chamber of another country."""
    for t in span.root.children:
        if t.dep_ in {"amod", "compound", "poss", "nmod"} and t.i < span.start:
            code = resolvers.country_of(t.text)
            if code and code != seat.country:
                return True
    return False


def institution_place(sent: Span, keys: set[int]) -> Place | None:
    """An institution the act was done at or before: "said at the White House", "told Congress",
    "a United Nations address", "at Tuesday's Security Council meeting"."""
    for span, seat in seats_in(sent):
        if any(t.i in keys for t in span):
            continue
        if _venue_of_act(span.root, keys) and not _other_country_modifier(span, seat):
            return (seat.city, seat.country)
    return None


# ---- summits of a series and their hosts -------------------------------------------------------------
@dataclass(frozen=True)
class Hosted:
    series: str
    start: dt.date
    city: str
    country: str


@lru_cache(maxsize=1)
def summit_table(path: str | None = None) -> tuple[re.Pattern[str], dict[str, str], dict[str, list[Hosted]]]:
    """summit_hosts.csv: the aliases of each series ("G-20", "Group of 20") and its summits by date."""
    alias_series: dict[str, str] = {}
    by_series: dict[str, list[Hosted]] = {}
    with Path(path or SUMMITS_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for alias in row["aliases"].split("|"):
                alias_series[alias.strip().lower()] = row["series"]
            hosted = Hosted(row["series"], dt.date.fromisoformat(row["start"]), row["city"], row["country"])
            by_series.setdefault(row["series"], []).append(hosted)
    alternatives = "|".join(re.escape(a) for a in sorted(alias_series, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE), alias_series, by_series


SUMMIT_REACH_DAYS = 200  # a series' summit this far from the story is not the one it reports


def hosted_summit(name: str, published: dt.date, ahead: bool) -> Hosted | None:
    """The summit of a series a story names ("the upcoming G-20 summit"): the one of the year the
    name gives ("the 2018 G-7 summit"), else the nearest to the publication date, the next one for a
    summit still to come, the latest one held for a summit told in the past."""
    pattern, alias_series, by_series = summit_table()
    m = pattern.search(name)
    if m is None:
        return None
    summits = by_series[alias_series[m.group(0).lower()]]
    year = re.search(r"\b(19|20)\d\d\b", name)
    if year:
        same = [h for h in summits if h.start.year == int(year.group(0))]
        return same[0] if len(same) == 1 else None
    slack = dt.timedelta(days=3)
    if ahead:
        options = [h for h in summits if h.start >= published - slack]
        best = min(options, key=lambda h: h.start, default=None)
    else:
        options = [h for h in summits if h.start <= published + slack]
        best = max(options, key=lambda h: h.start, default=None)
    if best is None or abs((best.start - published).days) > SUMMIT_REACH_DAYS:
        return None
    return best


def series_summit(act: Act, published: dt.date, rules: SceneRules) -> Hosted | None:
    """A summit of a series that the act is, or is done at ("met at the G-20 summit", "the upcoming
    APEC summit"), takes that summit's host city (and, undated, its opening day)."""
    doc = act.trigger.doc
    keys = {k.i for k in act.keys}
    nouns = [k for k in act.keys if k.lemma_.lower() == "summit"]
    for k in act.keys:
        for prep in (c for c in k.children if c.dep_ == "prep" and c.lower_ in {"at", "during", "on"}):
            nouns += [p for p in prep.children if p.dep_ == "pobj" and p.lemma_.lower() == "summit"]
    for noun in nouns:
        left = doc[noun.left_edge.i : noun.i]
        if any(t.i in keys for t in left):
            continue
        ahead = act.tense == "future" or any(t.lower_ in rules.future_modifiers for t in left)
        hosted = hosted_summit(left.text, published, ahead)
        if hosted is not None:
            return hosted
    return None


def is_upcoming(trigger: Token) -> bool:
    """ "the upcoming G-20 summit", "next month's talks": an occasion its own noun puts ahead."""
    if trigger.pos_ not in {"NOUN", "PROPN"}:
        return False
    marks = scene_rules().future_modifiers
    return any(t.lower_ in marks for t in trigger.lefts for t in t.subtree)


# ---- the article's scene ---------------------------------------------------------------------------
@dataclass
class Occasion:
    """An event with a place of its own, and who took part in it."""

    sent_index: int
    etype: str
    place: Place
    date: DateValue | None
    planned: bool
    party_keys: set[frozenset[str]]
    last_tie: int
    act: Act | None = None  # the act that placed it


@dataclass
class Act:
    """What the scene needs to know of an act (built from the extractor's candidate)."""

    s_index: int
    etype: str
    trigger: Token
    keys: list[Token]
    tense: str
    actor_keys: set[frozenset[str]]
    party_keys: set[frozenset[str]]
    actor_country: str | None


@dataclass
class ArticleScene:
    published: dt.date
    dateline: Place | None
    rules: SceneRules = field(default_factory=scene_rules)
    occasions: list[Occasion] = field(default_factory=list)
    news_day: DateValue | None = None
    setting: Occasion | None = None  # the lead's occasion: the place of the news with no dateline
    earlier: dict[str, int] = field(default_factory=dict)  # countries of occasions told as before another
    _earlier_noted: int = -1  # the last sentence read for them: each sentence is read once, not per act
    _lead_scanned: bool = False
    unplaced: list[tuple[Act, DateValue | None, range]] = field(
        default_factory=list
    )  # acts left with no place, and their rows
    lead_actors: set[frozenset[str]] = field(default_factory=set)  # who acts in the lead

    @classmethod
    def of(cls, record: dict, published: dt.date) -> ArticleScene:
        return cls(published, dateline_place(record.get("dateline_place")))

    def lead_setting(self, doc: Doc, place_of: Callable[[Token], Place | None]) -> Occasion | None:
        """With no dateline and no placed event in the lead, an occasion the lead names with its
        place (on the noun, or on the clause that names it) sets the scene: "protesters tried to
        block the grounds of the G-20 summit Friday in Hamburg"."""
        if self.setting is not None or self._lead_scanned:
            return self.setting
        self._lead_scanned = True
        for k, sent in enumerate(doc.sents):
            if k >= self.rules.lead_sentences:
                break
            for tok in sent:
                if tok.pos_ == "VERB" and tok.lemma_.lower() in self.rules.setting_verbs and tok.tag_ == "VBD":
                    around = list(tok.children)  # "Kerry said in Vienna": the lead's remarks were made there
                elif tok.lemma_.lower() not in self.rules.occasion_nouns or tok.pos_ != "NOUN":
                    continue
                elif any(t.lower_ in self.rules.future_modifiers for t in tok.subtree if t.i < tok.i):
                    continue  # "next year's summit in the United States" is not where the news is
                else:
                    around = self._place_phrases(tok)
                for prep in (c for c in around if c.dep_ == "prep" and c.lower_ in {"in", "at"}):
                    pobj = next((p for p in prep.children if p.dep_ == "pobj"), None)
                    place = place_of(pobj) if pobj is not None else None
                    if place and place[1]:
                        self.setting = Occasion(k, "setting", place, None, False, set(), k)
                        return self.setting
        return None

    @staticmethod
    def _place_phrases(tok: Token) -> list[Token]:
        """Where a phrase may set an occasion noun's place: its own children ("the summit in
        Hamburg"), its relative clause ("the meeting, which took place in the Vatican"), the nouns it
        hangs from ("the grounds of the summit Friday in Hamburg") and the clause that names it."""
        around = list(tok.children)
        for c in tok.children:
            if c.dep_ in {"relcl", "acl"}:
                around += list(c.children)
        for a in tok.ancestors:
            if a.pos_ in {"VERB", "AUX"}:
                around += list(a.children)
                break
            if a.pos_ in {"NOUN", "PROPN"}:
                around += [c for c in a.children if c.i > tok.i]
        return around

    # ---- what belongs to the news ------------------------------------------------------------------
    def is_background(self, act: Act) -> bool:
        """Background is told, not reported as news: a "since"/"until" clause, a pluperfect outside a
        time clause of the main act ("had warned"). A relative clause in the simple past or present
        ("Amano, who said he is releasing a report") reports news like a main clause; its own time
        expressions stay its own (see in_other_clause)."""
        verb = act.keys[0]
        for t in [verb, *verb.ancestors]:
            if any(c.dep_ == "mark" and c.lower_ in self.rules.background_marks for c in t.children):
                return True
        if verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lower_ in {"had", "'d"} for c in verb.children):
            return not any(t.dep_ == "advcl" for t in [verb, *verb.ancestors])
        return False

    def is_news_date(self, date: DateValue | None) -> bool:
        if date is None:
            return True
        day = date[0]
        if date[1] == "year":
            return day.year == self.published.year
        if date[1] == "month":
            return (day.year, day.month) == (self.published.year, self.published.month)
        delta = (day - self.published).days
        return -self.rules.news_past_days <= delta <= self.rules.news_future_days

    def _dated_elsewhere(self, keys: list[Token]) -> bool:
        """An act named with a year of its own that is not this year's: "a 2009 address"."""
        for k in keys:
            for t in k.lefts:
                for y in t.subtree:
                    if y.like_num and len(y.text) == 4 and y.text.isdigit() and int(y.text) != self.published.year:
                        return 1900 < int(y.text) < 2100
        return False

    def _imminent(self, date: DateValue | None) -> bool:
        return date is not None and date[1] == "day" and 0 <= (date[0] - self.published).days <= 1

    def _is_perfect(self, verb: Token) -> bool:
        return verb.tag_ == "VBN" and any(
            c.dep_ == "aux" and c.lower_ in self.rules.perfect_auxes for c in verb.children
        )

    # ---- occasions ---------------------------------------------------------------------------------
    def occasion_of(self, act: Act) -> Occasion | None:
        """The latest occasion under way that the act's actor takes part in: a participant, or, at a
        visit, a host of the country visited. A planned occasion holds only planned acts, and a planned
        act belongs to a planned occasion or to the trip under way."""
        for occ in reversed(self.occasions):
            if act.s_index - occ.last_tie > self.rules.window or occ.sent_index > act.s_index:
                continue
            if occ.planned and act.tense != "future":
                continue
            if act.tense == "future" and not occ.planned and occ.etype != "visit":
                continue  # a meeting still to come is not held at a speech already given; a trip under way is
            hosts = occ.etype == "visit" and act.actor_country is not None and act.actor_country == occ.place[1]
            if act.actor_keys & occ.party_keys or hosts:
                return occ
        return None

    def note(
        self, act: Act, date: DateValue | None, date_basis: str | None, place: Place | None, place_basis: str | None
    ) -> None:
        """Remember an emitted act: the lead's day, and an occasion when it has a place of its own."""
        if (
            self.news_day is None
            and act.s_index < self.rules.lead_sentences
            and date is not None
            and date_basis == "sentence"
            and date[1] == "day"
            and act.tense != "future"
            and 0 <= (self.published - date[0]).days <= self.rules.news_day_max_days_before
        ):
            self.news_day = date
        if place is None or place_basis not in {"sentence", "institution"} or not self.is_news_date(date):
            return
        if self._dated_elsewhere(act.keys) or self.is_background(act):
            return  # "repeating a line from a 2009 address in Turkey": that occasion is history
        planned = act.tense == "future" or (date is not None and date[0] > self.published)
        occ = Occasion(
            act.s_index,
            act.etype,
            place,
            date if date is not None and date[1] == "day" else None,
            planned,
            act.actor_keys | act.party_keys,
            act.s_index,
            act,
        )
        for known in self.occasions:
            same_day = occ.date is None or known.date is None or occ.date == known.date
            if (
                known.etype == occ.etype
                and known.place[1] == place[1]
                and known.party_keys & act.actor_keys
                and same_day
            ):
                # "said during his speech in Poland" after "following his speech in Warsaw": the same
                # occasion told again keeps its place in the story's order
                known.last_tie = act.s_index
                return
        trigger = act.trigger
        told_before = self.earlier.get(place[1] or "")
        if told_before is not None and told_before <= act.s_index:
            # "arrived in Hamburg following his speech in Warsaw", later "said during his speech in
            # Poland": that speech came before the arrival, and stays before it
            later = [k for k, o in enumerate(self.occasions) if o.sent_index >= told_before]
            self.occasions.insert(later[0] if later else len(self.occasions), occ)
        elif trigger.dep_ == "pobj" and trigger.head.lower_ in self.rules.earlier_preps:
            # "arrived in Hamburg following his speech in Warsaw": the speech came first
            same = [k for k, o in enumerate(self.occasions) if o.sent_index == act.s_index]
            self.occasions.insert(same[0] if same else len(self.occasions), occ)
        else:
            self.occasions.append(occ)
        near = date is None or (date[1] == "day" and self.is_news_date(date))
        if self.setting is None and not planned and near and act.s_index < self.rules.lead_sentences:
            self.setting = occ

    def note_earlier(self, sent: Span, s_index: int, place_of: Callable[[Token], Place | None]) -> None:
        """Remember the occasions a sentence places before its own act ("following his speech in
        Warsaw"), by country, so that a later retelling of one there does not become the latest."""
        if s_index <= self._earlier_noted:
            return
        self._earlier_noted = s_index
        for tok in sent:
            if tok.dep_ != "pobj" or tok.head.lower_ not in self.rules.earlier_preps:
                continue
            etype = self.rules.occasion_types.get(tok.lemma_.lower())
            if etype is None:
                continue
            for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in {"in", "at"}):
                pobj = next((p for p in prep.children if p.dep_ == "pobj"), None)
                place = place_of(pobj) if pobj is not None else None
                if place and place[1]:
                    self.earlier.setdefault(place[1], s_index)

    def named_occasion(self, act: Act) -> Occasion | None:
        """An occasion the act's own clause names: "said during his speech in Poland", "after the
        meeting, she told reporters", "will meet him following his General Assembly speech"."""
        for k in act.keys:
            for prep in (c for c in k.children if c.dep_ == "prep" and c.lower_ in self.rules.occasion_preps):
                pobj = next((p for p in prep.children if p.dep_ == "pobj"), None)
                etype = self.rules.occasion_types.get(pobj.lemma_.lower()) if pobj is not None else None
                if etype is None:
                    continue
                for occ in reversed(self.occasions):
                    if (
                        occ.sent_index < act.s_index
                        and occ.etype == etype
                        and (not act.actor_keys or act.actor_keys & occ.party_keys)
                    ):
                        return occ
        return None

    # ---- resolution --------------------------------------------------------------------------------
    def date_for(self, act: Act, occasion: Occasion | None) -> tuple[DateValue, str] | None:
        """The date of an undated act reported as news: its occasion's day, the month for the recent
        past ("has said"), else the news day (the lead's day, or the publication date)."""
        if self.is_background(act):
            return None
        named = self.named_occasion(act)
        if named is not None and named.date is not None:
            return (named.date, "occasion")
        if act.tense == "future":
            return None
        verb = act.keys[0]
        if self._is_perfect(verb):
            return ((self.published.replace(day=1), "month", None), "publication")
        if occasion is not None and occasion.date is not None and not occasion.planned:
            return (occasion.date, "occasion")
        if self.news_day is not None:
            return (self.news_day, "context")
        return ((self.published, "day", None), "publication")

    def place_for(
        self, act: Act, occasion: Occasion | None, date: DateValue | None, place_of: Callable[[Token], Place | None]
    ) -> tuple[Place, str] | None:
        """The place of an act with none in its sentence: its occasion's, else the dateline's, else
        the place the lead set; none for background or for acts dated away from the news."""
        if self.is_background(act) or not self.is_news_date(date):
            return None
        if occasion is not None:
            occasion.last_tie = act.s_index
            return (occasion.place, "scene")
        if act.tense == "future" and act.etype in PHYSICAL_TYPES and not self._imminent(date):
            return None  # a meeting or trip still to come may be anywhere; today's or tomorrow's is here
        if self.dateline is not None:
            return (self.dateline, "dateline")
        setting = self.lead_setting(act.keys[0].doc, place_of)
        if setting is not None:
            return (setting.place, "scene")
        return None

    def resolve(
        self,
        act: Act,
        date: DateValue | None,
        date_basis: str | None,
        place: Place | None,
        place_basis: str | None,
        sent: Span,
        place_of: Callable[[Token], Place | None],
    ) -> tuple[DateValue | None, str | None, Place | None, str | None]:
        """Fill what the sentence left open, then remember the act for the sentences after it."""
        keys = {k.i for k in act.keys}
        if act.s_index < self.rules.lead_sentences:
            self.lead_actors |= act.actor_keys
        self.note_earlier(sent, act.s_index, place_of)
        if place is None:
            seat = institution_place(sent, keys)
            if seat is not None:
                place, place_basis = seat, "institution"
        hosted = series_summit(act, self.published, self.rules) if place is None or date is None else None
        if hosted is not None and place is None:
            place, place_basis = (hosted.city, hosted.country), "sentence"
        if hosted is not None and date is None and not self.is_background(act):
            date, date_basis = (hosted.start, "day", None), "occasion"
        occasion = self.named_occasion(act) or self.occasion_of(act) if place is None or date is None else None
        if date is None:
            found = self.date_for(act, occasion)
            if found is not None:
                date, date_basis = found
        if place is None:
            found_place = self.place_for(act, occasion, date, place_of)
            if found_place is not None:
                place, place_basis = found_place
        # a series' summit named in passing ("in the wake of the G7 summit") places its own act only:
        # its participants' later acts are not held there
        hosted_here = hosted is not None and place == (hosted.city, hosted.country)
        self.note(act, date, date_basis, None if hosted_here else place, place_basis)
        return date, date_basis, place, place_basis

    def carry_trip(self, rows: list[dict], doc: Doc, place_of: Callable[[Token], Place | None]) -> None:
        """A trip that becomes clear only after the lead's acts ("... hours before the president
        arrived in Cuba", paragraphs down): with no dateline and no other place set by the lead, the
        first trip the story reports as news is where the acts of its traveller and of those the traveller meets took
        place, those before it as well as those after, when the sentence gave them no place (see
        `_during` for what stays without one)."""
        if self.dateline is not None or not self.unplaced:
            return
        trip = next((o for o in self.occasions if self._story_trip(o)), None)
        if trip is None:
            return
        setting = self.lead_setting(doc, place_of)
        if setting is not None and setting.place[1] != trip.place[1]:
            return  # the lead set the news elsewhere
        acts = [(act, at) for act, date, at in self.unplaced if self._during(act, date, trip)]
        # the hosts are those the traveller meets there ("X and Cuban President Y took questions"):
        # their remarks are made there too; a compatriot of the hosts elsewhere is not
        keys = set(trip.party_keys)
        for act, _ in acts:
            if act.etype in {"summit", "meeting"} and (act.actor_keys | act.party_keys) & trip.party_keys:
                keys |= act.actor_keys | act.party_keys
        for act, at in acts:
            if act.actor_keys & keys:
                for k in at:
                    rows[k].update(location_name=trip.place[0], location_country=trip.place[1], location_basis="scene")

    def _story_trip(self, occ: Occasion) -> bool:
        """A trip the story is about: made by an actor of the lead, abroad (a visit at home is an
        outing of hours: "his visit to a church"), reported as under way, not one returned from
        ("fresh off his trip to", "returned from his trip to"), not one still on the way ("before
        departing for"), nor a commentator's aside."""
        act = occ.act
        if occ.etype != "visit" or occ.planned or act is None or not occ.place[1]:
            return False
        if not act.actor_keys & self.lead_actors or act.actor_country in {None, occ.place[1]}:
            return False
        trigger = act.trigger
        if trigger.dep_ == "pobj" and trigger.head.lower_ in self.rules.trip_over_preps:
            return False
        if trigger.lemma_.lower() in self.rules.departure_verbs:
            return False  # "before departing for Canada": not there yet
        return not any(a.dep_ in {"ccomp", "relcl"} for a in [trigger, *trigger.ancestors])

    def _during(self, act: Act, date: DateValue | None, trip: Occasion) -> bool:
        """Whether an act with no place may have been done on a trip: news, not dated before the
        arrival, and, for a meeting, speech or visit still to come, no later than tomorrow."""
        if self.is_background(act) or not self.is_news_date(date) or self._is_perfect(act.keys[0]):
            return False
        if trip.date is not None and date is not None and date[1] == "day" and date[0] < trip.date[0]:
            return False
        return not (act.tense == "future" and act.etype in PHYSICAL_TYPES and not self._imminent(date))


def audience_place(keys: list[Token], place_of) -> Place | None:
    """ "told reporters in Montreal", "said in an interview in Kiev": a place on the audience or
    the remarks of a statement is where it was made. `place_of` reads a place from a token."""
    nouns = scene_rules().audience_nouns
    for k in keys:
        for obj in k.children:
            if obj.dep_ in {"dobj", "dative", "pobj", "prep"} and (
                obj.lemma_.lower() in nouns or any(p.lemma_.lower() in nouns for p in obj.children if p.dep_ == "pobj")
            ):
                for t in obj.subtree:
                    if t.dep_ == "prep" and t.lower_ in {"in", "at"}:
                        pobj = next((p for p in t.children if p.dep_ == "pobj"), None)
                        place = place_of(pobj) if pobj is not None else None
                        if place and place[1]:
                            return place
    return None


def act_of(c, s_index: int, tense: str) -> Act:
    """The scene's view of an extractor candidate."""
    return Act(
        s_index,
        c.etype,
        c.trigger,
        list(c.keys),
        tense,
        {name_key(a.name) for a in c.actor},
        {name_key(p.name) for p, _ in c.participants},
        c.actor[0].country if c.actor else None,
    )


# ---- ties to the events already emitted ------------------------------------------------------
INHERIT_WINDOW = 6  # sentences a date or location may be carried over, when the actor ties them
PLEDGE_WINDOW = 2  # sentences a pledge's recipients are carried to a later pledge of the same country


def summit_key(ctx: ArticleContext, tok: Token) -> str | None:
    """Name of a summit ("APEC", "G20") so that later mentions of the same one are linked."""
    mods = [t for t in tok.lefts if t.dep_ in {"compound", "nmod", "amod"} and t.pos_ in {"PROPN", "NUM", "X"}]
    mods += [t for t in tok.lefts if t.dep_ in {"compound", "nmod"} and t.ent_type_ in {"ORG", "EVENT"}]
    if not mods:
        return None
    lo = min(t.left_edge.i for t in mods)
    hi = tok.i
    words = [t.text for t in ctx.doc[lo:hi] if t.pos_ in {"PROPN", "NUM", "X"} or t.text[:1].isupper()]
    text = " ".join(words).strip()
    if not text:
        return None
    known = resolvers.lookup(text, ctx.published)
    if known is not None:
        return known.name.lower()
    parts = [p for p in text.replace("-", " ").replace("(", " ").replace(")", " ").split() if p]
    if len(parts) > 1:
        return "".join(p[0] for p in parts if p[0].isupper()).lower()
    return text.lower()


def frame(ctx: ArticleContext, sent: Span) -> Emitted | None:
    """ "At the APEC summit, ...", "During the talks, ...": a sentence-initial frame that names an
    event reported earlier ties this sentence to it (its date and place)."""
    first = sent[0]
    w = ctx.words
    if first.dep_ != "prep" or first.lower_ not in w["frame_preps"]:
        return None
    pobj = pobj_of(first)
    if pobj is None or pobj.lemma_.lower() not in w["event_frame_nouns"]:
        return None
    key = summit_key(ctx, pobj) if pobj.lemma_.lower() == "summit" else None
    physical = w["physical_types"]
    for e in reversed(ctx.emitted):
        if key and e.summit_key == key:
            return e
        if not key and e.etype in physical and any(c.dep_ == "det" and c.lower_ == "the" for c in pobj.children):
            return e
    return None


def is_repeat(ctx: ArticleContext, c: Candidate) -> bool:
    """A nominal mention of an event already reported in this article ("At the APEC summit",
    "his U.S. trip") is the same event: it is linked (frames later sentences), not emitted again."""
    if c.held:
        return False  # "the negotiations will reconvene": a new session of talks told before
    repeat_dets = ctx.words["repeat_determiners"]
    def_det = any(ch.dep_ == "det" and ch.lower_ in repeat_dets for ch in c.trigger.children)
    actor_keys = {name_key(a.name) for a in c.actor}
    for e in ctx.emitted:
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
        if (
            c.etype != "summit"
            and is_definite(c.trigger, ctx.words["definite_determiners"])
            and not c.destination
            and related
        ):
            return True
    return False


def is_leaders_meeting(ctx: ArticleContext, c: Candidate) -> bool:
    """A meeting of two or more leaders is a summit."""
    if not c.actor or not c.participants:
        return False
    people = [c.actor[0]] + [p for p, _ in c.participants]
    # in office on the day counts for a meeting in person ("X and Y will meet"), not for a call
    in_office = c.variant != "phone" and c.trigger.lemma_.lower() not in ctx.words["conversation_verbs"]
    return sum(1 for p in people if is_leader(ctx, p, in_office)) >= 2


def is_leader(ctx: ArticleContext, p: Resolved, in_office: bool = True) -> bool:
    """A person the article names as a leader ("President X", "the prime minister"), or, with
    `in_office`, who was a head of state or government on the publication day (people.csv)."""
    if p.kind != "person":
        return False
    bodies = ctx.words["presided_bodies"]
    for m in ctx.entities.mentions:
        if m.entity == p and m.leader:
            before = ctx.doc[max(0, m.start - 3) : m.start]
            if not any(t.lemma_.lower() in bodies for t in before):
                return True  # never "European Parliament President X", "Commission President X": a body's chair
    return (
        in_office
        and p.country is not None
        and any(
            resolvers.leader(p.country, role, ctx.published) == p.name
            for role in ("head of state", "head of government")
        )
    )


def leaders_as_subject(ctx: ArticleContext, c: Candidate) -> bool:
    """ "The leaders were meeting", "world leaders will meet", "EU leaders met": leaders meeting as
    one subject is a summit (never "the leaders of the opposition", "party leaders")."""
    subj = next((t for t in c.trigger.children if t.dep_ in {"nsubj", "nsubjpass"}), None)
    if subj is None or subj.lemma_.lower() != "leader" or subj.tag_ != "NNS":
        return False
    allowed = ctx.words["summit_leader_modifiers"]
    for t in subj.children:
        if t.dep_ == "prep" and t.lower_ == "of":
            return False
        if t.dep_ in {"compound", "amod", "nmod"} and not (t.lower_ in allowed or t.ent_type_ in {"GPE", "ORG"}):
            return False
    return True


def same_actor_context(ctx: ArticleContext, s_index: int, c: Candidate, tense: str, what: str) -> Emitted | None:
    """The latest earlier event, within a few sentences, that ties to this one through its actor:
    the same actor, or a party met at a meeting or summit ("The two leaders met ... Xi called on ...")."""
    keys = {name_key(a.name) for a in c.actor}
    if not keys:
        return None
    for e in reversed(ctx.emitted):
        if s_index - e.sent_index > INHERIT_WINDOW:
            return None
        if e.sent_index == s_index:
            continue
        value = e.date if what == "date" else e.location
        if value is None:
            continue
        if not (keys & e.actor_keys or (e.etype in {"summit", "meeting"} and keys & e.party_keys)):
            continue
        told_before = ctx.scene.earlier.get(e.location[1] or "") if what == "location" and e.location else None
        if told_before is not None and told_before <= e.sent_index:
            continue  # a retelling of an occasion the story placed before the one under way
        if what == "date" and tense == "past" and e.date[0] > ctx.published:
            continue
        if what == "date" and tense == "future" and e.date[0] < ctx.published:
            continue
        return e
    return None


def recent_pledge_recipients(ctx: ArticleContext, s_index: int, c: Candidate) -> list[tuple[Resolved, str]]:
    """The recipients of a pledge of the same country a sentence or two before."""
    countries = {a.country for a in c.actor if a.country}
    for e in reversed(ctx.emitted):
        if s_index - e.sent_index > PLEDGE_WINDOW:
            break
        if e.etype == "pledge" and e.amount_recipient and countries & e.party_countries:
            return e.amount_recipient
    return []
