"""Recall (issue 11, part 3), by kind of missed event, on sentences written for these tests:
bodies, missions and campaigns as agents, documents that speak for their author, pronoun
subjects that repeat the speaker, "asked X to do Y", "repeated his call for", "is due to ...",
a body or "they" meeting without a named counterpart, time possessors ("Tuesday's meeting"),
relative-clause and owner agents, convened and refused meetings, talks told as sessions, and two
kinds of speech act in one sentence."""

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


def test_a_time_possessor_says_when_not_who():
    events = run("The Ghanaian ambassador made a statement at Tuesday's Security Council meeting.", TUE)
    assert of_type(events, "meeting") and of_type(events, "statement")
    summit = run(
        "The Ghanaian president made the comments ahead of a meeting with the Nigerian president "
        "during this weekend's ECOWAS summit in Abuja.",
        TUE,
    )
    assert of_type(summit, "summit") and len([e for e in summit if e["event_type"] in {"summit", "meeting"}]) == 2


def test_the_subject_of_a_relative_clause_delivers_the_act():
    events = run("The highlight of the trip will be a speech the Ghanaian president will deliver in Lagos.", TUE)
    assert [e["actor_country"] for e in of_type(events, "speech")] == ["GHA"]
    calls = run("Phone calls in which a Ghanaian official demanded an explanation were recorded.", TUE)
    assert not of_type(calls, "meeting")


def test_the_owner_of_a_trip_or_decision_does_what_it_is_for():
    events = run(
        "The divide showed during the Ghanaian president's visit to Nigeria to meet with Muhammadu Buhari.", TUE
    )
    assert of_type(events, "visit") and (of_type(events, "summit") or of_type(events, "meeting"))
    assert not of_type(run("The Ghanaian president's refusal to sign an agreement angered Togo.", TUE), "agreement")
    assert not of_type(run("Ghana's threat to attack the rebels worried Togo.", TUE), "military")


def test_calling_a_meeting_convenes_it_and_refusing_one_does_not():
    assert of_type(run("The Ghanaian president called an emergency cabinet meeting in Accra.", TUE), "meeting")
    assert not of_type(
        run("The Ghanaian president called off the meeting with the Nigerian president.", TUE), "meeting"
    )
    refused = run("The Ghanaian opposition has rejected the idea of attending the conference.", TUE)
    assert of_type(refused, "statement") and not of_type(refused, "meeting")


def test_one_of_a_group_named_in_apposition_acts():
    events = run("One of the opposition groups, the National Democratic Congress, rejected the plan.", TUE)
    assert [e["actor_name"] for e in of_type(events, "statement")] == ["National Democratic Congress"]


def test_an_adjunct_participle_belongs_to_the_subject_not_the_passive_agent():
    events = of_type(
        run("Arriving in Lagos on Sunday, the Ghanaian foreign minister was greeted by a guard.", TUE), "visit"
    )
    assert [e["actor_country"] for e in events] == ["GHA"]


def test_talks_told_as_a_session_need_no_agent():
    events = of_type(run("International talks on trade are set to resume on May 20 in Accra.", TUE), "meeting")
    assert [(e["status"], e["location_name"]) for e in events] == [("planned", "Accra")]
    assert not of_type(run("The negotiations will not reconvene.", TUE), "meeting")
    assert not of_type(run("Ghana says talks should resume without preconditions.", TUE), "meeting")


def test_two_kinds_of_speech_act_in_one_sentence_are_two_acts():
    text = (
        "Top Ghanaian border officials told parliament on Wednesday that cartels earn billions, "
        "as they pleaded with lawmakers to change the law."
    )
    assert len(of_type(run(text, TUE), "statement")) == 2
    assert len(of_type(run("Ghana's president made a call for calm and urged Togo to talk.", TUE), "statement")) == 1


def test_charging_that_is_an_accusation():
    events = of_type(
        run("The Ghanaian senator charged that the administration wants a deal too badly.", TUE), "statement"
    )
    assert [e["stance"] for e in events] == ["accuse"]
    assert not of_type(run("Police charged him with murder on Monday.", TUE), "statement")


def test_discussing_a_topic_with_a_party_is_a_meeting():
    assert of_type(run("The Ghanaian president discussed a timeline with Nigerian officials in Abuja.", TUE), "meeting")


def test_a_deal_reached_or_signed_needs_no_named_agent():
    assert of_type(run("A ceasefire agreement was signed in Accra on Monday.", TUE), "agreement")
    for text in (
        "No deal was reached on Monday.",
        "Sanctions stay until a deal is reached.",
        "Ghana must make good on whatever deal is reached.",
    ):
        assert not of_type(run(text, TUE), "agreement"), text


def test_talks_resuming_are_news_even_when_told_before():
    text = "Ghana and Togo held talks in Lome on Monday. The talks will resume in Accra on Friday."
    assert len(of_type(run(text, TUE), "meeting")) == 2


def test_the_speaker_is_one_of_the_two_who_met():
    events = run("The Ghanaian president said the two met at the presidential palace in Accra.", TUE)
    assert [e["actor_country"] for e in of_type(events, "meeting") + of_type(events, "summit")] == ["GHA"]
    assert not of_type(run("The Ghanaian president said the two countries would trade more.", TUE), "meeting")


def test_made_clear_is_a_statement_of_its_agent_only():
    for text in (
        "The foreign minister made clear on Monday that the talks would continue.",
        "The president has made it clear that he will not resign.",
        "The foreign ministry made plain that it would not back down.",
    ):
        assert of_type(run(text, TUE), "statement"), text
    assert not of_type(run("The ruling made clear that the law applies to everyone.", TUE), "statement")
