"""GML inside ISO extents: time periods and instants, polygons, vertical CRSs (GML 3.1 and 3.2).

Shared by the ISO 19139 and ISO 19115-3 readers; paths use the ``{*}`` namespace wildcard so
that both GML generations (and records mixing them) read the same.
"""

from __future__ import annotations

import re

from lxml import etree

from odatis_csw.model.readers.isotext import clean, elements, href, local
from odatis_csw.model.record import Polygon, TemporalExtent

#: srsName forms that declare EPSG:4326 with its authority axis order (latitude first).
_LAT_LON = re.compile(
    r"^(urn:(x-)?ogc:def:crs:EPSG:[0-9.]*:4326|https?://www\.opengis\.net/def/crs/EPSG/0/4326)$", re.I
)
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _position(el: etree._Element | None) -> tuple[str | None, str | None]:
    """A time position's value and indeterminate position, as written."""
    if el is None:
        return None, None
    value = clean(el.text) or clean(el.findtext("{*}timePosition"))
    indeterminate = clean(el.get("indeterminatePosition"))
    if indeterminate is None:
        nested = el.find("{*}timePosition")
        indeterminate = None if nested is None else clean(nested.get("indeterminatePosition"))
    return value, indeterminate


def _edge(period: etree._Element, edge: str) -> tuple[str | None, str | None]:
    """``beginPosition`` / ``begin/TimeInstant/timePosition`` (and ``end``) of a period."""
    value, indeterminate = _position(period.find(f"{{*}}{edge}Position"))
    if value is None and indeterminate is None:
        value, indeterminate = _position(period.find(f"{{*}}{edge}/{{*}}TimeInstant/{{*}}timePosition"))
    return value, indeterminate


def temporal(gml_time: etree._Element) -> TemporalExtent | None:
    """A ``TimePeriod`` or ``TimeInstant``; None when it holds no position at all."""
    kind = local(gml_time)
    if kind == "TimeInstant":
        value, indeterminate = _position(gml_time.find("{*}timePosition"))
        if value is None and indeterminate is None:
            return None
        return TemporalExtent(value, value, indeterminate, indeterminate)
    if kind != "TimePeriod":
        return None
    begin, begin_indeterminate = _edge(gml_time, "begin")
    end, end_indeterminate = _edge(gml_time, "end")
    if begin is None and end is None and begin_indeterminate is None and end_indeterminate is None:
        return None
    return TemporalExtent(begin, end, begin_indeterminate, end_indeterminate)


def temporal_extents(temporal_extent: etree._Element) -> list[TemporalExtent]:
    """Every period or instant of an ``EX_TemporalExtent`` (or a profile's class)."""
    found = []
    for gml_time in temporal_extent.iterfind("{*}extent/*"):
        period = temporal(gml_time)
        if period is not None:
            found.append(period)
    return found


def _coordinates(ring: etree._Element) -> list[float] | None:
    """The numbers of a ring: ``posList``, ``pos`` elements or GML 2 ``coordinates``."""
    pos_list = ring.find("{*}posList")
    if pos_list is not None:
        words = (pos_list.text or "").split()
    elif ring.find("{*}pos") is not None:
        words = [word for pos in ring.iterfind("{*}pos") for word in (pos.text or "").split()[:2]]
    elif ring.find("{*}coordinates") is not None:
        words = re.split(r"[\s,]+", (ring.findtext("{*}coordinates") or "").strip())
    else:
        return None
    if not words or not all(_NUMBER.match(word) for word in words):
        return None
    return [float(word) for word in words]


def _srs(el: etree._Element) -> str | None:
    for ancestor in (el, *el.iterancestors()):
        name = clean(ancestor.get("srsName"))
        if name:
            return name
        if local(ancestor) in ("polygon", "EX_BoundingPolygon"):
            break
    return None


def _latitude_first(pairs: list[tuple[float, float]], crs: str | None) -> bool:
    """Whether a ring in an EPSG:4326 CRS is written latitude first.

    The values settle it when one axis leaves ±90 (AODN writes ``EPSG:4326`` latitude first);
    otherwise the URN and URI forms follow the authority's order and ``EPSG:4326`` is read as
    longitude first, as most publishers mean it.
    """
    if not crs or not crs.rstrip("/").endswith("4326"):
        return False
    if any(abs(first) > 90 for first, _ in pairs):
        return False
    if any(abs(second) > 90 for _, second in pairs):
        return True
    return bool(_LAT_LON.match(crs))


def _ring(ring: etree._Element) -> Polygon | None:
    numbers = _coordinates(ring)
    pos_list = ring.find("{*}posList")
    written = (pos_list.get("srsDimension") or "2").strip() if pos_list is not None else "2"
    dimension = int(written) if written.isdigit() else 2
    if numbers is None or dimension < 2 or len(numbers) % dimension or len(numbers) < 3 * dimension:
        return None
    crs = _srs(ring)
    pairs = [(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), dimension)]
    if _latitude_first(pairs, crs):
        pairs = [(lon, lat) for lat, lon in pairs]
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return Polygon(pairs, crs)


def polygons(bounding_polygon: etree._Element) -> list[Polygon]:
    """The exterior rings of every GML polygon (also inside multi-surfaces) of an EX_BoundingPolygon.

    Coordinates are returned as ``(lon, lat)``: swapped when an EPSG:4326 ring is written latitude
    first (see :func:`_latitude_first`), kept as written otherwise (``CRS:84``, projected CRSs,
    whose name stays in ``crs``).
    """
    found = []
    for ring in bounding_polygon.iterfind(".//{*}exterior/{*}LinearRing"):
        polygon = _ring(ring)
        if polygon is not None:
            found.append(polygon)
    for ring in bounding_polygon.iterfind(".//{*}outerBoundaryIs/{*}LinearRing"):  # GML 2
        polygon = _ring(ring)
        if polygon is not None:
            found.append(polygon)
    return found


def vertical_crs(vertical_extent: etree._Element) -> str | None:
    """The vertical CRS of an ``EX_VerticalExtent``: a link, a GML CRS's identifier or name, a code."""
    for prop in vertical_extent.iterfind("{*}verticalCRS"):
        link = href(prop)
        if link:
            return link
        for path in (".//{*}identifier", ".//{*}name", ".//{*}verticalDatum//{*}name"):
            found = prop.find(path)
            if found is not None and clean(found.text):
                return clean(found.text)
        crs = next(iter(elements(prop)), None)
        if crs is not None and clean(crs.get("srsName")):
            return clean(crs.get("srsName"))
    for prop in vertical_extent.iterfind("{*}verticalCRSId"):
        link = href(prop)
        if link:
            return link
        found = prop.find(".//{*}code")
        if found is not None:
            value = "".join(found.itertext()).strip() or href(next(iter(elements(found)), None))
            if value:
                return value
    return None
