"""Read ISO 19139 (``gmd:MD_Metadata``), ISO 19115-2 (``gmi:MI_Metadata``) and their profiles.

Profiles (SeaDataNet CDI/CSR, MCP, iso19139.fra, CHE...) rename classes but keep the ISO
properties, so paths name properties and use ``*`` for the class below each one; namespaces are
matched with lxml's ``{*}`` wildcard, so mistyped ``https`` namespaces (ERDDAP) read the same.

OWSLib's ``owslib.iso.MD_Metadata`` is not used: it reads the first identification, the first
geographic element of the first extent, one format, one e-mail per party, titles only as
``gco:CharacterString``, no PT_FreeText, polygons only in GML 3.2 and no 19115-2 platform
identifier, so nearly every field needed a second read with lxml; lxml alone is simpler.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.readers import isoparts
from odatis_csw.model.readers.isotext import (
    Languages,
    code,
    codes,
    date,
    href,
    locales,
    string,
    text,
)
from odatis_csw.model.readers.isotext import (
    add_new as _add,
)
from odatis_csw.model.readers.platforms import platforms
from odatis_csw.model.record import Format, Party, Record

GMI = "http://www.isotc211.org/2005/gmi"
GMI_NAMESPACES = (GMI, "https://www.isotc211.org/2005/gmi")


def party(responsible: etree._Element, languages: Languages) -> Party | None:
    """A ``CI_ResponsibleParty`` (or a profile's class extending it)."""
    organisation = text(responsible.find("{*}organisationName"), languages)
    individual = string(responsible.find("{*}individualName"))
    position = string(responsible.find("{*}positionName"))
    if organisation is None and individual is None and position is None:
        return None
    found = Party(
        code(responsible.find("{*}role")) or "",
        organisation,
        individual,
        position,
        anchor=organisation.anchor if organisation is not None else None,
    )
    isoparts.add_contact(found, responsible.find("{*}contactInfo/*"), languages)
    return found


def parties(props: list[etree._Element], languages: Languages) -> list[Party]:
    found = []
    for prop in props:
        for responsible in prop.iterfind("*"):
            read = party(responsible, languages)
            if read is not None:
                found.append(read)
    return found


def _formats(root: etree._Element) -> list[Format]:
    found: list[Format] = []
    for md_format in [
        *root.iterfind("{*}distributionInfo/*/{*}distributionFormat/*"),
        *root.iterfind("{*}distributionInfo/*/{*}distributor/*/{*}distributorFormat/*"),
    ]:
        name = string(md_format.find("{*}name"))
        if name:
            read = Format(name, string(md_format.find("{*}version")))
            if read not in found:
                found.append(read)
    return found


def _resource_languages(identification: etree._Element) -> list[str]:
    return [found for found in codes(identification.iterfind("{*}language")) if found]


def _reference_systems(root: etree._Element) -> list[str]:
    found = []
    for identifier in root.iterfind("{*}referenceSystemInfo/*/{*}referenceSystemIdentifier/*"):
        value = text(identifier.find("{*}code"))
        if value is not None:
            found.append(value.value or value.anchor or "")
    return [value for value in found if value]


def read(element: etree._Element) -> Record:
    """The normalised model of an ISO 19139 / 19115-2 record or of a 19139 profile's record."""
    identifications = [ident for ident in element.iterfind("{*}identificationInfo/*")]
    if not identifications:
        raise UnsupportedRecordError("ISO 19139 record without identificationInfo: nothing to catalogue")
    languages = locales(element)
    dialect = "iso19115-2" if etree.QName(element).namespace in GMI_NAMESPACES else "iso19139"
    language = code(element.find("{*}language"))
    record = Record(
        dialect,
        file_identifier=string(element.find("{*}fileIdentifier")),
        language=language,
        other_languages=[lang for lang in dict.fromkeys(languages.values()) if lang != language],
        charset=code(element.find("{*}characterSet")),
        parent_identifier=string(element.find("{*}parentIdentifier")),
        metadata_date=date(element.find("{*}dateStamp")),
        metadata_contacts=parties(element.findall("{*}contact"), languages),
        metadata_standard=string(element.find("{*}metadataStandardName")),
        metadata_standard_version=string(element.find("{*}metadataStandardVersion")),
        reference_systems=_reference_systems(element),
        dataset_uri=string(element.find("{*}dataSetURI")) or href(element.find("{*}dataSetURI")),
    )
    scope = code(element.find("{*}hierarchyLevel"))
    isoparts.add_identifications(record, identifications, languages, parties, _resource_languages, scope)
    distributors = element.findall("{*}distributionInfo/*/{*}distributor/*/{*}distributorContact")
    _add(record.parties, parties(distributors, languages))
    record.links = isoparts.links(element, languages)
    record.formats = _formats(element)
    for statement in element.iterfind("{*}dataQualityInfo/*/{*}lineage/*/{*}statement"):
        record.lineage = record.lineage or text(statement, languages)
    record.platforms = platforms(element, languages)
    return record
