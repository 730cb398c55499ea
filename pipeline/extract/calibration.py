"""Calibrated confidence: the extractor's raw score mapped to the chance that the event is right.

The raw score (events.py) is a hand-set sum of penalties (nominal trigger, no actor, no actor
country, inherited date, other type); it orders events within a type but says nothing about how
often they are right, and the event type matters more than any penalty (a statement is right far
more often than a meeting). So the calibrated value is read from a per-type curve fitted on the
development set (benchmarks/calibrate.py) and stored as data in rules/calibration.json:

- for each event type, the raw scores seen and the share of those events that were right,
  made monotone in the raw score by isotonic regression (pool adjacent violators) after adding
  a few pseudo-events at the type's own rate (itself shrunk towards the rate of all types), so a
  raw value seen twice cannot jump to 0 or 1;
- between two knots the value is interpolated linearly, beyond the ends it is held flat: the
  curve is monotone non-decreasing in the raw score and stays in [0, 1];
- a type without its own curve (not seen in the fit, or a type the gold does not judge, such
  as the non-core types) uses the curve of all types pooled ("*").

"Right" is the shared scorer's match (gold/score_events.py): a match or a duplicate of one, a
match to an optional gold event included; a false positive is wrong.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "rules" / "calibration.json"
POOLED = "*"


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> dict:
    """The stored curves, checked once: each curve's knots ascend and its values are monotone in [0, 1]."""
    table = json.loads(path.read_text(encoding="utf-8"))
    for name, curve in table["curves"].items():
        check_curve(name, curve["raw"], curve["calibrated"])
    if POOLED not in table["curves"]:
        raise ValueError(f"{path}: no pooled curve {POOLED!r} for types without their own")
    return table


def check_curve(name: str, raw: Sequence[float], calibrated: Sequence[float]) -> None:
    """A curve must be usable as is: same length, ascending knots, monotone values in [0, 1]."""
    if not raw or len(raw) != len(calibrated):
        raise ValueError(f"calibration curve {name!r}: knots and values differ in length or are empty")
    if any(b <= a for a, b in zip(raw, raw[1:], strict=False)):
        raise ValueError(f"calibration curve {name!r}: raw knots must ascend strictly")
    if any(b < a for a, b in zip(calibrated, calibrated[1:], strict=False)):
        raise ValueError(f"calibration curve {name!r}: values must not decrease")
    if any(not 0.0 <= v <= 1.0 for v in calibrated):
        raise ValueError(f"calibration curve {name!r}: values must lie in [0, 1]")


def interpolate(raw: Sequence[float], calibrated: Sequence[float], x: float) -> float:
    """The curve at x: linear between knots, flat beyond the first and last."""
    if x <= raw[0]:
        return calibrated[0]
    if x >= raw[-1]:
        return calibrated[-1]
    i = bisect_right(raw, x)
    x0, x1, y0, y1 = raw[i - 1], raw[i], calibrated[i - 1], calibrated[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def calibrated_confidence(raw: float, event_type: str, table: dict) -> float:
    """The calibrated probability of an event of `event_type` with the raw score `raw`."""
    curves = table["curves"]
    curve = curves.get(event_type, curves[POOLED])
    return round(interpolate(curve["raw"], curve["calibrated"], raw), 3)


def calibrate_rows(rows: list[dict], table: dict | None = None) -> list[dict]:
    """The rows with `confidence` replaced by its calibrated value (the rows are updated in place)."""
    table = table if table is not None else load_calibration()
    for row in rows:
        row["confidence"] = calibrated_confidence(row["confidence"], row["event_type"], table)
    return rows


# --- fitting (benchmarks/calibrate.py) ----------------------------------------------------------


def pool_adjacent_violators(values: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Weighted isotonic (non-decreasing) regression of values in their given order."""
    blocks: list[list[float]] = []  # [mean, weight, size]
    for v, w in zip(values, weights, strict=True):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for mean, _, size in blocks:
        out.extend([mean] * int(size))
    return out


def fit_curve(pairs: Iterable[tuple[float, bool]], prior: float, strength: float) -> dict:
    """One monotone curve from (raw score, right) pairs, each raw value's rate shrunk to `prior`
    with `strength` pseudo-events before the isotonic fit."""
    counts: dict[float, list[int]] = {}
    for raw, right in pairs:
        c = counts.setdefault(round(float(raw), 4), [0, 0])
        c[0] += bool(right)
        c[1] += 1
    knots = sorted(counts)
    rates = [(counts[k][0] + strength * prior) / (counts[k][1] + strength) for k in knots]
    weights = [counts[k][1] + strength for k in knots]
    fitted = pool_adjacent_violators(rates, weights)
    return {
        "raw": knots,
        "calibrated": [round(min(1.0, max(0.0, v)), 4) for v in fitted],
        "events": sum(c[1] for c in counts.values()),
    }


def fit_table(
    samples: Iterable[tuple[str, float, bool]], type_strength: float = 10.0, knot_strength: float = 5.0
) -> dict:
    """A curve per event type seen and the pooled one, from (event_type, raw score, right)
    samples: see the module docstring for the method. The shrinkage lets a type seen a few times
    keep its own level (a rare type right half the time is not given the statements' rate)
    without trusting its few events more than they are worth."""
    samples = list(samples)
    if not samples:
        raise ValueError("no judged events to calibrate on")
    overall = sum(right for _, _, right in samples) / len(samples)
    curves = {POOLED: fit_curve(((raw, right) for _, raw, right in samples), overall, knot_strength)}
    by_type: dict[str, list[tuple[float, bool]]] = {}
    for etype, raw, right in samples:
        by_type.setdefault(etype, []).append((raw, right))
    for etype in sorted(by_type):
        pairs = by_type[etype]
        type_rate = (sum(r for _, r in pairs) + type_strength * overall) / (len(pairs) + type_strength)
        curves[etype] = fit_curve(pairs, type_rate, knot_strength)
    return {
        "method": "per event type: isotonic regression of right/wrong on the raw score, each raw value's "
        f"rate shrunk with {knot_strength:g} pseudo-events to the type's rate (itself shrunk with "
        f"{type_strength:g} pseudo-events to the rate of all types); a type not seen in the fit uses the "
        "pooled curve '*'; linear between knots, flat beyond",
        "curves": curves,
    }


def reliability(pairs: Iterable[tuple[float, bool]], bins: int = 10) -> dict:
    """Reliability table and expected calibration error of (confidence, right) pairs.

    Equal-width bins over [0, 1] (a confidence of 1.0 falls in the last); ECE is the mean over
    events of |accuracy - mean confidence| of their bin, so a bin weighs by its events."""
    rows = [[0, 0.0, 0] for _ in range(bins)]  # events, sum of confidence, right
    for conf, right in pairs:
        b = rows[min(bins - 1, max(0, int(conf * bins)))]
        b[0] += 1
        b[1] += conf
        b[2] += bool(right)
    total = sum(b[0] for b in rows)
    table, ece = [], 0.0
    for i, (n, conf_sum, right) in enumerate(rows):
        if not n:
            continue
        mean, acc = conf_sum / n, right / n
        ece += n / total * abs(acc - mean)
        table.append(
            {
                "bin": f"{i / bins:.1f}-{(i + 1) / bins:.1f}",
                "events": n,
                "mean_confidence": round(mean, 3),
                "accuracy": round(acc, 3),
            }
        )
    return {"events": total, "ece": round(ece, 4) if total else None, "bins": table}
