"""The bare spaCy baseline, run as its own process so its peak RSS and wall time are its own.

Loads the same model package as the pipeline and runs `nlp.pipe` with default settings in one
process over the `text` field of a JSON Lines file: the floor no pipeline built on this model
can beat without skipping work. Prints one JSON line with its own timings.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def main(argv: list[str]) -> int:
    t0 = time.perf_counter()
    import spacy

    path, model = Path(argv[0]), argv[1]
    texts = read_texts(path)
    nlp = spacy.load(model)
    t_loaded = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts))
    t_done = time.perf_counter()
    print(
        json.dumps(
            {
                "docs": len(texts),
                "tokens": tokens,
                "import_and_load_seconds": round(t_loaded - t0, 3),
                "parse_seconds": round(t_done - t_loaded, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
