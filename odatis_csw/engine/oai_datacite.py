"""``datacite`` records (DataCite Metadata Schema 4, kernel-4) for records that have a DOI.

Built from a row's columns and its DOI (``record_identities``), with the six mandatory
properties always present: identifier (the DOI), creators, titles, publisher,
publicationYear and resourceType. A property the record lacks is written as DataCite's
standard value ``(:unav)``. ``resourceTypeGeneral`` comes from
``mappings/oai/datacite-resource-types.csv``. pycsw's own DataCite writer is not used: it
gives the record identifier as the DOI and writes elements the schema does not have.
"""

from __future__ import annotations

import csv
import functools
import re
from typing import Any

from lxml import etree

from odatis_csw.engine.oai_dc import box_of, split_list
from odatis_csw.resources import resource_dir

DATACITE = "http://datacite.org/schema/kernel-4"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://schema.datacite.org/meta/kernel-4/metadata.xsd"
UNAVAILABLE = "(:unav)"
_YEAR = re.compile(r"^\d{4}")


@functools.cache
def resource_types() -> dict[str, str]:
    """Stored resource type (ISO scope code or DCMI type) → DataCite resourceTypeGeneral."""
    path = resource_dir("mappings") / "oai" / "datacite-resource-types.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["type"]: row["resourceTypeGeneral"] for row in csv.DictReader(handle)}


def render(row: Any, doi: str) -> etree._Element:
    """The DataCite ``resource`` of one records-table row whose DOI is ``doi``."""
    root = etree.Element(_q("resource"), nsmap={None: DATACITE, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{DATACITE} {SCHEMA}")
    _sub(root, "identifier", doi, identifierType="DOI")
    creators = _sub(root, "creators")
    for name in [row.creator] if row.creator else [row.organization or row.publisher or UNAVAILABLE]:
        _sub(_sub(creators, "creator"), "creatorName", name)
    _sub(_sub(root, "titles"), "title", row.title or UNAVAILABLE)
    _sub(root, "publisher", row.publisher or row.organization or UNAVAILABLE)
    _sub(root, "publicationYear", _year(row))
    kind = re.split(r"[/#]", (row.type or "").rstrip("/#"))[-1]
    _sub(root, "resourceType", kind or None, resourceTypeGeneral=resource_types().get(kind, "Other"))
    keywords = split_list(row.keywords)
    if keywords:
        subjects = _sub(root, "subjects")
        for keyword in keywords:
            _sub(subjects, "subject", keyword)
    dates = [
        (kind, value)
        for kind, value in (("Created", row.date_creation), ("Updated", row.date_modified))
        if value
    ]
    if row.time_begin or row.time_end:
        dates.append(("Collected", f"{row.time_begin or ''}/{row.time_end or ''}"))
    if dates:
        holder = _sub(root, "dates")
        for kind, value in dates:
            _sub(holder, "date", value, dateType=kind)
    if row.language:
        _sub(root, "language", row.language)
    alternates = _sub(root, "alternateIdentifiers")
    _sub(alternates, "alternateIdentifier", row.identifier, alternateIdentifierType="local")
    if row.abstract:
        _sub(_sub(root, "descriptions"), "description", row.abstract, descriptionType="Abstract")
    box = box_of(row.wkt_geometry)
    if box is not None:
        location = _sub(_sub(root, "geoLocations"), "geoLocation")
        holder = _sub(location, "geoLocationBox")
        for name, value in zip(
            ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude"),
            (box[0], box[2], box[1], box[3]),
            strict=True,
        ):
            _sub(holder, name, f"{value:g}")
    return root


def _year(row: Any) -> str:
    for value in (row.date_publication, row.date_creation, row.date, row.insert_date):
        if value and _YEAR.match(str(value)):
            return str(value)[:4]
    return UNAVAILABLE


def _q(name: str) -> str:
    return f"{{{DATACITE}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attributes)
    if text is not None:
        element.text = str(text)
    return element
