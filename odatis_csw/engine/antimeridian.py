"""Boxes that cross the antimeridian (west > east), in queries and in answers.

Records are stored split at ±180 (see :mod:`odatis_csw.store.rows`). This module
splits query boxes the same way (OGC filter ``BBOX``, CSW 3.0/OpenSearch and OGC API
``bbox=``) and writes the crossing box back into answers, where the engine would show
the world-wide envelope of the two halves.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pycsw.ogc.gml import gml3, gml32
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError

from odatis_csw.safexml import safe_parser

Box = tuple[float, float, float, float]

#: Filter BBOX element → (its Or element, its GML namespace, pycsw's GML reader).
_FILTER_BOXES = {
    "{http://www.opengis.net/ogc}BBOX": (
        "{http://www.opengis.net/ogc}Or",
        "http://www.opengis.net/gml",
        gml3,
    ),
    "{http://www.opengis.net/fes/2.0}BBOX": (
        "{http://www.opengis.net/fes/2.0}Or",
        "http://www.opengis.net/gml/3.2",
        gml32,
    ),
}
DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"
GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
OWS_BOXES = ("{http://www.opengis.net/ows}BoundingBox", "{http://www.opengis.net/ows/2.0}BoundingBox")


def crossing_box(wkt: str | None) -> Box | None:
    """(west, south, east, north) of a stored box split at ±180, else None."""
    if not wkt or not wkt.startswith("MULTIPOLYGON"):
        return None
    try:
        parts = list(shapely_wkt.loads(wkt).geoms)
    except ShapelyError:
        return None
    east = [part for part in parts if part.bounds[2] == 180]
    west = [part for part in parts if part.bounds[0] == -180]
    if len(parts) != 2 or not east or not west:
        return None
    south = min(part.bounds[1] for part in parts)
    north = max(part.bounds[3] for part in parts)
    return east[0].bounds[0], south, west[0].bounds[2], north


def _box_of_filter(element: etree._Element, nsmap: dict[str, str], reader: Any) -> Box:
    ring = list(shapely_wkt.loads(reader.Geometry(element, nsmap).wkt).exterior.coords)
    (west, south), (_, north), (east, _) = ring[0], ring[1], ring[2]
    return west, south, east, north


def split_filter_boxes(root: etree._Element, nsmap: dict[str, str]) -> bool:
    """Replace every filter BBOX crossing the antimeridian by an Or of its two halves."""
    changed = False
    for element in [el for el in root.iter() if el.tag in _FILTER_BOXES]:
        or_tag, gml_ns, reader = _FILTER_BOXES[element.tag]
        west, _, east, _ = _box_of_filter(element, nsmap, reader)
        if west <= east:
            continue
        lower = element.find(f".//{{{gml_ns}}}lowerCorner")
        upper = element.find(f".//{{{gml_ns}}}upperCorner")
        lower_values, upper_values = lower.text.split(), upper.text.split()
        axis = 0 if float(lower_values[0]) == west and float(upper_values[0]) == east else 1
        either = etree.Element(or_tag)
        for low, high in ((west, 180.0), (-180.0, east)):
            half = etree.fromstring(etree.tostring(element), safe_parser())
            half_lower = half.find(f".//{{{gml_ns}}}lowerCorner")
            half_upper = half.find(f".//{{{gml_ns}}}upperCorner")
            new_lower, new_upper = list(lower_values), list(upper_values)
            new_lower[axis], new_upper[axis] = str(low), str(high)
            half_lower.text, half_upper.text = " ".join(new_lower), " ".join(new_upper)
            either.append(half)
        element.getparent().replace(element, either)
        changed = True
    return changed


def crossing_bbox_param(value: str) -> Box | None:
    """The box of a ``bbox=w,s,e,n`` parameter when it crosses the antimeridian."""
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError:
        return None
    return (west, south, east, north) if west > east else None


def cql_for_crossing_box(box: Box) -> str:
    west, south, east, north = box
    return f"BBOX(geometry,{west},{south},180,{north}) OR BBOX(geometry,-180,{south},{east},{north})"


def record_identifiers(response: etree._Element) -> list[tuple[str, etree._Element]]:
    """(identifier, element) of each record in a CSW answer, csw:Record or gmd."""
    found = []
    for element in response.iter():
        if not isinstance(element.tag, str):
            continue
        identifier = element.find(DC_IDENTIFIER)
        if identifier is None:
            identifier = element.find(f"{{{GMD}}}fileIdentifier/{{{GCO}}}CharacterString")
        if identifier is not None and identifier.text:
            found.append((identifier.text, element))
    return found


def fix_record_boxes(record: etree._Element, box: Box) -> None:
    """Write a crossing box into a record of a CSW answer, replacing the -180..180 envelope."""
    west, south, east, north = box
    for tag in OWS_BOXES:
        for bounding_box in record.iter(tag):  # EPSG:4326 corners are latitude longitude
            bounding_box[0].text, bounding_box[1].text = f"{south} {west}", f"{north} {east}"
    for extent in record.iter(f"{{{GMD}}}EX_GeographicBoundingBox"):
        values = {child.tag.split("}")[1]: child[0] for child in extent if len(child)}
        west_el, east_el = values.get("westBoundLongitude"), values.get("eastBoundLongitude")
        if west_el is None or east_el is None:
            continue
        if float(west_el.text or 0) == -180 and float(east_el.text or 0) == 180:
            west_el.text, east_el.text = str(west), str(east)
