"""Sentence boundaries (issue 11): the small parser breaks some sentences in their middle, at a
quoted title after a possessive or a preposition and after a party or state abbreviation that
ends a noun phrase; components.mark_paragraphs marks those places as no boundary before the
parser runs. Sentences written for these tests; each kind has its true boundary kept."""

from __future__ import annotations

import datetime as dt

from test_extract import MODEL, of_type, run

from pipeline.extract import load_model

SUN = dt.date(2021, 3, 14)


def sentences(text: str) -> list[str]:
    return [s.text.strip() for s in load_model(MODEL)(text).sents]


def test_a_quoted_title_after_a_possessive_does_not_start_a_sentence():
    text = (
        'Although he said he still has some worries, Mr. Grant told ABC’s "This Week" that the treaty’s foes had '
        "given no evidence that another course, such as tougher sanctions on the regime, would succeed."
    )
    assert len(sentences(text)) == 1
    statements = of_type(run(text, SUN), "statement")
    assert statements and all("would succeed" in e["evidence_text"] for e in statements)
    assert sentences(
        'The senator appeared on CBS’s "Face the Nation" on Sunday. She said the vote would be close.'
    ) == [
        'The senator appeared on CBS’s "Face the Nation" on Sunday.',
        "She said the vote would be close.",
    ]


def test_a_quote_after_a_preposition_does_not_start_a_sentence():
    assert len(sentences('Speaking on "Meet the Press" on Sunday, the governor said the state would sue.')) == 1
    assert sentences('He said: "The talks are over." Then he left.') == [
        'He said: "The talks are over."',
        "Then he left.",
    ]


def test_a_party_or_state_label_ending_a_noun_phrase_does_not_end_the_sentence():
    text = (
        '"This is unacceptable and it requires Congress to act," Ohio GOP. Rep John Smith, the chair of the '
        "committee, said in a statement."
    )
    assert len(sentences(text)) == 1
    statements = of_type(run(text, SUN), "statement")
    assert statements and all("unacceptable" in e["evidence_text"] for e in statements)
    assert len(sentences('"It is not acceptable," Rep. Mary Cole, D-Calif. said in a statement.')) == 1
    assert len(sentences("The governor of Calif. told reporters the state would sue.")) == 1


def test_a_label_that_ends_the_sentence_keeps_its_boundary():
    assert len(sentences('"The bill is dead," said Sen. Tom Brown, R-Texas. He added that talks would resume.')) == 2
    assert len(sentences('"It is not acceptable," said Rep. Mary Cole, D-Calif. The congresswoman will vote no.')) == 2
    assert len(sentences("He quit the GOP. Now he runs as an independent.")) == 2
