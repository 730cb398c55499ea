"""Score a warehouse against gold events with the shared scorer's rules (gold/score_events.py),
and explain the score case by case (`python -m pipeline evaluate GOLD WAREHOUSE --explain`).

The scorer is vendored unchanged from the shared material so that the number printed here is
the number the acceptance scorer prints. It returns totals only; the explanation needs to know
which prediction matched which gold line, so `match_events` replays the scorer's matching loop
with the scorer's own functions (`evidence_matches`, `CORE_TYPES`, its ranking of candidates) and
`argument_cases` its argument checks (`gold_countries`, `countries`, `date_matches`, `f1`).
`explain` then checks every total it derives against `score()` itself and fails loudly when they
differ, so a newer scorer can never make the explanation silently disagree with the score.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from pipeline.config import PROJECT_ROOT

SCORER = PROJECT_ROOT / "gold" / "score_events.py"

# what a prediction is to the scorer
MATCH, DUPLICATE, FALSE_POSITIVE = "match", "duplicate", "false_positive"
OTHER_TYPE, OUTSIDE_GOLD = "other_type", "outside_gold"
ARGUMENTS = ("parties_f1", "date", "location_country", "status", "amount")
ARGUMENT_TITLES = {
    "parties_f1": "Parties (country set of actor + participants)",
    "date": "Date (at the gold precision)",
    "location_country": "Location country",
    "status": "Status",
    "amount": "Amount",
}


@lru_cache(maxsize=1)
def load_scorer() -> ModuleType:
    """The vendored scorer as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("score_events", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_warehouse(warehouse: Path) -> tuple[list[dict], list[dict]]:
    """(documents, events) rows as the scorer reads them."""
    scorer = load_scorer()
    return scorer.read_table(str(warehouse), "documents"), scorer.read_table(str(warehouse), "events")


def evaluate(gold: Path, warehouse: Path) -> dict:
    """The scorer's report, unchanged."""
    docs, events = read_warehouse(warehouse)
    return load_scorer().score(read_gold(gold), docs, events)


# --- which prediction matched which gold line ---------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the scorer made of one predicted row: `kind` is one of the constants above; `gold_id`
    is the gold line it matched (for a duplicate: the already matched line it would have taken)."""

    kind: str
    gold_id: str | None = None


def match_events(gold: list[dict], docs: list[dict], events: list[dict]) -> tuple[list[Outcome], dict[str, dict]]:
    """One Outcome per event row (same order) and gold id -> matched row, by the scorer's loop.

    Mirrors `score()` line for line: rows of other types and of documents the gold does not cover
    are left out; candidates are the same document's gold lines of the row's type whose snippet
    lies in the evidence; the best is the first by (already matched, optional, amount differs)."""
    scorer = load_scorer()
    name_of = {d["doc_id"]: d["source_name"] for d in docs}
    gold_by_doc: dict[str, list[dict]] = {}
    for g in gold:
        gold_by_doc.setdefault(g["doc"], []).append(g)
    matched: dict[str, dict] = {}
    outcomes: list[Outcome] = []
    for row in events:
        if row["event_type"] not in scorer.CORE_TYPES:
            outcomes.append(Outcome(OTHER_TYPE))
            continue
        doc = name_of.get(row["doc_id"])
        if doc not in gold_by_doc:
            outcomes.append(Outcome(OUTSIDE_GOLD))
            continue
        cands = [
            g
            for g in gold_by_doc[doc]
            if row["event_type"] in g["types"] and scorer.evidence_matches(g, row.get("evidence_text"))
        ]
        if not cands:
            outcomes.append(Outcome(FALSE_POSITIVE))
            continue
        amount = row.get("amount_value")

        def rank(g: dict, amount=amount) -> tuple[bool, bool, bool]:
            amount_ok = (
                g["amount"] is not None
                and amount is not None
                and abs(g["amount"]["value"] - amount) <= 0.01 * g["amount"]["value"]
            )
            return (g["id"] in matched, not g["required"], not amount_ok)

        best = min(cands, key=rank)
        if best["id"] in matched:
            outcomes.append(Outcome(DUPLICATE, best["id"]))
            continue
        matched[best["id"]] = row
        outcomes.append(Outcome(MATCH, best["id"]))
    return outcomes, matched


def judged_right(outcome: Outcome) -> bool | None:
    """Whether a prediction is right (a match or a duplicate of one), wrong (a false positive), or
    not judged (a type the scorer ignores, a document the gold does not cover)."""
    if outcome.kind in (MATCH, DUPLICATE):
        return True
    if outcome.kind == FALSE_POSITIVE:
        return False
    return None


# --- argument cases -----------------------------------------------------------------------------


@dataclass
class ArgumentCase:
    """One scored argument of one matched gold event: its score (0..1; parties: the F1) and,
    when below 1, the kind of error."""

    argument: str
    gold_id: str
    event_type: str
    score: float
    kind: str | None
    predicted: object
    gold: object


def _amount_ok(row: dict, g: dict) -> bool:
    value = row.get("amount_value")
    return (
        value is not None
        and abs(value - g["amount"]["value"]) <= 0.01 * g["amount"]["value"]
        and row.get("amount_currency") == g["amount"]["currency"]
    )


def _parties_kind(pred: set[str], want: set[str]) -> str | None:
    if pred == want:
        return None
    if not pred:
        return "no country predicted"
    missing, extra = want - pred, pred - want
    if missing and extra:
        return "wrong countries (some missing, some extra)"
    return "gold country missing" if missing else "extra country"


def _date_kind(scorer: ModuleType, gold_date: str, row: dict, published: str | None) -> str | None:
    if scorer.date_matches(gold_date, row):
        return None
    if row.get("event_date") is None:
        where = "the publication day" if published and gold_date == published[: len(gold_date)] else "another date"
        return f"no date predicted (gold is {where})"
    order = ["year", "month", "day"]
    want = {4: "year", 7: "month", 10: "day"}[len(gold_date)]
    have = row.get("event_date_precision") or "day"
    if have in order and order.index(have) < order.index(want):
        return "coarser precision than the gold"
    return "different date"


def argument_cases(gold: list[dict], matched: dict[str, dict], published_of: dict[str, str]) -> list[ArgumentCase]:
    """Every argument the scorer scores on the matched gold events, with the same conditions.

    `published_of` maps a gold document to its publication date (ISO), to tell a missing date
    that should have been the day's news from any other."""
    scorer = load_scorer()
    cases: list[ArgumentCase] = []
    for g in gold:
        row = matched.get(g["id"])
        if row is None:
            continue
        etype = row["event_type"]
        gc = scorer.gold_countries(g)
        if gc:
            pc = scorer.countries(row)
            inter = len(gc & pc)
            value = scorer.f1(inter / len(pc) if pc else 0.0, inter / len(gc))
            cases.append(
                ArgumentCase("parties_f1", g["id"], etype, value, _parties_kind(pc, gc), sorted(pc), sorted(gc))
            )
        if g["date"]:
            ok = scorer.date_matches(g["date"], row)
            predicted = None
            if row.get("event_date") is not None:
                predicted = f"{row['event_date']} ({row.get('event_date_precision') or 'day'})"
            kind = _date_kind(scorer, g["date"], row, published_of.get(g["doc"]))
            cases.append(ArgumentCase("date", g["id"], etype, float(ok), kind, predicted, g["date"]))
        if g["amount"]:
            ok = _amount_ok(row, g)
            kind = None
            if not ok:
                kind = "no amount predicted" if row.get("amount_value") is None else "different value or currency"
            predicted = (
                None if row.get("amount_value") is None else f"{row['amount_value']:g} {row.get('amount_currency')}"
            )
            want = f"{g['amount']['value']:g} {g['amount']['currency']}"
            cases.append(ArgumentCase("amount", g["id"], etype, float(ok), kind, predicted, want))
        if g.get("status") in ("occurred", "planned"):
            ok = row.get("status") == g["status"]
            kind = None if ok else f"predicted {row.get('status') or 'nothing'}, gold {g['status']}"
            cases.append(ArgumentCase("status", g["id"], etype, float(ok), kind, row.get("status"), g["status"]))
        if g["location"] and g["location"].get("country"):
            ok = row.get("location_country") == g["location"]["country"]
            kind = None
            if not ok:
                kind = "no place predicted" if row.get("location_country") is None else "different country"
            predicted = None
            if row.get("location_name") or row.get("location_country"):
                predicted = f"{row.get('location_name')} ({row.get('location_country')})"
            want = f"{g['location'].get('name')} ({g['location']['country']})"
            cases.append(ArgumentCase("location_country", g["id"], etype, float(ok), kind, predicted, want))
    return cases


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Case:
    """One line of the report: a document, an event type, the evidence, what was predicted and
    what the gold says (`nearest`: for a miss, the closest prediction of the same document)."""

    doc: str
    event_type: str
    evidence: str
    predicted: object = None
    gold: object = None
    gold_id: str | None = None
    nearest: dict | None = None


@dataclass
class Kind:
    """A kind of error with its cases and how many fall on each event type."""

    kind: str
    count: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)


def group_by_kind(items: list[tuple[str, Case]]) -> list[Kind]:
    """(kind, case) pairs grouped by kind, the most frequent kind first (ties by name), counts
    per event type most frequent first, cases in document order."""
    kinds: dict[str, Kind] = {}
    for kind, case in items:
        k = kinds.setdefault(kind, Kind(kind))
        k.count += 1
        k.by_type[case.event_type] = k.by_type.get(case.event_type, 0) + 1
        k.cases.append(case)
    for k in kinds.values():
        k.by_type = dict(sorted(k.by_type.items(), key=lambda kv: (-kv[1], kv[0])))
        k.cases.sort(key=lambda c: (c.doc, c.gold_id or "", c.evidence))
    return sorted(kinds.values(), key=lambda k: (-k.count, k.kind))


def _row_summary(row: dict) -> dict:
    """What a reader needs of a prediction to compare it with the gold."""
    return {
        "event_type": row["event_type"],
        "evidence": row.get("evidence_text"),
        "actor": row.get("actor_name"),
        "countries": sorted(load_scorer().countries(row)),
        "date": None
        if row.get("event_date") is None
        else f"{row['event_date']} ({row.get('event_date_precision') or 'day'})",
        "location": None
        if not (row.get("location_name") or row.get("location_country"))
        else f"{row.get('location_name')} ({row.get('location_country')})",
        "status": row.get("status"),
    }


def _gold_summary(g: dict) -> dict:
    countries = sorted(load_scorer().gold_countries(g))
    location = g.get("location") or {}
    return {
        "types": g["types"],
        "actor": (g.get("actor") or {}).get("name"),
        "countries": countries,
        "date": g.get("date"),
        "location": f"{location.get('name')} ({location.get('country')})" if location else None,
        "status": g.get("status"),
    }


def _position(raw: str, snippet: str) -> int | None:
    """Where a gold snippet sits in the raw text (exact, else case-insensitive)."""
    at = raw.find(snippet)
    if at < 0:
        at = raw.lower().find(snippet.lower())
    return at if at >= 0 else None


def nearest_prediction(g: dict, rows: list[dict], raw: str) -> tuple[str, dict | None]:
    """The kind of a miss and the closest prediction of its document.

    A prediction whose evidence holds a gold snippet is in the same sentence: of another type it
    is a type error; of the same type it matched another gold line of that sentence. Otherwise the
    miss was not found, and the prediction nearest to its snippet in the raw text is shown."""
    scorer = load_scorer()
    core = [r for r in rows if r["event_type"] in scorer.CORE_TYPES]
    same = [r for r in core if scorer.evidence_matches(g, r.get("evidence_text"))]
    if same:
        other = [r for r in same if r["event_type"] not in g["types"]]
        if other:
            return "found with another type", other[0]
        return "its sentence's prediction matched another gold event", same[0]
    if not core:
        return "not found (no prediction in the document)", None
    at = _position(raw, g["evidence"][0])
    if at is None:
        return "not found (gold snippet not located in the raw text)", None
    end = at + len(g["evidence"][0])

    def gap(r: dict) -> tuple[int, int]:  # characters between the two spans, then text order
        return max(0, r["evidence_start"] - end, at - r["evidence_end"]), r["evidence_start"]

    return "not found (no prediction in its sentence)", min(core, key=gap)


def false_positive_kind(row: dict, gold_lines: list[dict]) -> tuple[str, list[str]]:
    """A false positive is a type error when a gold line of its sentence has another type; also
    the gold lines there ("id: types"), for the reader to compare."""
    scorer = load_scorer()
    here = [g for g in gold_lines if scorer.evidence_matches(g, row.get("evidence_text"))]
    if here:
        return "gold has another type in this sentence", [f"{g['id']}: {'/'.join(g['types'])}" for g in here]
    return "no gold event in this sentence", []


def explain_rows(gold: list[dict], docs: list[dict], events: list[dict]) -> dict:
    """The whole explanation as plain data (what `--json` writes; `render_markdown` prints it)."""
    scorer = load_scorer()
    report = scorer.score(gold, docs, events)
    outcomes, matched = match_events(gold, docs, events)
    name_of = {d["doc_id"]: d["source_name"] for d in docs}
    raw_of = {d["source_name"]: d.get("raw_text") or "" for d in docs}
    published_of = {d["source_name"]: str(d.get("published_date") or "")[:10] for d in docs}
    gold_of = {g["id"]: g for g in gold}
    gold_by_doc: dict[str, list[dict]] = {}
    for g in gold:
        gold_by_doc.setdefault(g["doc"], []).append(g)
    rows_by_doc: dict[str, list[dict]] = {}
    for row in events:
        rows_by_doc.setdefault(name_of.get(row["doc_id"]), []).append(row)

    cases = argument_cases(gold, matched, published_of)
    arguments = {}
    for arg in ARGUMENTS:
        mine = [c for c in cases if c.argument == arg]
        wrong = [c for c in mine if c.kind is not None]
        arguments[arg] = {
            "score": round(sum(c.score for c in mine) / len(mine), 3) if mine else None,
            "scored": len(mine),
            "wrong": len(wrong),
            "kinds": group_by_kind(
                [
                    (
                        c.kind,
                        Case(
                            gold_of[c.gold_id]["doc"],
                            c.event_type,
                            matched[c.gold_id].get("evidence_text") or "",
                            c.predicted,
                            c.gold,
                            c.gold_id,
                        ),
                    )
                    for c in wrong
                ]
            ),
        }
    false_positives = []
    for row, outcome in zip(events, outcomes, strict=True):
        if outcome.kind == FALSE_POSITIVE:
            doc = name_of[row["doc_id"]]
            kind, here = false_positive_kind(row, gold_by_doc[doc])
            case = Case(doc, row["event_type"], row.get("evidence_text") or "", _row_summary(row), here or None)
            false_positives.append((kind, case))
    misses = []
    for g in gold:
        if g["required"] and g["id"] not in matched:
            kind, near = nearest_prediction(g, rows_by_doc.get(g["doc"], []), raw_of.get(g["doc"], ""))
            case = Case(
                g["doc"],
                g["types"][0],
                " | ".join(g["evidence"]),
                None,
                _gold_summary(g),
                g["id"],
                _row_summary(near) if near else None,
            )
            misses.append((kind, case))
    counts = Counter(o.kind for o in outcomes)
    out = {
        "summary": {
            **{k: report[k] for k in ("precision", "recall", "f1", "arguments", "argument_counts")},
            "predicted": report["predicted"],
            "true_positive": counts[MATCH],
            "false_positive": counts[FALSE_POSITIVE],
            "duplicates": counts[DUPLICATE],
            "other_types_ignored": counts[OTHER_TYPE],
            "outside_gold_documents": counts[OUTSIDE_GOLD],
            "required_gold": report["required_gold"],
            "missed": len(misses),
        },
        "by_type": report["by_type"],
        "arguments": arguments,
        "false_positives": group_by_kind(false_positives),
        "misses": group_by_kind(misses),
    }
    check_against_scorer(out, report)
    return _plain(out)


def check_against_scorer(explained: dict, report: dict) -> None:
    """The explanation's totals must be the scorer's: counts, misses and every argument score."""
    s = explained["summary"]
    problems = [
        f"{key}: explained {s[key]} != scorer {report[key]}"
        for key in ("true_positive", "false_positive", "duplicates")
        if s[key] != report[key]
    ]
    if "other_types_ignored" in report and s["other_types_ignored"] != report["other_types_ignored"]:
        problems.append("other_types_ignored differs")
    if "outside_gold_documents" in report and s["outside_gold_documents"] != report["outside_gold_documents"]:
        problems.append("outside_gold_documents differs")
    if s["missed"] != len(report["missed"]):
        problems.append(f"missed: explained {s['missed']} != scorer {len(report['missed'])}")
    for arg, value in report["arguments"].items():
        mine = explained["arguments"].get(arg)
        if mine is None or mine["score"] != value or mine["scored"] != report["argument_counts"][arg]:
            problems.append(f"argument {arg}: explained {mine and (mine['score'], mine['scored'])} != scorer {value}")
    if problems:
        raise RuntimeError(
            "the explanation disagrees with gold/score_events.py (was the scorer updated? "
            "pipeline/evaluate.py replays its matching): " + "; ".join(problems)
        )


def _plain(value):
    """Dataclasses to dicts, recursively, for JSON."""
    if isinstance(value, Kind | Case):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def explain(gold: Path, warehouse: Path) -> dict:
    docs, events = read_warehouse(warehouse)
    return explain_rows(read_gold(gold), docs, events)


# --- Markdown -----------------------------------------------------------------------------------


def _md(value) -> str:
    """A value in one Markdown table-free line: lists joined, None as an em dash."""
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).replace("\n", " ")


def _types(by_type: dict[str, int]) -> str:
    return ", ".join(f"{t} {n}" for t, n in by_type.items())


def _kinds_md(kinds: list[dict], lines: list[str], describe) -> None:
    if not kinds:
        lines.append("None.\n")
        return
    lines.append("| kind | cases | by event type |\n|---|---|---|")
    lines.extend(f"| {k['kind']} | {k['count']} | {_types(k['by_type'])} |" for k in kinds)
    lines.append("")
    for k in kinds:
        lines.append(f"#### {k['kind']} ({k['count']})\n")
        for c in k["cases"]:
            lines.extend(describe(c))
        lines.append("")


def _argument_case_md(c: dict) -> list[str]:
    return [
        f"- **{c['doc']}** · {c['event_type']} · `{c['gold_id']}`: predicted {_md(c['predicted'])}; gold {_md(c['gold'])}",
        f"  > {_md(c['evidence'])}",
    ]


def _event_md(label: str, e: dict | None) -> str:
    if e is None:
        return f"{label}: —"
    head = e["event_type"] if "event_type" in e else "/".join(e["types"])
    return (
        f"{label}: {head}; actor {_md(e['actor'])}; countries {_md(e['countries'])}; date {_md(e['date'])}; "
        f"place {_md(e['location'])}; status {_md(e['status'])}"
    )


def _false_positive_md(c: dict) -> list[str]:
    gold = f"; gold here: {_md(c['gold'])}" if c["gold"] else ""
    return [
        f"- **{c['doc']}** · {c['event_type']}: {_event_md('predicted', c['predicted'])}{gold}",
        f"  > {_md(c['evidence'])}",
    ]


def _miss_md(c: dict) -> list[str]:
    lines = [f"- **{c['doc']}** · {c['event_type']} · `{c['gold_id']}`: {_event_md('gold', c['gold'])}"]
    lines.append(f"  > gold evidence: {_md(c['evidence'])}")
    if c["nearest"]:
        lines.append(f"  - {_event_md('nearest prediction', c['nearest'])}")
        lines.append(f"    > {_md(c['nearest']['evidence'])}")
    return lines


def render_markdown(report: dict, title: str = "Extraction error report") -> str:
    """The explanation as Markdown: totals, then one section per argument, false positives, misses."""
    s = report["summary"]
    lines = [f"# {title}\n"]
    lines.append(
        f"Precision {s['precision']}, recall {s['recall']}, F1 {s['f1']}: {s['true_positive']} matched, "
        f"{s['false_positive']} false positives, {s['duplicates']} duplicates (not counted), "
        f"{s['missed']} of {s['required_gold']} required gold events missed; "
        f"{s['other_types_ignored']} rows of other types and {s['outside_gold_documents']} rows of documents "
        "the gold does not cover left out. Numbers are the shared scorer's (gold/score_events.py).\n"
    )
    lines.append("| event type | gold | recall | predicted | precision |\n|---|---|---|---|---|")
    for t, v in report["by_type"].items():
        lines.append(f"| {t} | {v['gold']} | {_md(v['recall'])} | {v['predicted']} | {_md(v['precision'])} |")
    lines.append("")
    lines.append("| argument | score | scored | wrong |\n|---|---|---|---|")
    for arg, a in report["arguments"].items():
        lines.append(f"| {arg} | {_md(a['score'])} | {a['scored']} | {a['wrong']} |")
    lines.append("")
    for arg, a in report["arguments"].items():
        lines.append(f"## {ARGUMENT_TITLES[arg]}: {a['wrong']} of {a['scored']} wrong\n")
        _kinds_md(a["kinds"], lines, _argument_case_md)
    lines.append(f"## False positives: {s['false_positive']}\n")
    _kinds_md(report["false_positives"], lines, _false_positive_md)
    lines.append(f"## Missed required events: {s['missed']}\n")
    _kinds_md(report["misses"], lines, _miss_md)
    return "\n".join(lines).rstrip() + "\n"
