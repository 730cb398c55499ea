"""Recall (issue 11, part 3), by kind of missed event, on sentences written for these tests:
bodies, missions and campaigns as agents, documents that speak for their author, pronoun
subjects that repeat the speaker, "asked X to do Y", "repeated his call for", "is due to ...",
and a body or "they" meeting without a named counterpart."""

from __future__ import annotations

import datetime as dt

from test_extract import of_type, run

TUE = dt.date(2021, 3, 16)


def test_bodies_missions_and_campaigns_are_agents():
    for text, etype in (
        ("The Ghanaian embassy said the visa rules would change.", "statement"),
        ("The opposition coalition rejected the plan on Monday.", "statement"),
        ("The campaign said the president would win the vote in Accra.", "statement"),
        ("Members unanimously adopted a resolution on the border on Monday.", "agreement"),
        ("Council members unanimously adopted a resolution on Monday.", "agreement"),
    ):
        assert of_type(run(text, TUE), etype), text


def test_members_of_the_public_are_not_made_agents():
    assert not of_type(run("The baby suffocated from smoke, family members said.", TUE), "statement")


def test_a_document_speaks_for_its_author_only_when_it_has_one():
    assert of_type(run("The ministry's report said the border would stay closed.", TUE), "statement")
    assert of_type(run("A statement from the Ghanaian ministry said the border would stay closed.", TUE), "statement")
    assert not of_type(run("The report said the border would stay closed.", TUE), "statement")


def test_a_pronoun_repeating_the_speaker_can_meet():
    events = run("Officials in Accra said they will meet next week in Lagos.", TUE)
    assert of_type(events, "meeting") and of_type(events, "statement")
    assert not of_type(run("They said it would rain.", TUE), "statement")
    assert not of_type(run("Experts said they will meet the deadline.", TUE), "meeting")


def test_a_body_meets_as_one():
    assert of_type(run("The opposition coalition will meet on May 23 in Lagos.", TUE), "meeting")
    assert not of_type(run("The Ghanaian president will meet on Friday.", TUE), "meeting")


def test_asking_someone_to_act_is_an_appeal():
    events = of_type(run("Ghana's president asked the parliament to delay the vote.", TUE), "statement")
    assert [e["stance"] for e in events] == ["appeal"]
    assert not of_type(run("Ghana's president asked about the vote.", TUE), "statement")


def test_repeating_a_call_is_an_appeal_and_a_phone_call_stays_talks():
    assert of_type(run("Ghana's president repeated his call for a ceasefire.", TUE), "statement")
    phone = run("Ghana's president made a phone call to the Nigerian leader.", TUE)
    assert not of_type(phone, "statement") and (of_type(phone, "meeting") or of_type(phone, "summit"))


def test_due_to_act_takes_the_subject_above_the_adjective():
    assert of_type(run("The Nigerian minister is due to address the assembly on Friday.", TUE), "speech")
    assert of_type(run("Ghana is due to host a ministerial meeting on Monday.", TUE), "meeting")


def test_the_owner_of_an_event_noun_acts():
    events = run(
        "The Ghanaian president arrived in Lagos on Monday. His tour has included a NATO summit in Brussels.", TUE
    )
    assert [e["actor_name"] for e in of_type(events, "summit")] == [
        "Nana Akufo-Addo"
    ]  # the office holder of the day (people.csv)
    speech = run("The Ghanaian president's visit will conclude on Tuesday with a speech to parliament.", TUE)
    assert of_type(speech, "speech")
    assert not of_type(run("The visit will conclude on Tuesday with a speech to parliament.", TUE), "speech")


def test_only_a_schedule_adjective_passes_the_subject_down():
    assert not of_type(run("The Ghanaian government is prepared to challenge the ruling.", TUE), "statement")
    assert not of_type(run("The Ghanaian president is likely to embark on talks with Togo.", TUE), "meeting")
