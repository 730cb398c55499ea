"""Data Docs as GX users know them: pages that load nothing from the network, run names and data
assets filled in, and a home page listing every run with its status, failures first."""

from __future__ import annotations

import re

import pytest
from conftest import SEED_DATES
from test_validate import partition, set_first

from pipeline.data_docs import STATIC, ordered
from pipeline.validate import Partition, validate_partitions

DAYS = SEED_DATES[2:5]
REMOTE_LOAD = re.compile(r"<(?:link|script|img)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//[^>]*>", re.I)
REMOTE_CSS = re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def tables_of(seed_warehouse) -> dict:
    names = ("documents", "events", "removed_segments")
    return {day: {name: partition(seed_warehouse, name, day) for name in names} for day in DAYS}


def test_gx_pages_load_nothing_from_the_network_and_name_run_and_asset(tables_of, tmp_path):
    home = tmp_path / "_data_docs"
    day = DAYS[0]
    (report,) = validate_partitions([Partition(day, tables_of[day], "manual__one", None, str(home / str(day) / "r"))])
    folder = home / str(day) / "r"
    pages = sorted(folder.glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "events.html", "documents.html"}
    for page in pages:
        text = page.read_text()
        assert not REMOTE_LOAD.findall(text), (page.name, REMOTE_LOAD.findall(text)[:3])
        assert not REMOTE_CSS.search(text), page.name
        for src in re.findall(r"(?:src|href)=\"(\.\./[^\"#]+)\"", text):
            assert (folder / src).resolve().is_file(), (page.name, src)  # local images and the home exist
    gx = (folder / "events.html").read_text()
    assert "__none__" not in gx
    assert "manual__one" in gx and "staged events" in gx  # run name and data asset
    assert ".card-header" in gx and "fa-check-circle::before" in gx  # the local stand-in styles
    assert (home / STATIC / "logo-long.png").is_file()
    assert report["outcome"] == "passed"


def test_a_pass_over_several_runs_is_named_by_its_runs(tables_of, tmp_path):
    home = tmp_path / "_data_docs"
    validate_partitions([Partition(d, tables_of[d], f"r-{d}", None, str(home / str(d) / "r")) for d in DAYS[:2]])
    (page,) = (home / "_passes").glob("*/events.html")
    text = page.read_text()
    assert f"2 runs validated together, {DAYS[0]}..{DAYS[1]}" in text
    assert not REMOTE_LOAD.findall(text)


def test_home_lists_every_run_with_its_status_failures_first(tables_of, tmp_path):
    home = tmp_path / "_data_docs"
    bad_day, warn_day, good_day = DAYS
    bad = {**tables_of[bad_day], "events": set_first(tables_of[bad_day]["events"], "confidence", 3.0)}
    warned = {**tables_of[warn_day], "events": set_first(tables_of[warn_day]["events"], "event_type", "space_launch")}
    # validated one at a time, in an order that is neither the status nor the date order
    for day, tables, run in (
        (good_day, tables_of[good_day], "good"),
        (bad_day, bad, "bad"),
        (warn_day, warned, "warn"),
    ):
        validate_partitions([Partition(day, tables, run, None, str(home / str(day) / run))])
    index = (home / "index.html").read_text()
    rows = re.findall(r"<tr class='(\w+)'><td>\w+</td><td>([\d-]+)</td><td><a href='([^']+)'>([^<]+)</a>", index)
    assert [(status, run) for status, _, _, run in rows] == [("failed", "bad"), ("warning", "warn"), ("passed", "good")]
    assert all((home / href).is_file() for _, _, href, _ in rows)
    assert "3 runs" not in index and "Validation runs (3)" in index


def test_order_is_status_then_newest_date():
    runs = [
        {"outcome": o, "published_date": d, "run_id": r}
        for o, d, r in [
            ("passed", "2024-01-03", "a"),
            ("failed", "2024-01-01", "b"),
            ("passed", "2024-01-04", "c"),
            ("unknown", "2024-01-09", "d"),
            ("failed", "2024-01-02", "e"),
        ]
    ]
    assert [r["run_id"] for r in ordered(runs)] == ["e", "b", "c", "a", "d"]
