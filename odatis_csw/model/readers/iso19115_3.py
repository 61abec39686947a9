"""Read ISO 19115-3 (``mdb:MD_Metadata``, mdb 1.0 with cit 1.0 and mdb 2.0 with cit 2.0).

The two versions differ by namespace only, so paths use lxml's ``{*}`` wildcard and read both
(and GML 3.1 or 3.2 time periods alike). The classes 19115-3 shares with ISO 19139 (citations,
keywords, extents, constraints, online resources, platforms) are read by
:mod:`~odatis_csw.model.readers.isoparts`; this module reads what 19115-3 arranges its own way:
``CI_Responsibility`` parties, locales, metadata scope and dates, formats and lineage.

OWSLib's ``owslib.iso3.MD_Metadata`` is not used for the reasons given in
:mod:`~odatis_csw.model.readers.iso19139` (first extent and geographic element only, no
PT_FreeText, no Anchor links on keywords and organisations).
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.readers import isoparts
from odatis_csw.model.readers.isotext import (
    Languages,
    add_new,
    clean,
    code,
    codes,
    date,
    local,
    locales,
    string,
    text,
    texts,
)
from odatis_csw.model.readers.platforms import platforms
from odatis_csw.model.record import Format, Party, Record


def _party(responsibility: etree._Element, languages: Languages) -> list[Party]:
    """One Party per organisation or individual of a ``CI_Responsibility``."""
    role = code(responsibility.find("{*}role")) or ""
    found = []
    for member in responsibility.iterfind("{*}party/*"):
        if local(member).endswith("Organisation"):
            name = text(member.find("{*}name"), languages)
            individual = member.find("{*}individual/*")
            party = Party(role, name, anchor=name.anchor if name is not None else None)
            if individual is not None:
                party.individual = string(individual.find("{*}name"))
                party.position = string(individual.find("{*}positionName"))
            isoparts.add_contact(party, member.find("{*}contactInfo/*"), languages)
            if individual is not None:
                isoparts.add_contact(party, individual.find("{*}contactInfo/*"), languages)
        else:
            party = Party(role, individual=string(member.find("{*}name")))
            party.position = string(member.find("{*}positionName"))
            isoparts.add_contact(party, member.find("{*}contactInfo/*"), languages)
        if party.organisation is not None or party.individual or party.position:
            found.append(party)
    return found


def parties(props: list[etree._Element], languages: Languages) -> list[Party]:
    found: list[Party] = []
    for prop in props:
        for responsibility in prop.iterfind("*"):
            add_new(found, _party(responsibility, languages))
    return found


def _locale_languages(prop_parent: etree._Element, name: str) -> list[str]:
    return codes(prop_parent.iterfind(f"{{*}}{name}/*/{{*}}language"))


def _metadata_date(root: etree._Element) -> str | None:
    """``dateInfo``: the revision date, else the last update, the creation, the first one."""
    dates = {
        code(ci_date.find("{*}dateType")): date(ci_date.find("{*}date"))
        for ci_date in root.iterfind("{*}dateInfo/*")
    }
    for wanted in ("revision", "lastUpdate", "creation"):
        if dates.get(wanted):
            return dates[wanted]
    return next((value for value in dates.values() if value), None)


def _identifier(root: etree._Element, prop: str) -> str | None:
    md_identifier = root.find(f"{{*}}{prop}/*")
    if md_identifier is None:
        return None
    read = isoparts.identifier(md_identifier, {})
    return read.code if read is not None else None


def _parent(root: etree._Element) -> str | None:
    parent = root.find("{*}parentMetadata")
    if parent is None:
        return None
    citation = parent.find("*")
    if citation is not None:
        for identifier in citation.iterfind("{*}identifier/*"):
            read = isoparts.identifier(identifier, {})
            if read is not None:
                return read.code
    return clean(parent.get("uuidref")) or (
        string(citation.find("{*}title")) if citation is not None else None
    )


def _resource_languages(identification: etree._Element) -> list[str]:
    return [
        *_locale_languages(identification, "defaultLocale"),
        *_locale_languages(identification, "otherLocale"),
    ]


def _formats(root: etree._Element) -> list[Format]:
    found: list[Format] = []
    for md_format in [
        *root.iterfind("{*}distributionInfo/*/{*}distributionFormat/*"),
        *root.iterfind("{*}distributionInfo/*/{*}distributor/*/{*}distributorFormat/*"),
    ]:
        citation = md_format.find("{*}formatSpecificationCitation/*")
        if citation is None:
            continue
        name = string(citation.find("{*}title")) or string(citation.find("{*}alternateTitle"))
        if name:
            add_new(found, [Format(name, string(citation.find("{*}edition")))])
    return found


def read(element: etree._Element) -> Record:
    """The normalised model of an ISO 19115-3 record (mdb 1.0 or 2.0)."""
    identifications = list(element.iterfind("{*}identificationInfo/*"))
    if not identifications:
        raise UnsupportedRecordError("ISO 19115-3 record without identificationInfo: nothing to catalogue")
    languages = locales(element)
    default = _locale_languages(element, "defaultLocale")
    standard = element.find("{*}metadataStandard/*")
    record = Record(
        "iso19115-3",
        file_identifier=_identifier(element, "metadataIdentifier"),
        language=default[0] if default else None,
        other_languages=[lang for lang in _locale_languages(element, "otherLocale") if lang not in default],
        charset=code(element.find("{*}defaultLocale/*/{*}characterEncoding")),
        parent_identifier=_parent(element),
        metadata_date=_metadata_date(element),
        metadata_contacts=parties(element.findall("{*}contact"), languages),
        metadata_standard=None if standard is None else string(standard.find("{*}title")),
        metadata_standard_version=None if standard is None else string(standard.find("{*}edition")),
        reference_systems=[
            found.value or found.anchor or ""
            for found in texts(
                element.iterfind("{*}referenceSystemInfo/*/{*}referenceSystemIdentifier/*/{*}code"), languages
            )
        ],
    )
    scope = code(element.find("{*}metadataScope/*/{*}resourceScope"))
    isoparts.add_identifications(record, identifications, languages, parties, _resource_languages, scope)
    distributors = element.findall("{*}distributionInfo/*/{*}distributor/*/{*}distributorContact")
    add_new(record.parties, parties(distributors, languages))
    record.links = isoparts.links(element, languages)
    record.formats = _formats(element)
    for statement in element.iterfind("{*}resourceLineage/*/{*}statement"):
        record.lineage = record.lineage or text(statement, languages)
    record.platforms = platforms(element, languages)
    return record
