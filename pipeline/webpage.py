"""Web pages as input: a saved news page is read as its article.

Two things come out of a page, and they are kept apart so that every offset stays exact:

- the page's *text layer*, which becomes `documents.raw_text`: the visible text of the whole
  page, menus, banners, sidebars and footer included, with character references decoded,
  white space inside a block collapsed to one space, and each block element's text on its own
  line, blocks separated by one blank line (`text_layer`). Nothing of `<head>`, scripts,
  styles, `<noscript>`, `<template>`, `<svg>` or `<iframe>` is in it. It is a pure function of
  the page, so it is the "raw text" every offset points into;
- the *article*: trafilatura (offline, no network) extracts the main text, title, date,
  byline, URL and site name from the page's markup; each extracted paragraph is then found
  again in the text layer (`article_spans`). Cleaning deletes everything of the layer outside
  those spans as `page_furniture` (pipeline/clean.py), so `documents.text` is still the raw
  text minus removed spans and evidence offsets keep pointing into `raw_text`.

When a paragraph trafilatura extracted cannot be found in the layer, or trafilatura finds no
article (a fragment too short to judge), the page gets no article spans and the whole layer
goes to cleaning like a text file: an article paragraph is never dropped for a failed match.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

log = logging.getLogger("pipeline.webpage")

# elements whose text a reader never sees as page text
HIDDEN = frozenset({"head", "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas"})
# elements that start a new line of text in a browser
BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tr",
        "ul",
    }
)
CELLS = frozenset({"td", "th"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
# trafilatura's date search limited to the page's markup (meta tags, time elements, JSON-LD):
# the free text of a page names many dates, and guessing one of them is worse than none
DATE_PARAMS = {"extensive_search": False, "original_date": True}


@dataclass
class Page:
    """What a saved page gives: its text layer (raw_text), the article's spans in it, and metadata."""

    text: str
    article_spans: list[tuple[int, int]] | None = None
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    url: str | None = None
    sitename: str | None = None
    unmatched: list[str] = field(default_factory=list)


class _TextLayer(HTMLParser):
    """Collects the visible text of a page as blocks (see the module docstring for the rule)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.hidden: list[str] = []

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.blocks.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):  # noqa: ARG002 - HTMLParser's signature
        if tag == "body":
            self.hidden.clear()  # a page that never closes its <head> still shows its body
        if self.hidden:
            if tag == self.hidden[-1] and tag not in VOID:
                self.hidden.append(tag)  # nested element of the same name: wait for its end too
        elif tag in HIDDEN:
            self.hidden.append(tag)
        elif tag in BLOCKS:
            self._flush()
        elif tag in CELLS:
            self.current.append(" ")

    def handle_startendtag(self, tag, attrs):  # noqa: ARG002 - HTMLParser's signature
        """`<br/>` breaks a line; a self-closed element opens nothing (not even `<script/>`)."""
        if not self.hidden and tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if self.hidden:
            if tag == self.hidden[-1]:
                self.hidden.pop()
        elif tag in BLOCKS:
            self._flush()
        elif tag in CELLS:
            self.current.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def text_layer(html: str) -> str:
    """The visible text of the page, one block per paragraph, blocks separated by a blank line."""
    parser = _TextLayer()
    parser.feed(html)
    parser.close()
    return "\n\n".join(parser.blocks) + "\n" if parser.blocks else ""


def _pattern(paragraph: str) -> re.Pattern[str] | None:
    """A paragraph's words in order, any white space between them (a `<br>` may be a line break in one
    text and a space in the other)."""
    words = paragraph.split()
    return re.compile(r"\s+".join(map(re.escape, words))) if words else None


LINE_START = re.compile(r"(?:^|\n)")


def _find(layer: str, pattern: re.Pattern[str], cursor: int) -> tuple[int, int] | None:
    """Where a paragraph sits in the layer: a whole block after the cursor first, then any match
    after it, then anywhere (trafilatura may move a lead paragraph), so a short paragraph that also
    appears in a menu is taken where the article is."""
    whole = re.compile(r"(?:(?<=\n)|^)(?:" + pattern.pattern + r")(?=\n|$)")
    for regex, start in ((whole, cursor), (pattern, cursor), (whole, 0), (pattern, 0)):
        m = regex.search(layer, start)
        if m:
            return m.start(), m.end()
    return None


TABLE_ROW = re.compile(r"^\|.*\|\s*$")
TABLE_RULE = re.compile(r"^[\s|:-]*-[\s|:-]*$")  # the `|---|---|` line under a header row
LIST_ITEM = re.compile(r"^- ")


def pieces(line: str) -> list[str]:
    """The page text an extracted line stands for: trafilatura writes a table row as
    `| cell | cell |` (a `|---|` line under the header) and a list item as `- item`, marks the
    page does not hold."""
    if TABLE_RULE.match(line):
        return []
    if TABLE_ROW.match(line):
        return [cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip()]
    return [line]


def _place(layer: str, piece: str, cursor: int) -> tuple[int, int] | None:
    for variant in (piece, LIST_ITEM.sub("", piece)):
        pattern = _pattern(variant)
        found = _find(layer, pattern, cursor) if pattern is not None else None
        if found is not None:
            return found
    return None


def article_spans(layer: str, paragraphs: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """Spans of the layer holding the extracted paragraphs, in layer order, and the paragraphs not found."""
    spans: list[tuple[int, int]] = []
    unmatched: list[str] = []
    cursor = 0
    for piece in (p for paragraph in paragraphs for p in pieces(paragraph)):
        if not piece.split():
            continue
        found = _place(layer, piece, cursor)
        if found is None:
            unmatched.append(piece)
            continue
        spans.append(found)
        cursor = max(cursor, found[1])
    return sorted(set(spans)), unmatched


def _extract(html: str):
    """trafilatura's reading of the page (imported here: it costs about 0.3 s and only pages need it)."""
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        date_extraction_params=DATE_PARAMS,
    )


def read_page(html: str) -> Page:
    """The page's text layer, its article spans and its title, date, byline, URL and site name."""
    page = Page(text_layer(html))
    if not page.text:
        return page
    try:
        found = _extract(html)
    except Exception as exc:  # noqa: BLE001 - a page trafilatura cannot parse is read as plain text
        log.info("article extraction failed (%s): the whole page text is kept", exc)
        found = None
    if found is None:
        return page
    page.title = _clean(found.title)
    page.byline = _clean(found.author)
    page.date = _clean(found.date)
    page.url = _clean(found.url)
    page.sitename = _clean(found.sitename)
    paragraphs = [line for line in (found.text or "").split("\n") if line.strip()]
    if not paragraphs:
        return page
    spans, page.unmatched = article_spans(page.text, paragraphs)
    if page.unmatched:
        log.info("%d article paragraphs not found in the page text: the whole page text is kept", len(page.unmatched))
    else:
        page.article_spans = spans
    return page


def _clean(value: str | None) -> str | None:
    value = " ".join(str(value).split()) if value else ""
    return value or None


BREAKS = re.compile(r"\n+")
SPACES = re.compile(r"\s+")


def furniture_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Everything of the layer outside the article spans.

    Between two article paragraphs the last line break of the gap (else its last white space)
    stays, so the cleaned text keeps the article's paragraphs apart; before the first and after
    the last paragraph everything goes.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    for i, (start, end) in enumerate(sorted(spans)):
        if start > pos:
            if i == 0:
                out.append((pos, start))
            else:
                gap = text[pos:start]
                keep = [*BREAKS.finditer(gap)] or [*SPACES.finditer(gap)]
                if keep:
                    out += [(pos, pos + keep[-1].start()), (pos + keep[-1].end(), start)]
                else:
                    out.append((pos, start))
        pos = max(pos, end)
    if pos < len(text):
        out.append((pos, len(text)))
    return [(s, e) for s, e in out if e > s]
