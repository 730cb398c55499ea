"""Web pages as input: only the article reaches documents.text, every paragraph of it does, the
page's title, date and byline are found, and every offset still points into raw_text.

The pages are written here, in the shapes news sites save as: a site with menu, cookie banner,
share buttons, "most read" sidebar and footer; an AMP page; a page whose date is only in meta
tags; a page whose byline is only in markup; a page inside a JSON Lines record.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipeline.clean import clean_text
from pipeline.ingest import ingest
from pipeline.offsets import apply_removals
from pipeline.webpage import article_spans, furniture_spans, read_page, text_layer

ROOT = Path(__file__).resolve().parent.parent

ARTICLE = [
    "The health ministers of four neighbouring countries agreed on Tuesday to pool their vaccine "
    "purchases for the coming winter, after two days of talks in the capital.",
    "Under the agreement, a joint office will buy doses for all four countries and share them "
    "according to population, officials said at a news conference after the signing.",
    "“We are stronger when we buy together,” one of the ministers told reporters.",
    "The World Bank pledged $200 million to help the four governments build cold storage for the "
    "doses, according to a statement the bank released on Wednesday.",
    "The joint office is expected to open in the spring & will report to the ministers every six months.",
]
TITLE = "Four countries agree to pool vaccine purchases"

COOKIE = "We use cookies to give you the best experience on our site. Accept all cookies Manage settings"
MENU = ["Home", "World", "Business", "Health", "Sport", "Opinion"]
SHARE = ["Share on Facebook", "Share on X", "Copy link"]
MOST_READ = [
    "Singer cancels world tour after surprise announcement on social media",
    "Storm leaves thousands without power across the northern region",
    "Ten recipes for a quick weekday dinner the whole family will enjoy",
]
FOOTER = ["© 2024 The Daily Ledger. All rights reserved.", "Contact us", "Terms of use", "Privacy policy"]
FURNITURE = [COOKIE, *MENU, *SHARE, "Most read", *MOST_READ, *FOOTER]


def _paragraphs(paragraphs: list[str]) -> str:
    # the second paragraph carries a link and the quote is a character reference, as pages write them
    out = []
    for i, p in enumerate(paragraphs):
        p = p.replace("&", "&amp;").replace("“", "&ldquo;").replace("”", "&rdquo;")
        if i == 1:
            p = p.replace("officials said", '<a href="/topic/officials">officials</a> said')
        out.append(f"<p>{p}</p>")
    return "\n".join(out)


def news_site_page() -> str:
    """A news site's page: cookie banner, menu, byline, share buttons, sidebar, footer."""
    menu = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU)
    share = " ".join(f'<a class="share-btn" href="#">{s}</a>' for s in SHARE)
    most = "".join(f'<li><a href="/story/{i}">{t}</a></li>' for i, t in enumerate(MOST_READ))
    footer = "".join(f"<p>{f}</p>" if f.startswith("©") else f'<a href="/x">{f}</a> ' for f in FOOTER)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE} | The Daily Ledger</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<link rel="canonical" href="https://ledger.example/health/vaccine-pool">
<script>window.dataLayer = [{{"page": "<p>not text</p>"}}];</script>
<style>.cookie {{ position: fixed; }}</style></head>
<body>
<div class="cookie-banner" id="cookie-consent">{COOKIE.replace(" Accept all cookies", " <button>Accept all cookies</button>")}</div>
<header class="site-header"><nav class="main-menu"><ul>{menu}</ul></nav></header>
<main><article class="story">
<h1 class="headline">{TITLE}</h1>
<div class="byline">By <a rel="author" href="/authors/maria">Maria Lindqvist</a></div>
<div class="share-tools">{share}</div>
<div class="story-body">
{_paragraphs(ARTICLE)}
</div></article>
<aside class="sidebar most-read"><h2>Most read</h2><ol>{most}</ol></aside>
</main>
<footer class="site-footer">{footer}</footer>
</body></html>"""


def amp_page() -> str:
    """An AMP page: amp components, a sidebar menu, JSON-LD metadata, custom style."""
    menu = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU)
    most = "".join(f'<li><a href="/s/{i}">{t}</a></li>' for i, t in enumerate(MOST_READ))
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": TITLE,
            "datePublished": "2024-03-06T07:00:00+00:00",
            "author": {"@type": "Person", "name": "Tomasz Wrona"},
            "publisher": {"@type": "Organization", "name": "Ledger AMP"},
        }
    )
    return f"""<!doctype html>
<html amp lang="en"><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<title>{TITLE}</title><link rel="canonical" href="https://ledger.example/amp/vaccine-pool">
<script type="application/ld+json">{ld}</script>
<style amp-custom>body {{ font-family: serif; }}</style></head>
<body>
<amp-sidebar id="sidebar" layout="nodisplay"><nav><ul>{menu}</ul></nav></amp-sidebar>
<div class="amp-consent">{COOKIE}</div>
<article>
<header><h1>{TITLE}</h1></header>
<amp-img src="/img/vials.jpg" width="800" height="450" layout="responsive" alt="Vials"></amp-img>
<div class="amp-share"><amp-social-share type="facebook"></amp-social-share>
<amp-social-share type="twitter"></amp-social-share></div>
<div class="article-body">
{_paragraphs(ARTICLE)}
</div></article>
<section class="related most-read"><h2>Most read</h2><ul>{most}</ul></section>
<footer><p>{FOOTER[0]}</p></footer>
</body></html>"""


def meta_date_page() -> str:
    """The date is only in meta tags: nothing on the page shows it."""
    return f"""<html><head><title>{TITLE}</title>
<meta name="date" content="2024-03-07">
<meta itemprop="datePublished" content="2024-03-07">
</head><body>
<nav>{" | ".join(MENU)}</nav>
<div id="content"><h1>{TITLE}</h1>
{_paragraphs(ARTICLE)}
</div>
<div class="footer">{FOOTER[0]}</div>
</body></html>"""


def markup_byline_page() -> str:
    """The byline is only in the article's markup (no author meta tag)."""
    return f"""<html><head><title>{TITLE}</title>
<meta property="article:published_time" content="2024-03-08">
</head><body>
<ul class="menu">{"".join(f"<li>{m}</li>" for m in MENU)}</ul>
<article><h1>{TITLE}</h1>
<p class="byline"><span class="author vcard">By <a class="url fn n" rel="author" href="/by/ana">Ana Pereira</a></span></p>
{_paragraphs(ARTICLE)}
</article>
<footer>{FOOTER[0]}</footer>
</body></html>"""


PAGES = {
    "news_site": (news_site_page, "2024-03-05", "Maria Lindqvist"),
    "amp": (amp_page, "2024-03-06", "Tomasz Wrona"),
    "meta_date": (meta_date_page, "2024-03-07", None),
    "markup_byline": (markup_byline_page, "2024-03-08", "Ana Pereira"),
}


def has_furniture(text: str) -> list[str]:
    """Furniture in a cleaned text: a short item (a menu entry) as a line of its own, a long one anywhere."""
    lines = {line.strip() for line in text.split("\n")}
    return [f for f in FURNITURE if f in lines or (len(f) > 20 and f in text)]


def cleaned(html: str) -> tuple[str, str, list[dict]]:
    page = read_page(html)
    text, segments, _ = clean_text(page.text, page.title, page.article_spans)
    return page.text, text, segments


@pytest.mark.parametrize("shape", PAGES)
def test_only_the_article_reaches_the_text(shape):
    make, _, _ = PAGES[shape]
    raw, text, segments = cleaned(make())
    for paragraph in ARTICLE:
        assert paragraph in text, (shape, paragraph)
    assert not has_furniture(text), shape
    assert "not text" not in raw and "font-family" not in raw  # scripts and styles are not page text
    assert "<" not in raw and "&amp;" not in raw
    # the raw page text keeps what was removed, and the cleaned text is the raw text minus removed spans
    assert FOOTER[0] in raw and MENU[-1] in raw
    assert apply_removals(raw, [(s["start"], s["end"]) for s in segments]) == text
    assert all(raw[s["start"] : s["end"]] == s["text"] for s in segments)


@pytest.mark.parametrize("shape", PAGES)
def test_title_date_and_byline_are_found(shape):
    make, date, byline = PAGES[shape]
    page = read_page(make())
    assert page.title == TITLE
    assert page.date == date
    if byline:
        assert page.byline == byline


def test_lists_tables_and_quotes_of_the_article_are_kept():
    extra = [
        "The agreement covers three kinds of vaccine for adults and children.",
        "Each country keeps a reserve of its own for emergencies.",
    ]
    body = (
        f"<ul><li>{extra[0]}</li><li>{extra[1]}</li></ul>"
        "<blockquote>Buying together lowers the price for every member, the statement said.</blockquote>"
        "<table><tr><th>Country</th><th>Doses</th></tr><tr><td>North</td><td>120,000</td></tr></table>"
    )
    raw, text, _ = cleaned(news_site_page().replace("<p>The joint office", body + "<p>The joint office"))
    assert all(p in text for p in [*ARTICLE, *extra])
    assert "Buying together lowers the price" in text and "North 120,000" in text
    assert not has_furniture(text)


def test_a_page_that_never_closes_its_head_keeps_its_body():
    page = news_site_page().replace("</head>", "")
    raw, text, _ = cleaned(page)
    assert all(p in text for p in ARTICLE) and not has_furniture(text)


def test_text_layer_blocks_and_hidden_elements():
    layer = text_layer(
        "<html><head><title>T</title></head><body><div>One <b>two</b>\n three</div><p>Four&nbsp;five</p>"
        "<script>x</script><noscript>enable js</noscript><ul><li>a</li><li>b</li></ul>six<br>seven</body></html>"
    )
    assert layer == "One two three\n\nFour five\n\na\n\nb\n\nsix\n\nseven\n"


def test_article_spans_prefer_the_article_over_a_menu_line():
    layer = "Health\n\nWorld\n\nThe story opens here.\n\nHealth\n\nIt ends here.\n"
    spans, unmatched = article_spans(layer, ["The story opens here.", "Health", "It ends here."])
    assert not unmatched
    assert [layer[s:e] for s, e in spans] == ["The story opens here.", "Health", "It ends here."]
    assert spans[1][0] > spans[0][1]  # the second "Health", not the menu's
    text = apply_removals(layer, furniture_spans(layer, spans))
    assert text == "The story opens here.\n\nHealth\n\nIt ends here."


def test_a_paragraph_that_cannot_be_placed_keeps_the_whole_page(monkeypatch):
    import pipeline.webpage as webpage

    real = webpage._extract

    def altered(html):
        found = real(html)
        found.text += "\nA paragraph the page does not hold."
        return found

    monkeypatch.setattr(webpage, "_extract", altered)
    page = read_page(news_site_page())
    assert page.article_spans is None and page.unmatched == ["A paragraph the page does not hold."]
    text, _, _ = clean_text(page.text, page.title, page.article_spans)
    assert all(p in text for p in ARTICLE)


def test_a_fragment_without_an_article_is_read_whole():
    page = read_page("<p>Ministers met in <b>Accra</b> &amp; agreed.</p><p>Talks resume on Monday.</p>")
    assert page.text == "Ministers met in Accra & agreed.\n\nTalks resume on Monday.\n"
    text, _, _ = clean_text(page.text, page.title, page.article_spans)
    assert "Ministers met in Accra & agreed." in text and "Talks resume on Monday." in text


def test_ingest_reads_pages_and_html_records(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "site.html").write_text(news_site_page(), encoding="utf-8")
    (src / "amp.htm").write_text(amp_page(), encoding="utf-8")
    record = {"id": "rec-1", "published_date": "2024-03-09", "outlet": "Wire", "text": meta_date_page()}
    (src / "export.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = ingest(src, 10_000_000)
    docs = {d["source_name"]: d for d in result.documents}
    site, amp, rec = docs["site.html"], docs["amp.htm"], docs["rec-1"]
    assert (site["published_date"].isoformat(), site["date_source"]) == ("2024-03-05", "page")
    assert (site["title"], site["byline"], site["outlet"]) == (TITLE, "Maria Lindqvist", "The Daily Ledger")
    assert site["url"] == "https://ledger.example/health/vaccine-pool"
    assert amp["published_date"].isoformat() == "2024-03-06"
    # a record's own fields win over the page's; the page fills what the record leaves out
    assert (rec["published_date"].isoformat(), rec["date_source"], rec["outlet"]) == ("2024-03-09", "record", "Wire")
    assert rec["title"] == TITLE
    for doc in (site, amp, rec):
        assert doc["input_fixes"] == "html_stripped" and doc["article_spans"]
        for span in doc["article_spans"]:
            assert doc["raw_text"][span["start"] : span["end"]].strip()


def test_run_over_a_folder_of_pages_publishes_exact_evidence(tmp_path):
    src, warehouse = tmp_path / "pages", tmp_path / "warehouse"
    src.mkdir()
    for shape, (make, _, _) in PAGES.items():
        (src / f"{shape}.html").write_text(make(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--source", str(src), "--warehouse", str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    docs = ds.dataset(warehouse / "documents", partitioning="hive").to_table().to_pylist()
    assert len(docs) == len(PAGES)
    for doc in docs:
        assert all(p in doc["text"] for p in ARTICLE), doc["source_name"]
        assert not has_furniture(doc["text"]), doc["source_name"]
        assert doc["title"] == TITLE
    raw = {d["doc_id"]: d["raw_text"] for d in docs}
    events = ds.dataset(warehouse / "events", partitioning="hive").to_table().to_pylist()
    assert {e["event_type"] for e in events} >= {"agreement", "pledge"}
    for e in events:
        assert raw[e["doc_id"]][e["evidence_start"] : e["evidence_end"]] == e["evidence_text"]
    assert any(e["evidence_text"].startswith("The World Bank pledged $200 million") for e in events)
