"""Trigger kinds and the press rule, on sentences written for these tests: reporting verbs the
lexicon once lacked, threats as statements, "spoke with" as talks, joint vs press conferences,
approved deals, bare attributions after a quote, and news outlets or reporters as speakers."""

from __future__ import annotations

import datetime as dt

from test_extract import of_type, run

TUE = dt.date(2021, 3, 16)


def test_reporting_verbs_the_lexicon_lacked_are_statements():
    for text in (
        "The foreign minister of Ghana defended the decision on Monday.",
        "Ghana's president likened the blockade to a siege.",
        "The Nigerian minister questioned the figures in a letter to the council.",
        "Togo's prime minister apologised for the delay.",
        "The Ghanaian president touted the new trade corridor with Togo.",
    ):
        assert of_type(run(text, TUE), "statement"), text


def test_a_threat_is_a_statement():
    events = run("The Ghanaian government threatened to close its border with Togo.", TUE)
    assert [e["stance"] for e in of_type(events, "statement")] == ["warn"]


def test_no_act_in_a_citing_adjunct_or_after_stop():
    events = run("The agency reported clashes near the border, citing local officials.", TUE)
    assert not [
        e
        for e in of_type(events, "statement")
        if "citing" in e["evidence_text"] and e["actor_name"] == "local officials"
    ]
    assert not of_type(run("The deal does not force Ghana to stop threatening Togo.", TUE), "statement")


def test_called_x_y_is_a_statement_and_called_a_meeting_is_not():
    assert of_type(run("Ghana's president called the blockade an act of war.", TUE), "statement")
    assert not of_type(run("Ghana's president called a cabinet meeting.", TUE), "statement")


def test_spoke_with_a_leader_is_talks():
    events = run("Ghana's president spoke with President Muhammadu Buhari of Nigeria on Saturday.", TUE)
    assert (of_type(events, "meeting") or of_type(events, "summit")) and not of_type(events, "statement")


def test_a_joint_news_conference_is_a_meeting_a_press_conference_is_not():
    joint = run(
        "President Akufo-Addo of Ghana and President Buhari of Nigeria held a joint news conference in Accra.", TUE
    )
    assert of_type(joint, "meeting") or of_type(joint, "summit")
    solo = run("The Ghanaian minister held a press conference in Accra.", TUE)
    assert not of_type(solo, "meeting") and not of_type(solo, "summit")


def test_approved_deal_is_an_agreement():
    assert of_type(run("The Nigerian parliament approved the trade deal with Ghana on Monday.", TUE), "agreement")


def test_bare_attribution_takes_the_quote_before_it_as_evidence():
    text = '"The border must reopen now."\nGhana\'s foreign minister said in a statement.'
    rows = of_type(run(text, TUE), "statement")
    assert rows and rows[0]["evidence_text"].startswith('"The border must reopen now."')


def test_news_outlets_and_reporters_are_not_speakers():
    for text in (
        "Reuters notes that it is not yet clear whether Togo will attend the talks.",
        "The Guardian writes that the Ghanaian delegation left early.",
        "Our correspondent Ama Mensah said the mood in Accra was tense.",
    ):
        assert not of_type(run(text, TUE), "statement"), text
    # a state news agency speaks for its government
    assert of_type(run("Xinhua said China would send a delegation to Accra.", TUE), "statement") or of_type(
        run("Xinhua said China would send a delegation to Accra.", TUE), "pledge"
    )


def test_cut_a_deal_is_an_agreement_and_dinner_with_a_leader_is_a_meeting():
    assert of_type(run("Ghana cut a gas deal with Nigeria on Monday.", TUE), "agreement")
    events = run("The Ghanaian president had dinner with the Nigerian foreign minister on Monday.", TUE)
    assert of_type(events, "meeting") or of_type(events, "summit")
