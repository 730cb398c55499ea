"""Calibrated confidence: the pure mapping, the fit behind it, and the table the extractor ships."""

from __future__ import annotations

import json

import pytest

from pipeline.extract.calibration import (
    CALIBRATION_FILE,
    POOLED,
    calibrate_rows,
    calibrated_confidence,
    check_curve,
    fit_table,
    interpolate,
    load_calibration,
    pool_adjacent_violators,
    reliability,
)

TABLE = {
    "curves": {
        POOLED: {"raw": [0.5, 0.85], "calibrated": [0.6, 0.8]},
        "statement": {"raw": [0.6, 0.75, 0.85], "calibrated": [0.8, 0.9, 0.95]},
        "meeting": {"raw": [0.5, 0.85], "calibrated": [0.3, 0.55]},
    }
}
RAW = [i / 100 for i in range(0, 101)]


def test_interpolates_between_knots_and_holds_flat_beyond():
    curve = TABLE["curves"]["statement"]
    assert interpolate(curve["raw"], curve["calibrated"], 0.675) == pytest.approx(0.85)
    assert interpolate(curve["raw"], curve["calibrated"], 0.1) == 0.8
    assert interpolate(curve["raw"], curve["calibrated"], 0.99) == 0.95
    assert interpolate(curve["raw"], curve["calibrated"], 0.75) == 0.9


@pytest.mark.parametrize("etype", ["statement", "meeting", "visit"])
def test_monotone_and_within_0_1(etype):
    values = [calibrated_confidence(r, etype, TABLE) for r in RAW]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)


def test_applied_per_type_with_the_pooled_curve_for_others():
    assert calibrated_confidence(0.85, "statement", TABLE) == 0.95
    assert calibrated_confidence(0.85, "meeting", TABLE) == 0.55
    # a type without its own curve (here visit) takes the pooled one
    assert calibrated_confidence(0.85, "visit", TABLE) == 0.8
    rows = [{"event_type": "statement", "confidence": 0.6}, {"event_type": "meeting", "confidence": 0.6}]
    assert [r["confidence"] for r in calibrate_rows(rows, TABLE)] == [0.8, pytest.approx(0.371)]


@pytest.mark.parametrize(
    ("raw", "calibrated", "message"),
    [
        ([0.5, 0.7], [0.6], "length"),
        ([0.7, 0.5], [0.6, 0.7], "ascend"),
        ([0.5, 0.7], [0.7, 0.6], "decrease"),
        ([0.5, 0.7], [0.6, 1.2], r"\[0, 1\]"),
    ],
)
def test_a_broken_curve_is_refused(raw, calibrated, message):
    with pytest.raises(ValueError, match=message):
        check_curve("x", raw, calibrated)


def test_pool_adjacent_violators_is_the_weighted_isotonic_fit():
    assert pool_adjacent_violators([0.2, 0.9, 0.5, 1.0], [1, 1, 3, 1]) == [0.2, 0.6, 0.6, 1.0]
    assert pool_adjacent_violators([0.3, 0.2, 0.1], [1, 1, 1]) == pytest.approx([0.2, 0.2, 0.2])


def test_fit_table_follows_each_type_and_stays_monotone():
    # statements: right 9 times in 10 at 0.85, 7 in 10 at 0.6; meetings right 1 in 4 whatever the score
    samples = (
        [("statement", 0.85, i < 9) for i in range(10)]
        + [("statement", 0.6, i < 7) for i in range(10)]
        + [("meeting", 0.85, i < 5) for i in range(20)]
        + [("meeting", 0.6, i < 5) for i in range(20)]
    )
    table = fit_table(samples, type_strength=0.0, knot_strength=0.0)
    assert table["curves"]["statement"]["calibrated"] == [0.7, 0.9]
    assert table["curves"]["meeting"]["calibrated"] == [0.25, 0.25]
    assert set(table["curves"]) == {POOLED, "statement", "meeting"}
    # shrinkage pulls a knot towards the type's rate, the type's rate towards all types'
    shrunk = fit_table(samples, type_strength=10.0, knot_strength=5.0)["curves"]
    assert 0.25 < shrunk["meeting"]["calibrated"][0] < 0.4
    assert 0.65 < shrunk["statement"]["calibrated"][0] < shrunk["statement"]["calibrated"][1] < 0.9
    # a score that is right less often at a higher raw value is pooled, never inverted
    inverted = fit_table([("visit", 0.6, True)] * 5 + [("visit", 0.8, False)] * 5, 0.0, 0.0)["curves"]["visit"]
    assert inverted["calibrated"] == [0.5, 0.5]


def test_reliability_bins_and_ece():
    pairs = [(0.95, True)] * 9 + [(0.95, False)] + [(0.55, True)] * 2 + [(0.55, False)] * 8
    rel = reliability(pairs)
    assert [b["bin"] for b in rel["bins"]] == ["0.5-0.6", "0.9-1.0"]
    assert rel["bins"][1] == {"bin": "0.9-1.0", "events": 10, "mean_confidence": 0.95, "accuracy": 0.9}
    # half the events off by 0.05, half by 0.35
    assert rel["ece"] == pytest.approx(0.2)
    assert reliability([(1.0, True)])["bins"][0]["bin"] == "0.9-1.0"


def test_the_shipped_table_is_valid_and_has_a_pooled_curve():
    table = load_calibration(CALIBRATION_FILE)
    assert POOLED in table["curves"] and "method" in table and "fitted_on" in table
    for curve in table["curves"].values():
        values = [interpolate(curve["raw"], curve["calibrated"], r) for r in RAW]
        assert values == sorted(values) and all(0 <= v <= 1 for v in values)


def test_load_refuses_a_table_without_pooled_curve(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"curves": {"statement": TABLE["curves"]["statement"]}}))
    with pytest.raises(ValueError, match="pooled"):
        load_calibration(path)
