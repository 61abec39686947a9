"""ISO 19139 ``gmd:EX_Extent`` of an :class:`~odatis_csw.model.record.Extent`.

Boxes as ``EX_GeographicBoundingBox`` (a record with WGS 84 polygons and no box at all gets each
polygon's envelope, the box discovery clients search, unless it spans more than 180° of longitude:
it may cross the antimeridian, and is not guessed); polygons as ``EX_BoundingPolygon``
holding a GML 3.2 ``gml:Polygon`` (the GML the 2007 gmd schemas import) with a document-unique ``gml:id``. The
model keeps polygon rings as (lon, lat): a ring whose CRS is absent or WGS 84 (EPSG:4326, CRS84)
is written with ``srsName`` CRS84, whose axis order is lon/lat, so no axis is swapped; a ring in
another CRS keeps its CRS name and coordinates as they are. Place names are
``EX_GeographicDescription`` identifiers; periods are ``gml:TimePeriod`` with
``indeterminatePosition`` for open or unknown ends, instants ``gml:TimeInstant``; vertical
extents ``EX_VerticalExtent`` with the CRS as an ``xlink:href`` (a URI) or ``xlink:title``.
"""

from __future__ import annotations

import re

from lxml import etree

from odatis_csw.model.iso19139_xml import CRS84, Doc, date_value, decimal, nil, number, string, sub, uri
from odatis_csw.model.record import BoundingBox, Extent, Polygon, TemporalExtent, VerticalExtent

_WGS84 = re.compile(r"(^|[^0-9])4326$|CRS:?84$|WGS ?84", re.IGNORECASE)


def extent(
    parent: etree._Element, tag: str, found: Extent, doc: Doc, envelopes: bool = False
) -> etree._Element:
    """One ``EX_Extent``; with ``envelopes`` (a record with no box at all), its polygons' boxes too."""
    prop = sub(parent, tag)
    node = sub(prop, "gmd:EX_Extent")
    if found.description:
        string(node, "gmd:description", found.description)
    derived = [envelope(polygon) for polygon in found.polygons if envelopes and _enveloped(polygon)]
    for box in found.boxes or [box for box in derived if box is not None]:
        _box(sub(node, "gmd:geographicElement"), box)
    for polygon in found.polygons:
        _polygon(sub(node, "gmd:geographicElement"), polygon, doc)
    for name in found.geographic_identifiers:
        description = sub(sub(node, "gmd:geographicElement"), "gmd:EX_GeographicDescription")
        identifier = sub(sub(description, "gmd:geographicIdentifier"), "gmd:MD_Identifier")
        string(identifier, "gmd:code", name, doc)
    for period in found.temporal:
        temporal = sub(sub(node, "gmd:temporalElement"), "gmd:EX_TemporalExtent")
        _time(sub(temporal, "gmd:extent"), period, doc)
    for vertical in found.vertical:
        _vertical(sub(node, "gmd:verticalElement"), vertical)
    return prop


def envelope(polygon: Polygon) -> BoundingBox | None:
    """The box around a WGS 84 polygon, for clients that search boxes; None when it would be wrong."""
    longitudes = [lon for lon, _ in polygon.exterior]
    latitudes = [lat for _, lat in polygon.exterior]
    if max(longitudes) - min(longitudes) > 180:  # maybe across the antimeridian: not guessed
        return None
    return BoundingBox(min(longitudes), max(longitudes), min(latitudes), max(latitudes))


def _enveloped(polygon: Polygon) -> bool:
    return bool(polygon.exterior) and (not polygon.crs or bool(_WGS84.search(polygon.crs)))


def _box(prop: etree._Element, box: BoundingBox) -> None:
    node = sub(prop, "gmd:EX_GeographicBoundingBox")
    number(node, "gmd:westBoundLongitude", box.west)
    number(node, "gmd:eastBoundLongitude", box.east)
    number(node, "gmd:southBoundLatitude", box.south)
    number(node, "gmd:northBoundLatitude", box.north)


def _polygon(prop: etree._Element, polygon: Polygon, doc: Doc) -> None:
    node = sub(sub(prop, "gmd:EX_BoundingPolygon"), "gmd:polygon")
    wgs84 = polygon.crs is None or bool(_WGS84.search(polygon.crs.strip()))
    srs = CRS84 if wgs84 else (polygon.crs or CRS84)
    gml_polygon = sub(node, "gml:Polygon", gml_id=doc.gml_id("polygon-"), srsName=srs)
    ring = sub(sub(gml_polygon, "gml:exterior"), "gml:LinearRing")
    positions = sub(ring, "gml:posList", srsDimension="2")
    positions.text = " ".join(f"{decimal(x)} {decimal(y)}" for x, y in polygon.exterior)


def _position(parent: etree._Element, tag: str, value: str | None, indeterminate: str | None) -> None:
    position = sub(parent, tag)
    if value:
        found = date_value(value)
        position.text = found[1] if found else value
    if indeterminate:
        position.set("indeterminatePosition", indeterminate)
    elif not value:
        position.set("indeterminatePosition", "unknown")


def _time(prop: etree._Element, period: TemporalExtent, doc: Doc) -> None:
    instant = period.end in (None, period.begin) and not (
        period.begin_indeterminate or period.end_indeterminate
    )
    if instant and period.begin:
        node = sub(prop, "gml:TimeInstant", gml_id=doc.gml_id("instant-"))
        _position(node, "gml:timePosition", period.begin, None)
        return
    node = sub(prop, "gml:TimePeriod", gml_id=doc.gml_id("period-"))
    _position(node, "gml:beginPosition", period.begin, period.begin_indeterminate)
    _position(node, "gml:endPosition", period.end, period.end_indeterminate)


def _vertical(prop: etree._Element, vertical: VerticalExtent) -> None:
    node = sub(prop, "gmd:EX_VerticalExtent")
    number(node, "gmd:minimumValue", vertical.minimum, "Real")
    number(node, "gmd:maximumValue", vertical.maximum, "Real")
    crs = (vertical.crs or "").strip()
    if not crs:
        nil(node, "gmd:verticalCRS")
    elif re.match(r"^(https?|urn):", crs, re.IGNORECASE):
        sub(node, "gmd:verticalCRS", xlink_href=uri(crs))
    else:
        sub(node, "gmd:verticalCRS", xlink_title=crs)
