"""``oai_dc`` records (OAI-PMH 2.0 §6.2 and oai_dc.xsd) built from a row's columns.

Only the fifteen Dublin Core elements are written, so that each record is valid against
``oai_dc.xsd``. The bounding box is a DCMI Box in ``dc:coverage`` (a box crossing the
antimeridian keeps west > east) and the temporal extent a DCMI Period; DOIs are written as
``https://doi.org/`` identifiers after the record's own identifier.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError

from odatis_csw.engine.antimeridian import Box, crossing_box

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
NSMAP = {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}
#: Columns holding several values joined with commas by the engine.
LISTS = ("keywords", "format")


def render(row: Any, dois: Iterable[str] = ()) -> etree._Element:
    """The ``oai_dc:dc`` element of one records-table row."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap=NSMAP)
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {SCHEMA}")
    add = _adder(root)
    add("title", row.title)
    add("creator", row.creator)
    for keyword in split_list(row.keywords):
        add("subject", keyword)
    for topic in split_list(row.topicategory):
        add("subject", topic)
    add("description", row.abstract)
    add("publisher", row.publisher)
    add("contributor", row.contributor)
    add("date", row.date_publication or row.date or row.date_creation)
    add("type", row.type)
    for name in split_list(row.format):
        add("format", name)
    add("identifier", row.identifier)
    for doi in dois:
        add("identifier", f"https://doi.org/{doi}")
    add("source", row.source)
    add("language", row.language)
    add("relation", row.parentidentifier)
    add("relation", row.relation)
    box = box_of(row.wkt_geometry)
    if box is not None:
        west, south, east, north = box
        add("coverage", f"northlimit={north:g}; southlimit={south:g}; eastlimit={east:g}; westlimit={west:g}")
    if row.time_begin or row.time_end:
        period = "; ".join(
            f"{key}={value}" for key, value in (("start", row.time_begin), ("end", row.time_end)) if value
        )
        add("coverage", f"{period}; scheme=W3C-DTF")
    for rights in (row.accessconstraints, row.otherconstraints, row.conditionapplyingtoaccessanduse):
        add("rights", rights)
    return root


def _adder(root: etree._Element) -> Any:
    seen: set[tuple[str, str]] = set()

    def add(name: str, value: Any) -> None:
        text = str(value).strip() if value is not None else ""
        if text and (name, text) not in seen:
            seen.add((name, text))
            etree.SubElement(root, f"{{{DC}}}{name}").text = text

    return add


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def box_of(wkt: str | None) -> Box | None:
    """(west, south, east, north) of the stored geometry."""
    crossing = crossing_box(wkt)
    if crossing is not None or not wkt:
        return crossing
    try:
        west, south, east, north = shapely_wkt.loads(wkt).bounds
    except (ShapelyError, ValueError):
        return None
    box = float(west), float(south), float(east), float(north)
    return None if any(value != value for value in box) else box  # an empty geometry: NaN bounds
