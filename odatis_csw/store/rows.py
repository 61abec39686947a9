"""Repairs applied to every pycsw row before it is stored (engine defects neutralised here)."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree
from shapely.geometry import box as shapely_box
from shapely.ops import unary_union

from odatis_csw.model.record import Record

#: Boxes of a record's first identification, ISO 19139 or 19115-3 alike (matched by local name).
_BOXES = (
    "*[local-name()='identificationInfo'][1]/*/*[local-name()='extent']"
    "//*[local-name()='EX_GeographicBoundingBox']"
)
_BOUNDS = ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")

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


def complete_from_model(
    row: Any, source: etree._Element, served: etree._Element, record: Record | None
) -> None:
    """Give the row what the engine's parser misses and the record holds.

    The engine indexes the first box of the first extent only, and no time for some records. The
    row is indexed by every box of the record's first identification (the publisher's; the served
    document's for dialects without one), as their union, or their envelope when one is a point or
    a line; boxes crossing the antimeridian keep the engine's split form. An empty time range takes
    the earliest begin and latest end of the normalised record's temporal extents.
    """
    boxes = _first_identification_boxes(source) or _first_identification_boxes(served)
    if boxes and all(west <= east for west, _, east, _ in boxes) and (len(boxes) > 1 or not row.wkt_geometry):
        shapes = [shapely_box(*box) for box in boxes]
        union = unary_union(shapes) if all(shape.area > 0 for shape in shapes) else None
        if union is None or union.geom_type not in ("Polygon", "MultiPolygon"):
            west, south, east, north = zip(*boxes, strict=True)
            union = shapely_box(min(west), min(south), max(east), max(north))  # may be a point's box
        row.wkt_geometry = union.wkt
    if record is None:
        return
    themes = themes_of(record)
    if themes:
        row.themes = themes
    begins = sorted(p.begin for p in record.temporal_extents if p.begin)
    ends = sorted(p.end for p in record.temporal_extents if p.end)
    if not row.time_begin and begins:
        row.time_begin = begins[0]
    if not row.time_end and ends:
        row.time_end = ends[-1]


def _first_identification_boxes(document: etree._Element) -> list[tuple[float, float, float, float]]:
    """(west, south, east, north) of each valid box of the first identification, in order."""
    found = []
    for node in document.xpath(_BOXES):
        values = [node.findtext(f"{{*}}{name}/{{*}}Decimal") for name in _BOUNDS]
        try:
            west, east, south, north = (float(value) for value in values)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return []  # an unreadable bound: leave the engine's geometry alone
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
            return []
        found.append((west, south, east, north))
    return found


def themes_of(record: Record) -> str | None:
    """The ``themes`` column: each keyword group with its thesaurus, and each keyword's concept URI.

    The engine's own value keeps no keyword anchor; this one keeps the engine's shape (``thesaurus``
    title/url, ``keywords`` names) and adds ``url`` to each keyword that has a concept URI.
    """
    groups = []
    for group in record.keywords:
        if group.thesaurus is None or not group.thesaurus.value:
            continue
        keywords = [
            {"name": keyword.text.value, **({"url": keyword.text.anchor} if keyword.text.anchor else {})}
            for keyword in group.keywords
            if keyword.text.value
        ]
        if keywords:
            thesaurus = {"title": group.thesaurus.value, "url": group.thesaurus.anchor}
            groups.append({"thesaurus": thesaurus, "keywords": keywords})
    return json.dumps(groups, ensure_ascii=False) if groups else None
