"""Offsets between the cleaned text and the raw text.

Cleaning only ever deletes spans of the raw text, so the cleaned text is the raw text minus
a sorted set of removed spans; mapping a cleaned offset back is a walk over those spans.
That keeps every evidence sentence traceable to the raw file with no stored map.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping, non-empty spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def apply_removals(raw: str, spans: Iterable[tuple[int, int]]) -> str:
    """The raw text with the spans deleted."""
    out, pos = [], 0
    for start, end in merge_spans(spans):
        out.append(raw[pos:start])
        pos = end
    out.append(raw[pos:])
    return "".join(out)


def blank_spans(raw: str, spans: Iterable[tuple[int, int]]) -> str:
    """The raw text with the spans' characters turned into spaces (line breaks kept): same length,
    same offsets, so rules that read the rest of the text report offsets into `raw` itself."""
    out, pos = [], 0
    for start, end in merge_spans(spans):
        out.append(raw[pos:start])
        out.append("".join("\n" if ch == "\n" else " " for ch in raw[start:end]))
        pos = end
    out.append(raw[pos:])
    return "".join(out)


class OffsetMap:
    """Maps offsets of `apply_removals(raw, spans)` back to offsets in `raw`."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        self._spans = merge_spans(spans)
        # clean offset at which each removed span sits, and the raw shift after it
        self._clean_at: list[int] = []
        self._shift: list[int] = []
        removed = 0
        for start, end in self._spans:
            self._clean_at.append(start - removed)
            removed += end - start
            self._shift.append(removed)

    def to_raw(self, clean_offset: int, *, is_end: bool = False) -> int:
        """Raw offset of a cleaned offset. An end offset stays before a removed span that
        follows it, a start offset moves past a removed span at the same point."""
        idx = (bisect.bisect_left if is_end else bisect.bisect_right)(self._clean_at, clean_offset)
        return clean_offset + (self._shift[idx - 1] if idx else 0)

    def span_to_raw(self, start: int, end: int) -> tuple[int, int]:
        return self.to_raw(start), self.to_raw(end, is_end=True)
