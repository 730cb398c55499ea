"""Coordinates of each event's place, added to the extracted rows after the rules have run.

A post-step rather than part of the rules: where an event happened is decided by the rules
(location_name, location_country); turning that place into a point is a lookup in the GeoNames
data the gazetteer ships (pipeline/gazetteer.py, `Gazetteer.coordinates`), the same for every row.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.gazetteer import coordinates

Locate = Callable[[str | None, str | None], tuple[float, float] | None]


def with_coordinates(events: list[dict], locate: Locate = coordinates) -> list[dict]:
    """Copies of the event rows with `location_lat` and `location_lon` (None when the place has no point)."""
    out = []
    for event in events:
        point = locate(event.get("location_name"), event.get("location_country"))
        lat, lon = point if point else (None, None)
        out.append({**event, "location_lat": lat, "location_lon": lon})
    return out
