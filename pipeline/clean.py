"""Clean: find what in the raw text is not the article and remove it, logging every removal.

Cleaning only deletes spans of the raw text (see `offsets.py`): the cleaned text is the raw
text minus the removed spans, so `OffsetMap(spans of removed_segments)` maps every sentence of
the cleaned text back to the raw file, and `removed_segments` holds everything taken out.

Two kinds of rules, both cheap (cleaning runs before spaCy, on every article):

- *page furniture* recognised by its form: date header, headline line, byline, dateline,
  captions and photo credits, reporting/editing credits, newsletter and app prompts,
  copyright lines, related-story links, advertising markers;
- *text that does not belong to the article* (sidebars, teasers of other stories), recognised
  by topic coherence: a trailing run of paragraphs that share almost none of the names and
  content words of the article body above them. Nothing in that rule knows what the
  teasers are about.

Metadata found on the way (byline, dateline place, outlet, headline) is returned so the
documents table can carry it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.dates import MONTHS, WEEKDAYS
from pipeline.offsets import apply_removals, blank_spans
from pipeline.webpage import furniture_spans

# ---------------------------------------------------------------- form rules

AGENCIES = (
    r"(?:Yonhap|AP|AFP|Reuters|EPA|EPA-EFE|Getty Images|Getty|Xinhua|Kyodo|Bloomberg|Sipa|Shutterstock|UPI|TASS"
    r"|Sputnik|Anadolu|Pool|KCNA)\b"
)
NAME = r"[A-Z][\w.'’-]+(?: (?:[A-Z][\w.'’-]+|de|van|von|al|bin|da|del|la))*"

DATE_HEADER = re.compile(r"\A\s*date\s+\S+[ \t]*")
INLINE_CAPTION = re.compile(
    r"(?:TOPSHOT|FILE PHOTO|FILE|PHOTO)\s*[–—-]\s[^\n]{10,600}?\(\s*(?:[\w .'/-]{0,60}/)?\s*"
    + AGENCIES
    + r"[^)\n]{0,60}\)"
)
CAPTION_LINE = re.compile(
    r"^.{15,600}\(\s*(?:[\w .'/-]{0,60}/)?\s*" + AGENCIES + r"(?: Photo| photo|/[^)]{0,60})?\s*\)$"
)
BYLINE = re.compile(r"^By:?\s+" + NAME + r"(?:\s*(?:,|and|&)\s*" + NAME + r"){0,4}(?:\s*[|,–—-]\s*[\w .]{1,40})?$")
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z.'’ /-]{1,40}(?:,\s*[A-Z][A-Za-z.'’ ]{1,30})?)\s*"
    r"(?:\((?P<outlet>[A-Za-z][\w .&'’-]{0,40})\))?\s*(?:[–—-]{1,2}\s+|[–—]{1,2}(?=[A-Z“\"]))(?=\S)"
)
# a dateline that may stand below the lead photo's caption: the city in capitals, then an outlet or
# a region ("TEHRAN, Iran (AP) —", "ULAANBAATAR, Mongolia—"); looked for in the first paragraphs only
DATELINE_LOOKAHEAD = 6

# a social-media post embedded in the page: the post's text, then its signature "— Name (@handle) March 3, 2014"
# (BBC adds "Report"); the post is quoted by the page, not written by the article, and what the article says
# about it ("X tweeted that ...") stays. A lone picture link is the rest of an embed.
# A paragraph longer than a post and its signature holds article text too: only the signature goes.
MONTH_NAMES = "|".join(MONTHS)
SIGNATURE = r"[—–-]{1,2}[ \t]*[^()\n—–]{1,80}\(@\w{1,30}\)\s*(?:" + MONTH_NAMES + r")\.? \d{1,2},? \d{4}(?:\s+Report)?"
EMBED_MAX_CHARS = 420
EMBED_SIGNATURE = re.compile(rf"^(?=.{{0,{EMBED_MAX_CHARS}}}$).*?{SIGNATURE}$")
INLINE_SIGNATURE = re.compile(r"[ \t]*" + SIGNATURE + r"$")
EMBED_LINK = re.compile(r"^(?:https?://)?pic\.twitter\.com/\w+$")
# a link to another story inside a paragraph: "... the area. (RELATED: Police Say They Caught The Wrong Man)"
INLINE_RELATED = re.compile(r"[ \t]*\((?:RELATED|READ MORE|SEE ALSO|WATCH)\s*:[^()\n]{3,200}\)")

LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("embed", EMBED_SIGNATURE),
    ("embed", EMBED_LINK),
    (
        "photo_credit",
        re.compile(r"^(?:Photo|Image|Picture|Credit|Photograph|Video)s?\s*(?:credit)?\s*:\s*.{1,80}$", re.I),
    ),
    ("photo_credit", re.compile(r"^Image (?:copyright|source)\b.{0,60}$", re.I)),
    ("caption", re.compile(r"^(?:Image (?:copyright|source) .{1,60} )?Image caption\b", re.I)),
    ("caption", re.compile(r"^(?:Media playback is unsupported on your device )?Media caption\b", re.I)),
    ("caption", re.compile(r"^Media playback is unsupported on your device$", re.I)),
    ("caption", re.compile(r"^(?:Enlarge this image )?toggle caption\b.{0,200}$", re.I)),
    ("caption", re.compile(r"^Enlarge this image\b", re.I)),
    (
        "caption",
        re.compile(r"^(?:Slideshow \(\d+ Images?\)|(?:prev|next) Image \d+ of \d+|Photo|Photos|Video|YouTube)$", re.I),
    ),
    (
        "credits",
        re.compile(r"^\(?(?:Reporting|Additional reporting|Writing|Editing|Compiled|Edited) by\b.{0,300}\)?$", re.I),
    ),
    ("credits", re.compile(r"^Written by [\w .,'’-]{1,60}$", re.I)),
    ("credits", re.compile(r"^(?:Contributing|Contributors?)\s*:.{1,200}$", re.I)),
    ("credits", re.compile(r"^.{1,160}\bcontributed (?:to )?(?:this|the) (?:report|story|article)\.?$", re.I)),
    ("credits", re.compile(r"^[\w .,'’-]{1,80} contributed (?:reporting )?from [\w .,'’-]{1,40}\.?$")),
    ("credits", re.compile(r"^This (?:article|story) (?:first )?appeared (?:on|in) .{1,120}$", re.I)),
    (
        "credits",
        re.compile(r"^•?\s*This (?:article|story|report) (?:is based|was based|includes material)\b.{0,120}$", re.I),
    ),
    ("boilerplate", re.compile(r"^Story highlights\b.{0,300}$", re.I)),
    ("photo_credit", re.compile(r"^\(\s*(?:[\w .'/-]{0,60}/)?\s*" + AGENCIES + r"[^)]{0,60}\)$")),
    ("boilerplate", re.compile(r"^\d+ (?:years?|months?|weeks?|days?|hours?|minutes?) ago$", re.I)),
    ("boilerplate", re.compile(r"^(?:Updated?|Posted|Published|Last updated)\b:?.{0,50}$", re.I)),
    ("boilerplate", re.compile(r"^\d{1,2}:\d{2}\s?[ap]\.?m\.?(?:\s?[A-Z]{2,4})?$", re.I)),
    ("boilerplate", re.compile(r"^(?:Urgent Poll:|.{0,120}\bVote (?:Here|Now)!?)$", re.I)),
    (
        "boilerplate",
        re.compile(
            r"^(?:ADVERTISEMENT|Advertisement:?|AD|Story Continued Below|Continue Reading Below|CLOSE|Skip Ad"
            r"|Advertisement Continue reading the main story|Continue reading the main story|More On This\.{0,3}"
            r"|[_*•.\s-]{1,20}|\[pullquote\]|Corrections & Amplifications|Urgent:|Analysis|ANALYSIS/OPINION:)$",
            re.I,
        ),
    ),
    ("boilerplate", re.compile(r"^(?:LISTEN TO ARTICLE\b.*|SHARE THIS ARTICLE\b.*|Share (?:Tweet|this)\b.{0,40})$")),
    ("boilerplate", re.compile(r"^This article is more than \w+ (?:year|month|week|day)s? old$", re.I)),
    ("boilerplate", re.compile(r"^(?:CLICK|TAP) (?:HERE|TO)\b.{0,80}$", re.I)),
    ("boilerplate", re.compile(r"^(?:Follow|Join) (?:us|@\w+|\w+ on)\b.{0,80}$", re.I)),
    (
        "boilerplate",
        re.compile(
            r"^(?:Follow|Join|Like) .{0,60}\b(?:on|at) (?:Twitter|Facebook|Instagram|LinkedIn|YouTube|Telegram)\b.{0,80}$"
        ),
    ),
    ("boilerplate", re.compile(r"^Click for more from .{1,60}$", re.I)),
    ("boilerplate", re.compile(r"^Watch the latest video at .{1,60}$", re.I)),
    ("boilerplate", re.compile(r"^Skip (?:Twitter|Facebook|Instagram|YouTube) post\b.*$", re.I)),
    # a video player's teaser line: "JUST WATCHED <title> Replay More Videos ... MUST WATCH <title> 02:42"
    ("boilerplate", re.compile(r"^(?:JUST WATCHED|MUST WATCH)\b.{0,300}$")),
    (
        "newsletter",
        re.compile(
            r"\b(?:newsletters?|inbox)\b.{0,200}\bsign(?:ing)?[ -]?up\b|\bsign(?:ing)?[ -]?up\b.{0,200}\b(?:newsletters?|inbox|email)\b",
            re.I,
        ),
    ),
    ("newsletter", re.compile(r"^(?:Manage Newsletters|Newsletter Sign[ -]?Up)\b.*$", re.I)),
    ("newsletter", re.compile(r"^(?:Get|Receive) .{0,80}\bdelivered to your inbox\b.*$", re.I)),
    ("copyright", re.compile(r"^(?:Copyright|©|\(c\))\s.{0,200}$", re.I)),
    ("copyright", re.compile(r"^.{0,120}\bAll rights reserved\b.{0,200}$", re.I)),
    ("copyright", re.compile(r"^.{0,120}may not be (?:published|reproduced), broadcast\b.*$", re.I)),
    (
        "related",
        re.compile(
            r"^(?:Related|RELATED|Read more|READ MORE|More|MORE|See also|SEE ALSO|Also read|ALSO READ|Recommended)\s*:.{0,200}$"
        ),
    ),
    (
        "related",
        re.compile(r"^(?:Read More|Related Stories|Related Articles|Related Coverage|Most Popular|Trending)$", re.I),
    ),
    ("related", re.compile(r"^\(?\s*(?:PHOTOS|VIDEO|WATCH|READ|MORE|See also|Also see|Related)\s*:.{1,160}\)?$", re.I)),
    ("related", re.compile(r"^(?:https?://|www\.)\S+$")),
    ("related", re.compile(r"^This (?:article|story|entry) (?:was )?(?:tagged|filed) (?:under|in)\b.{0,120}$", re.I)),
    ("related", re.compile(r"^Interested in .{1,60}\? Add .{1,60} as an interest\b.*$")),
)

# ---------------------------------------------------------------- coherence rule

STOP_CAPS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "but",
        "or",
        "if",
        "in",
        "on",
        "at",
        "to",
        "for",
        "of",
        "by",
        "from",
        "with",
        "as",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "when",
        "while",
        "after",
        "before",
        "since",
        "during",
        "then",
        "than",
        "so",
        "yet",
        "also",
        "however",
        "meanwhile",
        "mr",
        "mrs",
        "ms",
        "dr",
        *(day.lower() for day in WEEKDAYS),  # the one calendar list, pipeline/dates.py
        *(month.lower() for month in MONTHS),
        "last",
        "next",
        "one",
        "two",
        "three",
        "new",
        "said",
        "says",
        "according",
    ]
)  # noqa: SIM905 - a word list reads better as text
STOP_WORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "along",
        "already",
        "also",
        "although",
        "among",
        "another",
        "around",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "enough",
        "every",
        "from",
        "further",
        "have",
        "having",
        "here",
        "hers",
        "herself",
        "himself",
        "into",
        "itself",
        "just",
        "least",
        "less",
        "like",
        "made",
        "make",
        "many",
        "more",
        "most",
        "much",
        "must",
        "myself",
        "never",
        "nothing",
        "often",
        "only",
        "other",
        "others",
        "ours",
        "over",
        "own",
        "perhaps",
        "quite",
        "rather",
        "really",
        "said",
        "same",
        "says",
        "should",
        "since",
        "some",
        "still",
        "such",
        "than",
        "that",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "this",
        "those",
        "though",
        "through",
        "under",
        "until",
        "upon",
        "very",
        "were",
        "what",
        "whatever",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "whom",
        "whose",
        "will",
        "with",
        "within",
        "without",
        "would",
        "year",
        "years",
        "your",
        "yours",
        "week",
        "weeks",
        "month",
        "months",
        "today",
        "yesterday",
        "told",
        "asked",
        "added",
        "called",
        "including",
        "according",
        "people",
        "time",
        "first",
        "last",
        "next",
        "last",
        "second",
        "third",
        "several",
        "would",
        "could",
        "might",
    ]
)  # noqa: SIM905 - a word list reads better as text
# a capitalised word not right after a sentence end (`. `, `." `) unless that "end" is a title or an initial
NAME_TOKEN = re.compile(
    r"(?:(?<=(?:Mr|Ms|Dr|St|Jr)\. )|(?<=Mrs\. )|(?<=\b[A-Z]\. )|(?<![.!?:] )(?<![.!?:][\"”’'] ))"
    r"\b[A-Z][A-Za-z'’-]+"
)
WORD_TOKEN = re.compile(r"\b[a-z]{5,}\b")
NAME_WEIGHT = 3.0
COHERENCE_MIN = 0.25  # share of a paragraph's weighted terms also found in the article body above it
MIN_NEW_NAMES = 5  # a teaser of another story names people and places the article never mentions
LONE_COHERENCE_MIN = 0.1
LONE_NEW_NAMES = 10
MIN_TERMS = 8  # shorter paragraphs carry too little evidence to be judged
MIN_BODY_PARAGRAPHS = 3
MAX_UNRELATED_SHARE = 0.5
HIGHLIGHT_MAX_WORDS = 30
SENTENCE_ENDS = (".", "!", "?", '."', ".”", "?”", '?"', "!”", ".'")
CAPTION_MAX_CHARS = 300


@dataclass(frozen=True)
class Removal:
    start: int
    end: int
    kind: str


@dataclass
class Metadata:
    """What the page furniture told about the article."""

    title: str | None = None
    byline: str | None = None
    dateline_place: str | None = None
    outlet: str | None = None


@dataclass
class Paragraph:
    start: int
    end: int  # end of the text, newline excluded
    text: str
    removed: str | None = None
    meta: dict = field(default_factory=dict)


def paragraphs_of(raw: str) -> Iterator[Paragraph]:
    """Non-blank lines with their raw offsets, surrounding whitespace trimmed."""
    pos = 0
    for line in raw.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            start = pos + lead
            yield Paragraph(start, start + len(stripped), stripped)
        pos += len(line) + 1


def _through_newline(raw: str, end: int) -> int:
    """Removing a whole line takes its newline with it, so no blank paragraph is left behind."""
    return end + 1 if end < len(raw) and raw[end] == "\n" else end


def line_kind(text: str) -> str | None:
    text = text.lstrip("-–•⦁*· ")  # list bullets in front of furniture lines
    short = len(text) <= 400
    for kind, pattern in LINE_RULES:
        if kind == "newsletter" and short and pattern.search(text) or pattern.match(text):
            return kind
    if CAPTION_LINE.match(text):
        return "caption"
    return None


def is_headline(text: str, position: int, title: str | None, paragraphs: list[Paragraph]) -> bool:
    """The first line is a headline when it is the known title, or short, unpunctuated and followed by body text."""
    if position != 0 or len(paragraphs) < 3:
        return False
    if title and _norm(text) == _norm(title):
        return True
    words = text.split()
    return 3 <= len(words) <= 20 and text[-1] not in ".!?:;,\"”’'…)" and not text.isupper()


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def is_bare_byline(text: str, position: int) -> bool:
    """A line of 2-4 capitalised name words at the top (`Doug Stanglin`), as some exports print bylines."""
    return position <= 2 and re.fullmatch(NAME, text) is not None and 2 <= len(text.split()) <= 4 and not text.isupper()


def find_removals(raw: str, title: str | None = None) -> tuple[list[Removal], Metadata]:
    """Every span of the raw text that is not the article, with its kind, and the metadata found."""
    meta = Metadata()
    removals: list[Removal] = []
    header = DATE_HEADER.match(raw)
    if header:
        removals.append(Removal(header.start(), header.end(), "date_header"))
    paragraphs = list(paragraphs_of(raw))
    if header and paragraphs:
        first = paragraphs[0]
        first.start = max(first.start, header.end())
        first.text = raw[first.start : first.end].strip()
        if not first.text:
            paragraphs.pop(0)
    inline = [(m, "caption") for m in INLINE_CAPTION.finditer(raw)]
    inline += [(m, "related") for m in INLINE_RELATED.finditer(raw)]
    for m, kind in inline:
        removals.append(Removal(m.start(), m.end(), kind))
        for p in paragraphs:
            if p.start < m.start() < p.end:  # judge the rest of that paragraph on its own
                p.end = p.start + len(raw[p.start : m.start()].rstrip())
                p.text = raw[p.start : p.end].strip()
    body_seen = False
    for i, p in enumerate(paragraphs):
        kind = line_kind(p.text)
        if kind is None and not body_seen:
            kind = top_of_article_kind(p, i, title, paragraphs, meta)
        elif kind is None and i < DATELINE_LOOKAHEAD and meta.dateline_place is None:
            kind = "dateline" if take_dateline(p.text, meta, strict=True) else None
        if kind == "dateline":
            m = DATELINE.match(p.text)
            removals.append(Removal(p.start, p.start + m.end(), "dateline"))
            body_seen = True
            continue
        if kind:
            p.removed = kind
            removals.append(Removal(p.start, _through_newline(raw, p.end), kind))
        else:
            body_seen = body_seen or len(p.text.split()) > 25
    mark_embed_signatures(paragraphs, removals)
    mark_highlight_bullets(raw, paragraphs, removals)
    mark_captions_before_credits(raw, paragraphs, removals)
    kept = [p for p in paragraphs if p.removed is None]
    tail = unrelated_tail(kept)
    if sum(len(p.text) for p in tail) > MAX_UNRELATED_SHARE * sum(len(p.text) for p in kept):
        tail = []  # what is left would not be the article: better keep it all than keep the wrong part
    for p in tail:
        removals.append(Removal(p.start, _through_newline(raw, p.end), "unrelated"))
    return removals, meta


def mark_embed_signatures(paragraphs: list[Paragraph], removals: list[Removal]) -> None:
    """A post's signature closing a paragraph too long to be the post alone: the signature goes, the text stays."""
    for p in paragraphs:
        m = INLINE_SIGNATURE.search(p.text) if p.removed is None else None
        if m:
            removals.append(Removal(p.start + m.start(), p.start + m.end(), "embed"))


def mark_highlight_bullets(raw: str, paragraphs: list[Paragraph], removals: list[Removal]) -> None:
    """The short summary bullets after a `Story highlights` line, up to the first real paragraph."""
    for i, p in enumerate(paragraphs):
        if p.removed == "boilerplate" and p.text.lower().startswith("story highlights"):
            for q in paragraphs[i + 1 :]:
                if q.removed is not None:
                    continue
                # bullets are short and unpunctuated; the story's first sentence ends with a full stop
                if (
                    len(q.text.split()) > HIGHLIGHT_MAX_WORDS
                    or q.text.endswith(SENTENCE_ENDS)
                    or DATELINE.match(q.text)
                ):
                    break
                q.removed = "boilerplate"
                removals.append(Removal(q.start, _through_newline(raw, q.end), "boilerplate"))
            return


def mark_captions_before_credits(raw: str, paragraphs: list[Paragraph], removals: list[Removal]) -> None:
    """The lead photo: a short first paragraph right before a lone `(Getty Images)` line is its caption."""
    if len(paragraphs) < 3:
        return
    first, credit = paragraphs[0], paragraphs[1]
    bare_credit = credit.removed == "photo_credit" and credit.text.startswith("(")
    if bare_credit and first.removed is None and len(first.text) <= CAPTION_MAX_CHARS:
        first.removed = "caption"
        removals.append(Removal(first.start, _through_newline(raw, first.end), "caption"))


def top_of_article_kind(
    p: Paragraph, i: int, title: str | None, paragraphs: list[Paragraph], meta: Metadata
) -> str | None:
    """Headline, byline and dateline are only looked for before the body starts."""
    if BYLINE.match(p.text):
        meta.byline = meta.byline or re.sub(r"^By:?\s+", "", p.text)
        return "byline"
    if take_dateline(p.text, meta, strict=False):
        return "dateline"
    if is_headline(p.text, i, title, paragraphs):
        meta.title = meta.title or p.text
        return "headline"
    if is_bare_byline(p.text, i):
        meta.byline = meta.byline or p.text
        return "byline"
    return None


def take_dateline(text: str, meta: Metadata, strict: bool) -> bool:
    """Whether a paragraph opens with a dateline; if so its place (and outlet) go to `meta`.

    The city of a dateline is written in capitals ("SEOUL (Reuters) -", "WASHINGTON/BEIJING
    (Reuters) -", "TEHRAN, Iran (AP) —"); a place in mixed case counts only with an outlet, and
    `strict` (a paragraph below the body's start, e.g. after a lead photo caption) wants the
    capitals whatever follows."""
    m = DATELINE.match(text)
    if not m or len(text) <= m.end() + 20:
        return False
    place = m.group("place").strip()
    city = place.split(",")[0].replace(" ", "").replace("/", "").replace(".", "")
    capitals = city.isupper() and len(city) >= 3
    if not capitals and (strict or not m.group("outlet")):
        return False
    meta.dateline_place = place
    if m.group("outlet"):
        meta.outlet = meta.outlet or m.group("outlet").strip()
    return True


def terms_of(text: str) -> dict[str, float]:
    """Names and content words of a paragraph, weighted.

    A name is a capitalised token that does not open a sentence (sentence-initial words are
    capitalised whatever they are; a title such as `Mr.` does not end a sentence), cut to a
    5-letter stem so Russia/Russian meet. Content words are lower-case words of 5+ letters
    outside a stop list, cut to 6 letters. Two regex scans, no per-token Python work beyond
    a dict insert, because this runs on every paragraph of every article.
    """
    terms: dict[str, float] = {}
    for m in NAME_TOKEN.finditer(text):
        if m.start() == 0 or text[: m.start()].strip("\"“‘'( ") == "":
            continue
        low = m.group(0).lower()
        low = low[:-2] if low.endswith(("’s", "'s")) else low
        if low not in STOP_CAPS:
            terms["N:" + low[:5]] = NAME_WEIGHT
    for word in WORD_TOKEN.findall(text):
        if word not in STOP_WORDS:
            terms.setdefault("W:" + word[:6], 1.0)
    return terms


def coherence(paragraph: dict[str, float], body: set[str]) -> float:
    """Share of the paragraph's weighted terms that the body also has."""
    total = sum(paragraph.values())
    return sum(w for t, w in paragraph.items() if t in body) / total if total else 1.0


def new_names(paragraph: dict[str, float], body: set[str]) -> int:
    return sum(1 for t in paragraph if t.startswith("N:") and t not in body)


def is_incoherent(paragraph: dict[str, float], body: set[str], alone: bool, limit: float) -> bool:
    """Off-topic: little of it is in the body and it brings names of its own; a lone paragraph needs more."""
    if len(paragraph) < MIN_TERMS:
        return False
    if alone:
        return new_names(paragraph, body) >= LONE_NEW_NAMES and coherence(paragraph, body) < min(
            limit, LONE_COHERENCE_MIN
        )
    return new_names(paragraph, body) >= MIN_NEW_NAMES and coherence(paragraph, body) < limit


def unrelated_tail(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The longest trailing run of paragraphs that each share too little with the article body above the run.

    Teasers and sidebars are appended after the story, so only a tail is considered, of at
    most a third of the paragraphs: an off-topic paragraph inside the story (a new witness, a
    new place) is never removed. Tail paragraphs are judged against the body before the
    tail, never against each other (teasers of one topic agree with each other). The bar is
    relative to the article itself: a tail paragraph must cohere at most half as well as the
    body's own paragraphs do with what precedes them (short or loosely written articles
    cohere little everywhere). A tail of one paragraph is weak evidence (stories often end
    on a new voice) and needs a stronger signal.
    """
    n = len(paragraphs)
    if n < MIN_BODY_PARAGRAPHS + 2:
        return []
    terms = [terms_of(p.text) for p in paragraphs]
    prefix: list[set[str]] = [set()]
    for t in terms:
        prefix.append(prefix[-1] | t.keys())
    own = [coherence(terms[i], prefix[i]) for i in range(n)]
    for k in range(max(MIN_BODY_PARAGRAPHS, n - n // 3), n):
        limit = min(COHERENCE_MIN, 0.5 * statistics.median(own[1:k]))
        if all(is_incoherent(terms[i], prefix[k], k == n - 1, limit) for i in range(k, n)):
            return paragraphs[k:]
    return []


def clean_text(
    raw: str, title: str | None = None, article_spans: list[tuple[int, int]] | None = None
) -> tuple[str, list[dict], Metadata]:
    """Cleaned text, the removed segments (start, end, kind, text) in raw offsets, and metadata.

    For a web page with known article spans, everything outside them is `page_furniture`, and
    the rules below read only the article (the furniture blanked out, offsets unchanged), so a
    menu or footer line never counts as the article's body or tail.
    """
    furniture = furniture_spans(raw, article_spans) if article_spans else []
    removals, meta = find_removals(blank_spans(raw, furniture) if furniture else raw, title)
    removals += [Removal(start, end, "page_furniture") for start, end in furniture]
    segments = []
    covered = 0
    for r in sorted(removals, key=lambda r: (r.start, -r.end)):
        start = max(r.start, covered)
        if r.end > start:
            segments.append({"start": start, "end": r.end, "kind": r.kind, "text": raw[start : r.end]})
            covered = r.end
    spans = [(s["start"], s["end"]) for s in segments]
    return apply_removals(raw, spans), segments, meta


def clean_documents(documents: list[dict]) -> tuple[list[dict], list[dict]]:
    """Adds `text`, `removed_chars` and the metadata found to each document; returns (documents, removed_segments)."""
    removed_rows: list[dict] = []
    for doc in documents:
        spans = [(s["start"], s["end"]) for s in doc.get("article_spans") or []]
        text, segments, meta = clean_text(doc["raw_text"], doc.get("title"), spans)
        doc["text"] = text
        doc["raw_chars"] = len(doc["raw_text"])
        doc["removed_chars"] = sum(s["end"] - s["start"] for s in segments)
        for key in ("title", "byline", "dateline_place", "outlet"):
            if not doc.get(key) and getattr(meta, key):
                doc[key] = getattr(meta, key)
        for seg in segments:
            removed_rows.append({"doc_id": doc["doc_id"], "published_date": doc["published_date"], **seg})
    return documents, removed_rows
