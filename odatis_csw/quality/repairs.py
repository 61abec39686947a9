"""Conservative repairs of ISO 19139 / 19115-2 records, each one traced.

:func:`repair` changes an lxml tree **in place** and returns what it did, or noticed, as
:class:`Repair` records; :func:`repaired` does the same on a deep copy and leaves its argument alone.
Only what is unambiguous is changed; everything else is left as found and reported, so that a
record's trace says both what was changed and what is known to be wrong.

Geographic bounding boxes (``gmd:EX_GeographicBoundingBox``; ISO 19115-3 ``gex:`` boxes too):

==========================  =======  =================================================================
``what``                    changes  when
==========================  =======  =================================================================
``coordinate-not-numeric``  yes      a bound is not an ``xs:decimal`` ("null", "", a template
                                     placeholder): text kept, ``gco:nilReason`` added to the bound's
                                     property (``missing`` for blank/null/none/nan, else ``unknown``);
                                     the rest of the box is not looked at
``longitude-wrapped``       yes      a longitude beyond ±180 but within ±360 (0..360 convention):
                                     brought back by ±360; a box spanning 360° or more becomes
                                     -180..180 (0..360 would otherwise collapse to 0..0)
``longitude-out-of-range``  no       a longitude beyond ±360: not guessed
``latitude-out-of-range``   no       a latitude beyond ±90 (often longitudes written as latitudes):
                                     not guessed; no swap or zero-area check on that box
``latitudes-swapped``       yes      south > north, both within ±90: the two values are exchanged
``antimeridian-box``        no       west > east: legal (the box crosses 180°), a note only, with the
                                     span it has and the span it would have if west/east were swapped
``point-box``               no       west = east and south = north: kept as a point, flagged (all four
                                     bounds 0 is named as a likely placeholder)
``line-box``                no       west = east or south = north (not both): zero area, flagged
==========================  =======  =================================================================

Dates (``gco:Date`` and ``gco:DateTime`` of ISO 19139 and 19115-3; GML 3.2/3.1 ``beginPosition``,
``endPosition``, ``timePosition``):

=========================  =======  ================================================================
``date-nil-reason``        yes      a ``gco:Date``/``gco:DateTime`` whose text is no date at all (not an
                                    ``xs:date``/``xs:gYearMonth``/``xs:gYear`` nor an ``xs:dateTime``):
                                    text kept, ``gco:nilReason`` added to its property (``missing``
                                    when blank, else ``unknown``)
``date-retyped``           yes      an ISO 19139 ``gco:Date`` holding a valid date-time, or a
                                    ``gco:DateTime`` holding a valid date, in a ``gco:Date_PropertyType``
                                    property (``gmd:date``, ``gmd:dateStamp``, ``gmd:editionDate`` ...,
                                    which accept both): the element is renamed, text kept
``date-wrong-type``        no       the same elsewhere (ISO 19115-3, a ``gco:DateTime_PropertyType``):
                                    the value is known, so it is neither changed nor made nil
``date-invalid``           no       an invalid date where no ``gco:nilReason`` can be added (a GML time
                                    position, whose schema has none; a property already nil): reported
``date-indeterminate``     yes      an empty GML time position without ``indeterminatePosition``:
                                    ``indeterminatePosition="unknown"`` added
=========================  =======  ================================================================

A GML time position is valid when it is a date, year-month, year, date-time, time, decimal (geologic
years such as ``-100000001``) or a URI (``scheme:...``), as its schema type allows.

Metadata language (ISO 19139 ``gmd:MD_Metadata`` / ``gmi:MI_Metadata`` only):

============================  =======  ===========================================================
``language-added``            yes      ``gmd:language`` absent and every resource language
                                       (``gmd:identificationInfo/*/gmd:language``) says the same:
                                       a copy of it is inserted after ``gmd:fileIdentifier``
``language-missing``          no       ``gmd:language`` absent and no single resource language to
                                       copy (none, or several): no default ('eng') is invented
============================  =======  ===========================================================

``Repair.path`` is an XPath with the prefixes of :data:`odatis_csw.quality.paths.NAMESPACES` to the
element concerned (the element changed, or the box / date / metadata element noted).
"""

from __future__ import annotations

import calendar
import copy
import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from odatis_csw.quality.paths import GCO, GCO3, GEX3, GMD, GMI, GML, GML32, element_path, text
from odatis_csw.quality.structure import repair_structure

#: ``what`` codes of repairs that change the tree (the others are notes or known-unrepairable defects).
CHANGES = frozenset(
    {
        "coordinate-not-numeric",
        "longitude-wrapped",
        "latitudes-swapped",
        "date-nil-reason",
        "date-indeterminate",
        "date-retyped",
        "language-added",
        "gml-upgraded",
        "keywords-reordered",
        "keyword-nil",
        "anchor-added",
        "rebuilt-from-model",
        "written-from-model",
        "citation-date-nil",
    }
)


@dataclass(frozen=True)
class Repair:
    """One repair made (``changed``) or one defect noted and left as found."""

    what: str
    why: str
    path: str

    @property
    def changed(self) -> bool:
        """True when the tree was modified (``what`` in :data:`CHANGES`)."""
        return self.what in CHANGES

    def to_dict(self) -> dict[str, object]:
        return {"what": self.what, "why": self.why, "path": self.path, "changed": self.changed}


def repair(tree: etree._ElementTree | etree._Element) -> list[Repair]:
    """Repair ``tree`` in place; return the trace (structure, boxes, dates, languages)."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    repairs: list[Repair] = []
    for metadata in list(root.iter(f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")):
        repairs.extend(Repair(*done) for done in repair_structure(metadata))
    for box in list(root.iter(f"{{{GMD}}}EX_GeographicBoundingBox", f"{{{GEX3}}}EX_GeographicBoundingBox")):
        repairs.extend(_repair_box(box))
    for element in list(root.iter(*_GCO_DATES, *_GML_POSITIONS)):
        found = _repair_date(element)
        if found is not None:
            repairs.append(found)
    for metadata in list(root.iter(f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")):
        found = _repair_language(metadata)
        if found is not None:
            repairs.append(found)
    return repairs


def repaired(tree: etree._ElementTree | etree._Element) -> tuple[etree._ElementTree, list[Repair]]:
    """A repaired deep copy of ``tree`` and its trace; ``tree`` itself is not modified."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    duplicate = etree.ElementTree(copy.deepcopy(root))
    return duplicate, repair(duplicate)


# --------------------------------------------------------------------------- boxes

_BOUNDS = ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")
_XS_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NIL_WORDS = frozenset({"", "null", "none", "nil", "nan", "n/a", "na"})


def _nil_reason(value: str) -> str:
    return "missing" if value.strip().lower() in _NIL_WORDS else "unknown"


def _show(value: Decimal) -> str:
    return format(value, "f")


def _repair_box(box: etree._Element) -> list[Repair]:
    namespace = etree.QName(box).namespace
    values: dict[str, etree._Element] = {}
    for name in _BOUNDS:
        prop = box.find(f"{{{namespace}}}{name}")
        holder = None if prop is None else next((c for c in prop if isinstance(c.tag, str)), None)
        if holder is None:
            return []  # a bound is absent or nil: nothing to repair, validation reports it
        values[name] = holder
    path = element_path(box)

    repairs: list[Repair] = []
    for name, holder in values.items():
        raw = (holder.text or "").strip()
        if not _XS_DECIMAL.match(raw):
            prop = holder.getparent()
            attribute = f"{{{etree.QName(holder).namespace}}}nilReason"
            reason = _nil_reason(raw)
            if prop.get(attribute) is None:
                prop.set(attribute, reason)
            repairs.append(
                Repair(
                    "coordinate-not-numeric",
                    f"{name} is {raw!r}, not a decimal: text kept, nilReason={prop.get(attribute)!r} "
                    "set on the bound",
                    element_path(prop),
                )
            )
    if repairs:
        return repairs

    w, e, s, n = (Decimal((values[name].text or "").strip()) for name in _BOUNDS)
    west, east, south, north = (values[name] for name in _BOUNDS)

    if abs(w) > 180 or abs(e) > 180:
        if abs(w) > 360 or abs(e) > 360:
            return [
                Repair(
                    "longitude-out-of-range",
                    f"west {_show(w)} / east {_show(e)}: beyond ±360, not a known convention; left as found",
                    path,
                )
            ]
        if e - w >= 360:
            new_w, new_e = Decimal(-180), Decimal(180)
            how = f"span {_show(e - w)}°, the whole globe"
        else:
            new_w, new_e = _wrap(w), _wrap(e)
            how = "brought back to -180..180 by ±360"
        west.text, east.text = _show(new_w), _show(new_e)
        repairs.append(
            Repair(
                "longitude-wrapped",
                f"west {_show(w)} / east {_show(e)} beyond ±180 ({how}): now {_show(new_w)} / {_show(new_e)}",
                path,
            )
        )
        w, e = new_w, new_e

    if abs(s) > 90 or abs(n) > 90:
        repairs.append(
            Repair(
                "latitude-out-of-range",
                f"south {_show(s)} / north {_show(n)}: a latitude beyond ±90 (longitudes given as "
                "latitudes?) cannot be repaired without guessing; left as found",
                path,
            )
        )
        return repairs

    if s > n:
        south.text, north.text = _show(n), _show(s)
        repairs.append(
            Repair(
                "latitudes-swapped",
                f"south {_show(s)} > north {_show(n)}: the two latitudes were exchanged",
                path,
            )
        )
        s, n = n, s

    if w > e:
        crossing = e - w + 360
        repairs.append(
            Repair(
                "antimeridian-box",
                f"west {_show(w)} > east {_show(e)}: the box crosses the antimeridian and spans "
                f"{_show(crossing)}° of longitude (legal; not changed; with west and east swapped it "
                f"would span {_show(w - e)}°)",
                path,
            )
        )

    if w == e and s == n:
        why = f"west = east = {_show(w)}, south = north = {_show(s)}: a point given as a box (kept)"
        if w == 0 and s == 0:
            why += "; all four bounds are 0, probably a placeholder rather than a place"
        repairs.append(Repair("point-box", why, path))
    elif w == e or s == n:
        which = f"west = east = {_show(w)}" if w == e else f"south = north = {_show(s)}"
        repairs.append(Repair("line-box", f"{which}: a box of zero area (a line; kept)", path))
    return repairs


def _wrap(value: Decimal) -> Decimal:
    if value > 180:
        return value - 360
    if value < -180:
        return value + 360
    return value


# --------------------------------------------------------------------------- dates

_GCO_DATES = tuple(f"{{{ns}}}{name}" for ns in (GCO, GCO3) for name in ("Date", "DateTime"))
_GML_POSITIONS = tuple(
    f"{{{ns}}}{name}" for ns in (GML32, GML) for name in ("beginPosition", "endPosition", "timePosition")
)
#: ISO 19139 properties of type gco:Date_PropertyType (a choice of gco:Date and gco:DateTime).
_DATE_PROPERTIES = frozenset(
    f"{{{GMD}}}{name}" for name in ("date", "dateStamp", "dateOfNextUpdate", "editionDate", "versionDate")
)
_TZ = r"(?:Z|[+-](\d{2}):(\d{2}))?"
_YEAR = r"(-?(?:[1-9]\d{4,}|\d{4}))"
_DATE = re.compile(rf"^{_YEAR}-(\d{{2}})-(\d{{2}}){_TZ}$")
_YEAR_MONTH = re.compile(rf"^{_YEAR}-(\d{{2}}){_TZ}$")
_GYEAR = re.compile(rf"^{_YEAR}{_TZ}$")
_DATE_TIME = re.compile(rf"^{_YEAR}-(\d{{2}})-(\d{{2}})T(\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.\d+)?{_TZ}$")
_TIME = re.compile(rf"^(\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.\d+)?{_TZ}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _zone_ok(hours: str | None, minutes: str | None) -> bool:
    return hours is None or (int(hours) <= 14 and int(minutes) <= 59)


def _days(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else calendar.mdays[month]


def _is_date(value: str) -> bool:
    match = _DATE.match(value)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        return (
            year != 0
            and 1 <= month <= 12
            and 1 <= day <= _days(year, month)
            and _zone_ok(*match.groups()[3:])
        )
    match = _YEAR_MONTH.match(value)
    if match:
        return int(match[1]) != 0 and 1 <= int(match[2]) <= 12 and _zone_ok(*match.groups()[2:])
    match = _GYEAR.match(value)
    return bool(match) and int(match[1]) != 0 and _zone_ok(*match.groups()[1:])


def _clock_ok(hours: str, minutes: str, seconds: str) -> bool:
    h, m, s = int(hours), int(minutes), int(seconds)
    return (h <= 23 and m <= 59 and s <= 59) or (h == 24 and m == 0 and s == 0)


def _is_date_time(value: str) -> bool:
    match = _DATE_TIME.match(value)
    if not match:
        return False
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    return (
        year != 0
        and 1 <= month <= 12
        and 1 <= day <= _days(year, month)
        and _clock_ok(match[4], match[5], match[6])
        and _zone_ok(match[7], match[8])
    )


def _is_position(value: str) -> bool:
    if _is_date(value) or _is_date_time(value) or _XS_DECIMAL.match(value) or _URI.match(value):
        return True
    match = _TIME.match(value)
    return bool(match) and _clock_ok(match[1], match[2], match[3]) and _zone_ok(match[4], match[5])


def _iso_property(element: etree._Element | None) -> bool:
    """An ISO property element (its schema types all carry ``gco:nilReason``)."""
    if element is None:
        return False
    namespace = etree.QName(element).namespace or ""
    return namespace.startswith(("http://www.isotc211.org/2005/", "http://standards.iso.org/iso/"))


def _repair_date(element: etree._Element) -> Repair | None:
    qname = etree.QName(element)
    raw = (element.text or "").strip()
    if qname.namespace in (GML32, GML):
        if raw:
            if _is_position(raw):
                return None
            return Repair(
                "date-invalid",
                f"gml:{qname.localname} {raw!r} is neither a date, a date-time, a time, a number nor a "
                "URI; a GML time position has no nilReason: left as found",
                element_path(element),
            )
        if element.get("indeterminatePosition") is not None:
            return None
        element.set("indeterminatePosition", "unknown")
        return Repair(
            "date-indeterminate",
            f"empty gml:{qname.localname} without indeterminatePosition: "
            "indeterminatePosition='unknown' added",
            element_path(element),
        )

    is_date = qname.localname == "Date"
    if (_is_date if is_date else _is_date_time)(raw):
        return None
    kind = "xs:date, xs:gYearMonth or xs:gYear" if is_date else "xs:dateTime"
    prop = element.getparent()
    if (_is_date_time if is_date else _is_date)(raw):  # a known value in the other gco element
        other = "DateTime" if is_date else "Date"
        if qname.namespace == GCO and prop is not None and prop.tag in _DATE_PROPERTIES:
            element.tag = f"{{{GCO}}}{other}"
            return Repair(
                "date-retyped",
                f"gco:{qname.localname} {raw!r} is not an {kind} but a valid gco:{other} value, which "
                f"{etree.QName(prop).localname} (gco:Date_PropertyType) also accepts: element renamed "
                f"gco:{other}, text kept",
                element_path(element),
            )
        return Repair(
            "date-wrong-type",
            f"gco:{qname.localname} {raw!r} is not an {kind} but a valid gco:{other} value, which this "
            "property may not accept: left as found (the value is known, so it is not made nil)",
            element_path(element),
        )
    attribute = f"{{{qname.namespace}}}nilReason"
    if not _iso_property(prop) or prop.get(attribute) is not None:
        return Repair(
            "date-invalid",
            f"gco:{qname.localname} {raw!r} is not an {kind}; no nilReason can be added "
            f"({'already nil' if _iso_property(prop) else 'not inside an ISO property'}): left as found",
            element_path(element),
        )
    reason = _nil_reason(raw)
    prop.set(attribute, reason)
    return Repair(
        "date-nil-reason",
        f"gco:{qname.localname} {raw!r} is not an {kind}: text kept, nilReason={reason!r} set on "
        f"{etree.QName(prop).localname}",
        element_path(prop),
    )


# --------------------------------------------------------------------------- language


def _language(element: etree._Element) -> str:
    for child in element:
        if isinstance(child.tag, str):
            value = child.get("codeListValue") or text(child)
            return value.strip()
    return ""


def _repair_language(metadata: etree._Element) -> Repair | None:
    if metadata.find(f"{{{GMD}}}language") is not None:
        return None
    sources = [
        element
        for element in metadata.findall(f"{{{GMD}}}identificationInfo/*/{{{GMD}}}language")
        if _language(element)
    ]
    distinct = sorted({_language(element) for element in sources})
    if len(distinct) != 1:
        why = (
            "no gmd:language and no resource language to copy"
            if not distinct
            else f"no gmd:language and several resource languages ({', '.join(distinct)})"
        )
        return Repair("language-missing", why + ": no language invented", element_path(metadata))
    added = copy.deepcopy(sources[0])
    identifier = metadata.find(f"{{{GMD}}}fileIdentifier")
    if identifier is not None:
        added.tail = identifier.tail
        metadata.insert(metadata.index(identifier) + 1, added)
    else:
        added.tail = metadata.text
        metadata.insert(0, added)
    return Repair(
        "language-added",
        f"no gmd:language: copied from the resource language {distinct[0]!r} "
        f"({len(sources)} resource language element(s), all alike)",
        element_path(added),
    )
