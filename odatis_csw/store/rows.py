"""Repairs applied to every pycsw row before it is stored (engine defects neutralised here)."""

from __future__ import annotations

import re
from typing import Any

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_PAIR = rf"{_NUMBER} {_NUMBER}"
#: The polygon pycsw builds from a west,south,east,north box (core/util.py bbox2wktpolygon).
_BOX_POLYGON = re.compile(rf"^POLYGON\(\({_PAIR}, {_PAIR}, {_PAIR}, {_PAIR}, {_PAIR}\)\)$")


def antimeridian_box(west: float, south: float, east: float, north: float) -> str:
    """WKT of a box crossing the antimeridian, as two polygons split at ±180."""
    return (
        "MULTIPOLYGON("
        f"(({west} {south}, {west} {north}, 180 {north}, 180 {south}, {west} {south})),"
        f"((-180 {south}, -180 {north}, {east} {north}, {east} {south}, -180 {south})))"
    )


def split_antimeridian(wkt: str | None) -> str | None:
    """Rewrite a box polygon whose west edge lies east of its east edge.

    The engine keeps such a box as the polygon between its edges, i.e. its complement
    on the globe; the box the record means crosses the antimeridian.
    """
    if not wkt:
        return wkt
    match = _BOX_POLYGON.match(wkt)
    if not match:
        return wkt
    west, south, _, north, east, _, _, _, _, _ = (float(value) for value in match.groups())
    if west <= east:
        return wkt
    return antimeridian_box(west, south, east, north)


def normalise_row(row: Any) -> Any:
    """Apply every row repair in place and return the row."""
    row.wkt_geometry = split_antimeridian(row.wkt_geometry)
    return row
