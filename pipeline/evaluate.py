"""Score a warehouse against gold events with the shared scorer's rules (gold/score_events.py).

The scorer is vendored unchanged from the shared material so that the number printed here is
the number the acceptance scorer prints.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from pipeline.config import PROJECT_ROOT

SCORER = PROJECT_ROOT / "gold" / "score_events.py"


def _scorer():
    spec = importlib.util.spec_from_file_location("score_events", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def evaluate(gold: Path, warehouse: Path) -> dict:
    scorer = _scorer()
    records = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return scorer.score(
        records,
        scorer.read_table(str(warehouse), "documents"),
        scorer.read_table(str(warehouse), "events"),
    )
