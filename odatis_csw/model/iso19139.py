"""The ISO 19139 writer: a :class:`~odatis_csw.model.record.Record` as a ``gmd:MD_Metadata`` document.

``write(record)`` returns a document valid against the ISO 19139 (2007-04-17) ``gmd``/``gmx``
XSDs held in ``schemas/xsd`` and writes every field of the model. It is self-contained and
deterministic: the same model gives the same bytes (no clock, sequential ``gml:id``).

Choices:

* **lxml, not pygeometa.** pygeometa's ``iso19139`` template (``schemas/iso19139/main.j2``)
  cannot carry the model without loss: keywords are plain strings (no per-keyword
  ``gmx:Anchor``), dates are one per type (a dict), there is a single identifier and no alternate
  titles, no vertical extents, polygons only as a box outline with a fixed ``gml:id`` (``P001``,
  duplicated when there are several), one licence, and no organisation anchors.
* **Mandatory elements.** ``gmd:contact``: the metadata contacts, else the resource's
  point of contact, else its publisher, else ``nilReason="missing"``. ``gmd:dateStamp``: the
  metadata date, else the newest resource date, else ``nilReason="missing"`` (the current time
  would make the output change from one call to the next and claim a date nobody stated).
  A missing citation date or resource language is ``nilReason="missing"``; an unparseable date
  ``nilReason="unknown"``.
* **Platforms and instruments** (ISO 19115-2 ``gmi:MI_Platform``...) are theme keyword groups
  whose thesaurus title names their vocabulary, with their descriptions as supplemental
  information: there is no local ``gmi`` XSD, so ``gmi`` output could not be validated, and
  keywords are what discovery clients read anyway.
* **Services** are written with an ISO 19119 ``srv:SV_ServiceIdentification`` (INSPIRE service
  metadata needs it) and hierarchy level ``service``; the service type is also a keyword. No srv
  XSD is held locally: the quality check validates the ISO 19139 objects inside it, not the
  srv elements themselves (scope ``partial``), as for ISO 19115-2 records.
* **Languages** are written as ``gmd:LanguageCode`` with the ISO 639-2/B code as
  ``codeListValue`` and the source's code as text; every language of a translation is declared
  as a ``gmd:PT_Locale`` whose id the ``LocalisedCharacterString`` elements reference.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.model.iso19139_distribution import data_quality, distribution
from odatis_csw.model.iso19139_identification import identification
from odatis_csw.model.iso19139_parties import responsible_party
from odatis_csw.model.iso19139_xml import (
    GMD,
    NSMAP,
    SCHEMA_LOCATION,
    XSI,
    Doc,
    code,
    date,
    date_value,
    language,
    locale_id,
    nil,
    q,
    string,
    sub,
)
from odatis_csw.model.record import Party, Record


def write(record: Record) -> etree._Element:
    """The ``gmd:MD_Metadata`` element of a record (a new tree; the record is not changed)."""
    doc = Doc()
    root = etree.Element(q(GMD, "MD_Metadata"), nsmap=NSMAP)
    root.set(q(XSI, "schemaLocation"), SCHEMA_LOCATION)
    if record.file_identifier:
        string(root, "gmd:fileIdentifier", record.file_identifier)
    if record.language:
        language(root, "gmd:language", record.language)
    code(root, "gmd:characterSet", "MD_CharacterSetCode", record.charset or "utf8")
    if record.parent_identifier:
        string(root, "gmd:parentIdentifier", record.parent_identifier)
    code(root, "gmd:hierarchyLevel", "MD_ScopeCode", record.hierarchy_level or "dataset")
    contacts = record.metadata_contacts or _fallback_contacts(record.parties)
    for contact in contacts:
        responsible_party(root, "gmd:contact", contact, doc)
    if not contacts:
        nil(root, "gmd:contact")
    date(root, "gmd:dateStamp", date_stamp(record))
    if record.metadata_standard:
        string(root, "gmd:metadataStandardName", record.metadata_standard)
    if record.metadata_standard_version:
        string(root, "gmd:metadataStandardVersion", record.metadata_standard_version)
    dataset_uri = getattr(record, "dataset_uri", None)
    if dataset_uri:
        string(root, "gmd:dataSetURI", dataset_uri)
    locales_at = len(root)
    for system in record.reference_systems:
        info = sub(sub(root, "gmd:referenceSystemInfo"), "gmd:MD_ReferenceSystem")
        identifier = sub(sub(info, "gmd:referenceSystemIdentifier"), "gmd:RS_Identifier")
        string(identifier, "gmd:code", system)
    identification(root, record, doc)
    distribution(root, record)
    data_quality(root, record, doc)
    for offset, language_code in enumerate(_locales(record, doc)):
        root.insert(locales_at + offset, _locale(language_code))
    return root


def to_bytes(record: Record) -> bytes:
    """The written document as UTF-8 bytes with an XML declaration."""
    return etree.tostring(write(record), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def date_stamp(record: Record) -> str | None:
    """The metadata date, else the newest resource date that is an ISO date, else None."""
    if record.metadata_date and date_value(record.metadata_date):
        return record.metadata_date
    dated = [(found[1], cited.value) for cited in record.dates if (found := date_value(cited.value))]
    return max(dated)[1] if dated else record.metadata_date


def _fallback_contacts(parties: list[Party]) -> list[Party]:
    for role in ("pointOfContact", "publisher"):
        found = [party for party in parties if party.role == role]
        if found:
            return found[:1]
    return []


def _locales(record: Record, doc: Doc) -> list[str]:
    found: dict[str, str] = {}  # locale id -> language (one PT_Locale per id)
    for language_code in [*record.other_languages, *doc.languages]:
        if language_code:
            found.setdefault(locale_id(language_code), language_code)
    return list(found.values())


def _locale(language_code: str) -> etree._Element:
    prop = etree.Element(q(GMD, "locale"))
    node = sub(prop, "gmd:PT_Locale", id=locale_id(language_code))
    language(node, "gmd:languageCode", language_code)
    code(node, "gmd:characterEncoding", "MD_CharacterSetCode", "utf8")
    return prop
