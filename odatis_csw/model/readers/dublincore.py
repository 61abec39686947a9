"""Dublin Core records (``csw:Record`` of CSW 2.0.2, ``oai_dc:dc`` of OAI-PMH) into the normalised record.

Elements are matched by local name, whatever the namespace (``dc``, ``dct``/``dcterms``): dialects
mix them. Boxes come from ``ows:BoundingBox`` / ``ows:WGS84BoundingBox`` and from text:
``dct:spatial`` as a DCMI Box (``northlimit=...``) or four numbers in GeoRSS order (south west
north east, as SEANOE writes ``DCTERMS:Box``), ``dc:coverage`` as ``North 57.0, South 41.0...`` or
PANGAEA's ``SOUTH-BOUND LATITUDE: 9.8 * WEST-BOUND LONGITUDE: ...``.
An ``ows:BoundingBox`` in EPSG:4326 has the authority's axis order (latitude first) unless its
values show they are longitude first (a first "latitude" beyond ±90); ``WGS84BoundingBox`` and
CRS84 are longitude first.
"""

from __future__ import annotations

import re

from lxml import etree

from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.iso19139_keywords import TOPIC_CATEGORIES
from odatis_csw.model.readers import plain
from odatis_csw.model.readers.plain import clean, local, text_of
from odatis_csw.model.record import (
    BoundingBox,
    CitedDate,
    Extent,
    Format,
    Identifier,
    Keyword,
    KeywordGroup,
    Link,
    Record,
    Text,
    doi_of,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CSW_RECORD = "{http://www.opengis.net/cat/csw/2.0.2}Record"
_EPSG_4326 = re.compile(r"EPSG(:[0-9.]*)?:4326$|/EPSG/0/4326$", re.IGNORECASE)
_TYPED_DATE = re.compile(r"^([A-Z][a-z]+):\s*(\S.*)$")
#: "North 57.0, South 41.0..." (SEANOE) and "SOUTH-BOUND LATITUDE: 9.8 * WEST-BOUND LONGITUDE: ..." (PANGAEA)
_NAMED_BOUNDS = re.compile(
    r"\b(north|south|east|west)[\w-]*(?:\s+(?:latitude|longitude))?\s*[:=]?\s*(-?\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


def read(element: etree._Element) -> Record:
    """The normalised model of one ``csw:Record`` or ``oai_dc:dc`` element."""
    record = Record(dialect="dublincore")
    csw = element.tag == CSW_RECORD
    values: dict[str, list[etree._Element]] = {}
    for child in plain.elements_of(element):
        values.setdefault(local(child), []).append(child)
    _identification(values, record)
    _parties(values, record)
    _dates(values, record, csw)
    _subjects(values, record)
    _rights(values, record)
    _coverage(values, record)
    _links(values, record)
    for item in values.get("format", []):
        if (name := text_of(item)) and all(found.name != name for found in record.formats):
            record.formats.append(Format(name))
    for item in values.get("language", []):
        if language := plain.language(text_of(item)):
            record.resource_languages.append(language)
    sources = [value for item in values.get("source", []) if (value := text_of(item))]
    if sources:
        record.lineage = Text("\n\n".join(sources))
    for item in values.get("type", []):
        if scope := crosswalks().scope(text_of(item)):
            record.hierarchy_level = scope
            break
    return record


def _identification(values: dict[str, list[etree._Element]], record: Record) -> None:
    for item in values.get("identifier", []):
        value = text_of(item)
        if value is None:
            continue
        record.file_identifier = record.file_identifier or value
        doi = doi_of(value) if ("doi" in value.lower() or value.startswith("10.")) else None
        if doi and any(found.doi == doi for found in record.identifiers):
            continue
        if plain.is_url(value) and not doi:
            record.links.append(Link(value, protocol="WWW:LINK"))
        else:
            record.identifiers.append(Identifier(value))
    titles = [(text_of(item), plain.language(item.get(XML_LANG))) for item in values.get("title", [])]
    titles = [(value, lang) for value, lang in titles if value]
    if titles:
        record.title = Text(titles[0][0] or "")
        record.language = titles[0][1]
        for value, lang in titles[1:]:
            if lang and lang != titles[0][1]:
                record.title.translations.setdefault(lang, value or "")
            else:
                record.alternate_titles.append(Text(value or ""))
    for item in values.get("alternative", []):
        if value := text_of(item):
            record.alternate_titles.append(Text(value))
    texts: list[str] = []
    for name in ("abstract", "description"):
        for item in values.get(name, []):
            if (value := text_of(item)) and value not in texts:
                texts.append(value)
    if texts:
        record.abstract = Text("\n\n".join(texts))


def _parties(values: dict[str, list[etree._Element]], record: Record) -> None:
    for name in ("creator", "publisher", "contributor"):
        role = crosswalks().role("dublincore", name) or "originator"
        for item in values.get(name, []):
            kind = "Organizational" if name == "publisher" else None
            if found := plain.party(text_of(item), role, kind=kind):
                record.parties.append(found)


def _dates(values: dict[str, list[etree._Element]], record: Record, csw: bool) -> None:
    walk = crosswalks()
    for name in ("date", "created", "issued", "available", "modified", "dateSubmitted"):
        kind = walk.date_type("dublincore", name)
        for item in values.get(name, []):
            value = text_of(item)
            if value is None or kind is None:
                continue
            typed = _TYPED_DATE.match(value)  # "Created: 2018-01-18" (DataCite dates as dc:date)
            value_kind = walk.date_type("datacite", typed.group(1)) if typed else None
            if typed and value_kind:
                value, kind = typed.group(2), value_kind
            if value_kind == "temporal" or ("/" in value and plain.period(value)):
                if (period := plain.period(value)) and period not in _extent(record).temporal:
                    _extent(record).temporal.append(period)
                continue
            if not any(d.value == value and d.type == kind for d in record.dates):
                record.dates.append(CitedDate(value, kind))
            if csw and name == "modified":  # CSW 2.0.2: dct:modified is the record's own date
                record.metadata_date = value


def _subjects(values: dict[str, list[etree._Element]], record: Record) -> None:
    groups: dict[str | None, KeywordGroup] = {}
    for item in values.get("subject", []):
        value = text_of(item)
        if value is None:
            continue
        scheme = clean(item.get("scheme"))
        if scheme not in groups:
            thesaurus = Text(scheme, anchor=scheme if plain.is_url(scheme) else None) if scheme else None
            groups[scheme] = KeywordGroup(type="theme", thesaurus=thesaurus)
            record.keywords.append(groups[scheme])
        groups[scheme].keywords.append(Keyword(Text(value, anchor=plain.keyword_anchor(value))))
        if value in TOPIC_CATEGORIES and value not in record.topic_categories:
            record.topic_categories.append(value)


def _rights(values: dict[str, list[etree._Element]], record: Record) -> None:
    resource = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
    for name in ("license", "rights", "accessRights", "rightsHolder"):
        for item in values.get(name, []):
            text, uri = text_of(item), clean(item.get(resource))
            if text and plain.is_url(text) and uri is None:
                text, uri = None, text
            if name == "rightsHolder":
                if found := plain.party(text, "owner"):
                    record.parties.append(found)
                continue
            plain.add_rights(record.constraints, text, uri, licence=name == "license")


def _extent(record: Record) -> Extent:
    if not record.extents:
        record.extents.append(Extent())
    return record.extents[0]


def _ows_box(item: etree._Element) -> BoundingBox | None:
    lower = (text_of(next(iter(item.iterfind("{*}LowerCorner")), None)) or "").split()
    upper = (text_of(next(iter(item.iterfind("{*}UpperCorner")), None)) or "").split()
    if len(lower) != 2 or len(upper) != 2:
        return None
    first = [plain.number(lower[0]), plain.number(upper[0])]
    lat_first = local(item) == "BoundingBox" and bool(_EPSG_4326.search((item.get("crs") or "").strip()))
    if lat_first and all(v is not None and abs(v) <= 90 for v in first):
        return plain.box(lower[1], upper[1], lower[0], upper[0])
    return plain.box(lower[0], upper[0], lower[1], upper[1])


def _text_box(value: str) -> BoundingBox | None:
    parts = plain.dcmi_parts(value)
    if {"northlimit", "southlimit", "eastlimit", "westlimit"} <= set(parts):
        return plain.box(parts["westlimit"], parts["eastlimit"], parts["southlimit"], parts["northlimit"])
    if {"east", "north"} <= set(parts):  # DCMI Point
        return plain.box(parts["east"], parts["east"], parts["north"], parts["north"])
    named = {key.lower(): number for key, number in _NAMED_BOUNDS.findall(value)}
    if len(named) == 4:
        return plain.box(named["west"], named["east"], named["south"], named["north"])
    numbers = value.replace(",", " ").split()
    if len(numbers) == 4 and all(plain.number(n) is not None for n in numbers):  # GeoRSS: S W N E
        return plain.box(numbers[1], numbers[3], numbers[0], numbers[2])
    return None


def _coverage(values: dict[str, list[etree._Element]], record: Record) -> None:
    for name in ("BoundingBox", "WGS84BoundingBox"):
        for item in values.get(name, []):
            plain.add_box(_extent(record).boxes, _ows_box(item))
    for name in ("spatial", "coverage", "temporal"):
        for item in values.get(name, []):
            value = text_of(item)
            if value is None:
                continue
            if name != "temporal" and (found := _text_box(value)):
                plain.add_box(_extent(record).boxes, found)
            elif name != "spatial" and (period := plain.period(value)):
                _extent(record).temporal.append(period)
            elif name != "temporal":
                place = plain.dcmi_parts(value).get("name", value)
                if all(found.value != place for found in _extent(record).geographic_identifiers):
                    _extent(record).geographic_identifiers.append(Text(place))


def _links(values: dict[str, list[etree._Element]], record: Record) -> None:
    for item in values.get("URI", []) + values.get("references", []):
        href = text_of(item)
        if not href:
            continue
        record.links.append(
            Link(
                href,
                protocol=clean(item.get("protocol")) or clean(item.get("scheme")),
                name=clean(item.get("name")),
                description=clean(item.get("description")),
            )
        )
    for item in values.get("relation", []):
        value = text_of(item)
        if value and plain.is_url(value):
            record.links.append(Link(value, protocol="WWW:LINK", description="relation"))
