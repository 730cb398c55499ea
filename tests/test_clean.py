"""Cleaning: every removal kind, the seeds check, the coherence rule and its negative cases, offsets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEEDS

from pipeline.clean import clean_documents, clean_text
from pipeline.offsets import OffsetMap, apply_removals

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
ARTICLE = (FIXTURES / "trade_talks.txt").read_text(encoding="utf-8")
TEASERS = (FIXTURES / "teasers.txt").read_text(encoding="utf-8")


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def kinds_of(segments: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in segments:
        out.setdefault(s["kind"], []).append(s["text"])
    return out


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


# ---------------------------------------------------------------- the seeds check

# what must go from each seed (prefixes of the removed text), and its kind
SEED_REMOVALS = {
    "000": [("date_header", "date 2024-11-16"), ("caption", "President Yoon Suk Yeol (left) heads")],
    "001": [("date_header", "date 2024-11-15"), ("caption", "TOPSHOT – Chinese President Xi Jinping greets")],
    "002": [("byline", "By Soo-hyang Choi"), ("dateline", "SEOUL (Reuters) –"), ("credits", "(Reporting by")],
    "003": [
        ("headline", "South Korean leader warns Russia"),
        ("photo_credit", "Photo: AP"),
        ("credits", "Written by staff"),
    ],
    "004": [
        ("photo_credit", "Photo: Reuters"),
        ("unrelated", "DEFENDING DEMOCRACY:"),
        ("unrelated", "STEADFAST FRIEND:"),
        ("unrelated", "US Indo-Pacific Commander Admiral Samuel Paparo"),
        ("unrelated", "‘FALLACY’:"),
    ],
}


@pytest.mark.parametrize("prefix", sorted(SEED_REMOVALS))
def test_seed_furniture_and_teasers_go_and_every_article_paragraph_stays(prefix):
    raw = seed(prefix)
    text, segments, _ = clean_text(raw)
    removed = [(s["kind"], s["text"].strip()) for s in segments]
    for kind, start in SEED_REMOVALS[prefix]:
        assert any(k == kind and t.startswith(start) for k, t in removed), (kind, start, removed)
    assert len(segments) == len(SEED_REMOVALS[prefix]), removed
    # every other paragraph of the raw file is in the cleaned text, untouched
    removed_texts = [t for _, t in removed]
    for para in paragraphs(raw):
        leftover = para
        for r in removed_texts:
            leftover = leftover.replace(r, "")
        leftover = leftover.strip()
        if leftover:
            assert leftover in text, leftover[:80]


def test_seed_metadata_is_kept_out_of_the_body_but_recorded():
    docs, _ = clean_documents(
        [
            {"doc_id": p, "published_date": None, "raw_text": seed(p), "title": None, "outlet": None}
            for p in ("002", "003")
        ]
    )
    reuters, staff = docs
    assert (reuters["byline"], reuters["dateline_place"], reuters["outlet"]) == ("Soo-hyang Choi", "SEOUL", "Reuters")
    assert not reuters["text"].startswith(("By ", "SEOUL"))
    assert staff["title"] == "South Korean leader warns Russia against weapons collaboration with the North"
    assert staff["title"] not in staff["text"]


# ---------------------------------------------------------------- coherence rule


def test_sidebar_teasers_of_another_outlet_go_by_coherence_without_any_marker():
    raw = ARTICLE + "\n" + TEASERS
    text, segments, _ = clean_text(raw)
    unrelated = kinds_of(segments).get("unrelated", [])
    assert len(unrelated) == 3, unrelated
    for teaser in paragraphs(TEASERS):
        assert teaser not in text
    for para in paragraphs(ARTICLE)[1:]:  # all but the headline
        assert para.split("– ")[-1] in text


def test_article_paragraph_that_mentions_taiwan_stays():
    """Negative: a closing paragraph about Taiwan that belongs to the story is not a teaser."""
    closing = (
        "Taiwan's economy ministry said on Wednesday that it welcomed the talks between Tokyo and Seoul "
        "and hoped chip suppliers in the region would coordinate export controls rather than compete."
    )
    for raw in (ARTICLE, ARTICLE + "\n" + closing + "\n"):
        text, segments, _ = clean_text(raw)
        assert "unrelated" not in kinds_of(segments), segments
        assert "Taiwan Strait" in text
    assert closing in clean_text(ARTICLE + "\n" + closing + "\n")[0]


def test_story_ending_on_a_new_voice_stays():
    """One closing paragraph with new names is weak evidence: stories often end on a new witness."""
    closing = (
        "Kenji Watanabe, an economist at the Nomura Research Institute in Osaka, said the hotline mattered "
        "more than the forum."
    )
    text, segments, _ = clean_text(ARTICLE + "\n" + closing + "\n")
    assert closing in text and "unrelated" not in kinds_of(segments)


def test_short_articles_are_never_cut_by_coherence():
    raw = "\n\n".join(paragraphs(ARTICLE)[1:4]) + "\n" + TEASERS.split("\n")[0]
    _, segments, _ = clean_text(raw)
    assert "unrelated" not in kinds_of(segments)


# ---------------------------------------------------------------- every other kind

BODY = (
    "The foreign ministers of Ghana and Nigeria met in Accra on Monday to discuss a regional power grid, "
    "officials said.\n\nThe talks will continue next month in Abuja, the ministry added.\n"
)


@pytest.mark.parametrize(
    ("kind", "junk"),
    [
        ("caption", "Ministers arrive for the talks at the foreign ministry in Accra on Monday. (Reuters)"),
        ("caption", "Image copyright Reuters Image caption Ministers arrive for the talks in Accra"),
        ("caption", "Media playback is unsupported on your device Media caption The ministers speak"),
        ("photo_credit", "Photo: Reuters"),
        ("photo_credit", "(Getty Images)"),
        ("credits", "(Reporting by Ama Mensah; Editing by John Stone)"),
        ("credits", "Written by staff"),
        ("credits", "The Associated Press contributed to this report."),
        ("credits", "Contributing: Kofi Boateng"),
        ("boilerplate", "Story highlights"),
        ("boilerplate", "ADVERTISEMENT"),
        ("boilerplate", "Story Continued Below"),
        ("boilerplate", "CLICK HERE TO GET THE NEWS APP"),
        ("newsletter", "Sign up for Daily Newsletters Manage Newsletters"),
        ("newsletter", "Get the stories you care about delivered to your inbox. Sign up here."),
        ("copyright", "Copyright © 2019 The Daily Example, LLC. Click here for reprint permission."),
        ("copyright", "Copyright 2019 The Associated Press. All rights reserved."),
        ("related", "Related: Ghana signs power deal with Togo"),
        ("related", "READ MORE: Nigeria's grid collapses again"),
        ("related", "( PHOTOS: Scenes from Accra)"),
        ("related", "( See also: Full coverage of the grid talks)"),
        ("related", "https://example.org/ghana/grid-talks.html"),
        ("related", "This article tagged under: Ghana"),
        ("caption", "toggle caption Ama Mensah/Reuters /Landov"),
        ("credits", "* Kofi Boateng contributed from Lagos."),
        ("credits", "This article first appeared on Example Pro at 5:05 p.m. on February 12, 2013."),
        ("boilerplate", "- Follow the Ticker on Twitter: @ExampleTicker"),
        ("boilerplate", "JUST WATCHED Grid talks in Accra Replay More Videos ... MUST WATCH Grid talks in Accra 02:42"),
        ("embed", "Good talks in Accra today. pic.twitter.com/Ab3dE9fGh1 — Ama Mensah (@AmaMensahGH) March 3, 2014"),
        (
            "embed",
            "Skip Twitter post by @AmaMensahGH Grid deal close! — Ama Mensah (@AmaMensahGH) March 3, 2014 Report",
        ),
        ("embed", "— Ghana Foreign Ministry (@GhanaMFA) June 28, 2019"),
        ("embed", "pic.twitter.com/Ab3dE9fGh1"),
    ],
)
def test_each_furniture_kind_is_removed_and_logged(kind, junk):
    for raw in (junk + "\n\n" + BODY, BODY + "\n" + junk + "\n"):
        text, segments, _ = clean_text(raw)
        assert [s["kind"] for s in segments] == [kind], (raw, segments)
        assert junk not in text
        assert "Ghana and Nigeria met in Accra" in text and "continue next month in Abuja" in text


def test_inline_caption_inside_a_paragraph_goes_and_the_sentence_stays():
    lead = "The ministers agreed to link their grids by 2030, officials said."
    caption = "TOPSHOT - Ministers pose in Accra, Ghana, on March 4, 2024. ( AFP)"
    text, segments, _ = clean_text(f"{lead} {caption}\n\n{BODY}")
    assert kinds_of(segments) == {"caption": [caption]}
    assert lead in text and caption not in text


def test_inline_related_link_goes_and_the_paragraph_stays():
    lead = "The ministers agreed to link their grids by 2030, officials said."
    link = " (RELATED: Ministers Say The Grid Deal Is Near)"
    text, segments, _ = clean_text(f"{lead}{link}\n\n{BODY}")
    assert kinds_of(segments) == {"related": [link]}
    assert lead in text and "RELATED" not in text


def test_post_signature_in_a_long_paragraph_goes_and_the_article_text_stays():
    """A post run into the article's own paragraph: only the signature is sure to be the embed."""
    lead = (
        "The minister repeated the offer in a statement on Tuesday, saying Ghana would share its surplus power "
        "with its neighbours for as long as the drought lasts and that talks on the price would start within "
        "the month. Officials in Lagos said the offer was welcome but that the line between the two capitals "
        "would need repairs first. The two governments have argued over the line's upkeep for years. "
    )
    signature = "— Ama Mensah (@AmaMensahGH) March 3, 2014"
    text, segments, _ = clean_text(f"{lead}We will share. {signature}\n\n{BODY}")
    assert [(s["kind"], s["text"].strip()) for s in segments] == [("embed", signature)]
    assert lead.strip() in text and "We will share." in text


def test_article_text_that_names_a_handle_or_a_post_stays():
    for para in (
        "The minister (@AmaMensahGH) wrote on Twitter on March 3, 2014 that the grid deal was close.",
        "In a post on March 3, the ministry - which uses the handle (@GhanaMFA) - said talks would resume.",
        "Ghana's minister tweeted a photo of the talks, pic.twitter.com links and all, the ministry said.",
    ):
        text, segments, _ = clean_text(f"{para}\n\n{BODY}")
        assert segments == [], (para, segments)
        assert para in text


def test_story_highlights_bullets_go_and_the_lede_stays():
    raw = (
        "Story highlights Ministers meet in Accra\n\nA regional power grid is on the agenda\n\n"
        "Nigeria's minister says talks will continue\n\n" + BODY
    )
    text, segments, _ = clean_text(raw)
    assert [s["kind"] for s in segments] == ["boilerplate"] * 3
    assert text.lstrip().startswith("The foreign ministers of Ghana")


def test_date_header_byline_dateline_and_headline():
    raw = (
        " date 2024-03-04 Ghana and Nigeria plan joint power grid\n\nBy Ama Mensah and Kofi Boateng\n\n"
        "ACCRA (Reuters) - " + BODY
    )
    docs, removed = clean_documents([{"doc_id": "x", "published_date": None, "raw_text": raw}])
    kinds = [r["kind"] for r in removed]
    assert kinds == ["date_header", "headline", "byline", "dateline"], removed
    doc = docs[0]
    assert doc["title"] == "Ghana and Nigeria plan joint power grid"
    assert doc["byline"] == "Ama Mensah and Kofi Boateng"
    assert (doc["dateline_place"], doc["outlet"]) == ("ACCRA", "Reuters")
    assert doc["text"].lstrip().startswith("The foreign ministers")


def test_known_title_is_removed_as_headline_even_when_punctuated():
    raw = "Ghana, Nigeria: a grid at last?\n\n" + BODY
    _, segments, _ = clean_text(raw, title="Ghana, Nigeria: a grid at last?")
    assert [s["kind"] for s in segments] == ["headline"]


def test_first_sentence_is_not_taken_for_a_headline():
    _, segments, _ = clean_text(BODY)
    assert segments == []


# ---------------------------------------------------------------- offsets


@pytest.mark.parametrize("prefix", sorted(SEED_REMOVALS))
def test_every_cleaned_sentence_maps_back_to_the_raw_text(prefix):
    raw = seed(prefix)
    text, segments, _ = clean_text(raw)
    spans = [(s["start"], s["end"]) for s in segments]
    for s in segments:
        assert raw[s["start"] : s["end"]] == s["text"]
    assert apply_removals(raw, spans) == text
    omap = OffsetMap(spans)
    for m in re.finditer(r"[^.!?\n]+[.!?]", text):
        start, end = omap.span_to_raw(m.start(), m.end())
        assert raw[start:end] == m.group(0)
