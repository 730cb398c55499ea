"""Fit the confidence calibration on half of the development set and measure it on the other half.

    .venv/bin/python -m benchmarks.calibrate            # fit, report, write benchmarks/results/calibration.json
    .venv/bin/python -m benchmarks.calibrate --write    # ... and update rules/calibration.json and docs/events.md

Reads the development gold (../shared/gold/dev_events.jsonl) and writes its 40 articles with
../shared/tools/dev_articles.py into a temporary folder (never into the project); without
../shared it says so and exits 0. One pass of ingest -> clean -> extract over all 40 articles
with the raw (uncalibrated) score, then everything else in memory, so the run takes about the
time of extracting 40 articles and gives the same output for the same code:

- every core-type prediction is judged with the scorer's own matching (pipeline.evaluate):
  right = a match or a duplicate of one (optional gold events included), wrong = a false positive;
- the documents are split by the SHA-1 of their file name: the lower half fits the curves
  (pipeline.extract.calibration.fit_table), the upper half reports reliability (ten bins:
  events, mean confidence, accuracy) and the expected calibration error, for the raw score, the
  table now stored in rules/calibration.json, and the table just fitted;
- the two shrinkage strengths of the fit are chosen on the fit half alone, by five-fold
  cross-validation over its documents: the lowest held-out Brier score (ties to the stronger
  shrinkage). Brier, not ECE: a constant at the base rate has a low ECE and says nothing, the
  Brier score also rewards telling right from wrong. The report half is never looked at while
  fitting;
- the same procedure with the halves swapped is reported too (`swapped`): how much the figure
  moves with the choice of documents.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "dev_events.jsonl"
DEV_ARTICLES = SHARED / "tools" / "dev_articles.py"
RESULT = ROOT / "benchmarks" / "results" / "calibration.json"
EVENTS_MD = ROOT / "docs" / "events.md"
DOCS_BEGIN = "<!-- calibration:begin (written by benchmarks/calibrate.py --write) -->"
DOCS_END = "<!-- calibration:end -->"
TARGET_ECE = 0.05
STRENGTHS = [(t, k) for t in (0.0, 10.0, 30.0, 100.0, 1000.0) for k in (2.0, 5.0, 20.0, 100.0)]
FOLDS = 5


def split_documents(names: list[str]) -> tuple[list[str], list[str]]:
    """(fit, report): the documents ordered by the SHA-1 of their name, first half to fit."""
    ordered = sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest())
    half = len(ordered) // 2
    return sorted(ordered[:half]), sorted(ordered[half:])


def extract_dev_set(folder: Path) -> tuple[list[dict], list[dict]]:
    """(documents, raw-score events) of the development articles, through ingest, clean, extract."""
    from pipeline.clean import clean_documents
    from pipeline.config import Settings
    from pipeline.extract import extract_events
    from pipeline.ingest import ingest

    settings = Settings()
    result = ingest(folder, settings.max_file_bytes)
    if result.quarantined:
        raise RuntimeError(f"{result.quarantined} development articles were quarantined: {result.quarantine}")
    docs, removed = clean_documents(result.documents)
    events = extract_events(docs, removed, settings.model, settings.batch_size, calibrated=False)
    return docs, events


def judged(gold: list[dict], docs: list[dict], events: list[dict]) -> list[tuple[str, str, float, bool]]:
    """(document, event type, raw score, right) of every prediction the scorer judges."""
    from pipeline.evaluate import judged_right, match_events

    name_of = {d["doc_id"]: d["source_name"] for d in docs}
    outcomes, _ = match_events(gold, docs, events)
    out = []
    for row, outcome in zip(events, outcomes, strict=True):
        right = judged_right(outcome)
        if right is not None:
            out.append((name_of[row["doc_id"]], row["event_type"], float(row["confidence"]), right))
    return out


def measure(samples: list[tuple[str, str, float, bool]], table: dict | None) -> dict:
    """Reliability of the samples' raw score (table None) or of its calibration by `table`."""
    from pipeline.extract.calibration import calibrated_confidence, reliability

    pairs = [
        (raw if table is None else calibrated_confidence(raw, etype, table), right) for _, etype, raw, right in samples
    ]
    return reliability(pairs)


def cross_validated_brier(
    samples: list[tuple[str, str, float, bool]], docs: list[str], strengths: tuple[float, float]
) -> float:
    """Held-out Brier score (mean squared error of the calibrated value against right = 1) of
    fitting with `strengths`, the documents dealt into FOLDS folds in order."""
    from pipeline.extract.calibration import calibrated_confidence, fit_table

    pairs = []
    for f in range(FOLDS):
        held = set(docs[f::FOLDS])
        table = fit_table(((e, r, ok) for d, e, r, ok in samples if d not in held), *strengths)
        pairs += [(calibrated_confidence(r, e, table), ok) for d, e, r, ok in samples if d in held]
    return round(sum((p - ok) ** 2 for p, ok in pairs) / len(pairs), 5)


def fit_half(samples: list[tuple[str, str, float, bool]], docs: list[str]) -> tuple[dict, dict]:
    """The table fitted on these documents' samples with the strengths cross-validation picks, and
    the held-out Brier score of every strength tried."""
    from pipeline.extract.calibration import fit_table

    mine = [s for s in samples if s[0] in set(docs)]
    tried = {f"{t:g}/{k:g}": cross_validated_brier(mine, docs, (t, k)) for t, k in STRENGTHS}
    # lowest held-out Brier score; among equals the stronger shrinkage (later in STRENGTHS)
    best = min(reversed(STRENGTHS), key=lambda tk: tried[f"{tk[0]:g}/{tk[1]:g}"])
    table = fit_table(((e, r, ok) for _, e, r, ok in mine), *best)
    table["fitted_on"] = {
        "set": "development set, fit half (benchmarks/calibrate.py)",
        "documents": docs,
        "judged_events": len(mine),
        "strengths": {
            "type": best[0],
            "knot": best[1],
            "chosen_by": f"{FOLDS}-fold cross-validation by document, Brier score",
        },
    }
    return table, tried


def markdown_table(rel: dict) -> str:
    lines = ["| confidence bin | events | mean confidence | accuracy |", "|---|---|---|---|"]
    lines += [f"| {b['bin']} | {b['events']} | {b['mean_confidence']:.3f} | {b['accuracy']:.3f} |" for b in rel["bins"]]
    return "\n".join(lines)


def accuracy(samples: list[tuple[str, str, float, bool]]) -> float:
    return round(sum(right for *_, right in samples) / len(samples), 3) if samples else 0.0


def docs_block(result: dict) -> str:
    """The figures of docs/events.md's "Confidence calibration" section, from a result."""
    fitted, raw = result["report_half"]["fitted"], result["report_half"]["raw"]
    strengths = result["table"]["fitted_on"]["strengths"]
    n, acc = result["judged_events"], result["accuracy"]
    return f"""Report half ({n["report"]} judged predictions; fit half {n["fit"]}; shrinkage chosen: type
{strengths["type"]:g}, knot {strengths["knot"]:g} pseudo-events), calibrated: expected calibration error
**{fitted["ece"]}** (target <= {TARGET_ECE}; the raw score: {raw["ece"]}).

{markdown_table(fitted)}

Read with care: the fit half's predictions are right {acc["fit"]:.0%} of the time, the report
half's {acc["report"]:.0%}; a shift between documents that no curve fitted on the one half can
foresee, and most of the error. With the halves swapped (fit on the report half, measured on the
fit half) the ECE is {result["swapped"]["ece"]}: on 20 documents the figure moves by several points
with the documents chosen. The calibration says how often events of a type and raw score are
right on average, not how good one article's extraction is."""


def write_docs(block: str, path: Path = EVENTS_MD) -> None:
    """Replace the figures between the markers of docs/events.md."""
    text = path.read_text(encoding="utf-8")
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise RuntimeError(f"{path} lacks the calibration markers {DOCS_BEGIN!r} ... {DOCS_END!r}")
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    path.write_text(f"{head}{DOCS_BEGIN}\n{block}\n{DOCS_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--write",
        action="store_true",
        help="update pipeline/extract/rules/calibration.json and the figures in docs/events.md",
    )
    ap.add_argument("--out", default=str(RESULT), help=f"results file (default {RESULT.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    if not (GOLD.is_file() and DEV_ARTICLES.is_file()):
        print(
            f"development set not found ({GOLD}, {DEV_ARTICLES}): this benchmark needs ../shared (not part of a clone)"
        )
        return 0
    sys.path.insert(0, str(ROOT))
    from pipeline.evaluate import read_gold
    from pipeline.extract.calibration import CALIBRATION_FILE, load_calibration

    t0 = time.perf_counter()
    gold = read_gold(GOLD)
    with tempfile.TemporaryDirectory(prefix="newsevents-calibrate-") as tmp:
        subprocess.run([sys.executable, str(DEV_ARTICLES), tmp], check=True, capture_output=True)
        docs, events = extract_dev_set(Path(tmp))
    samples = judged(gold, docs, events)
    fit_docs, report_docs = split_documents(sorted({g["doc"] for g in gold}))
    report = [s for s in samples if s[0] in set(report_docs)]
    table, tried = fit_half(samples, fit_docs)
    swapped_table, _ = fit_half(samples, report_docs)
    result = {
        "split": {"by": "sha1 of the file name, lower half fits", "fit": fit_docs, "report": report_docs},
        "judged_events": {"fit": len(samples) - len(report), "report": len(report)},
        "accuracy": {"fit": accuracy([s for s in samples if s[0] in set(fit_docs)]), "report": accuracy(report)},
        "cross_validation_brier": tried,
        "report_half": {
            "raw": measure(report, None),
            "stored": measure(report, load_calibration(CALIBRATION_FILE)) if CALIBRATION_FILE.exists() else None,
            "fitted": measure(report, table),
        },
        "swapped": {
            "note": "fitted on the report half, measured on the fit half: the spread due to the documents",
            "ece": measure([s for s in samples if s[0] in set(fit_docs)], swapped_table)["ece"],
        },
        "target_ece": TARGET_ECE,
        "table": table,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        load_calibration.cache_clear()
        write_docs(docs_block(result))
    fitted = result["report_half"]["fitted"]
    counts = result["judged_events"]
    print(f"{len(docs)} documents, {len(samples)} judged predictions ({counts['fit']} fit, {counts['report']} report)")
    print(f"report half ECE: raw {result['report_half']['raw']['ece']}", end="")
    if result["report_half"]["stored"]:
        print(f", stored table {result['report_half']['stored']['ece']}", end="")
    print(f", fitted {fitted['ece']} (target <= {TARGET_ECE}); halves swapped {result['swapped']['ece']}")
    print(markdown_table(fitted))
    written = f", {CALIBRATION_FILE}, {EVENTS_MD}" if args.write else ""
    print(f"-> {args.out}{written} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
