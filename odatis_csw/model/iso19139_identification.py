"""ISO 19139 ``gmd:MD_DataIdentification`` of a record: citation, abstract, parties, keywords,
constraints, languages, topic categories and extents, in the order the XSD requires. A service
(hierarchy level ``service``) gets an ISO 19119 ``srv:SV_ServiceIdentification`` instead, as
INSPIRE service metadata requires; no srv XSD is held locally, so the quality check validates its
ISO 19139 parts only (scope ``partial``).

Parties with the role ``pointOfContact`` are the resource's ``gmd:pointOfContact``; every other
party is a ``gmd:citedResponsibleParty`` of the citation. Identifiers naming a DOI are
``gmd:MD_Identifier`` whose code is a ``gmx:Anchor`` to ``https://doi.org/<doi>`` (the text kept
as the source wrote it); other identifiers with a code space are ``gmd:RS_Identifier``.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.model.iso19139_constraints import resource_constraints
from odatis_csw.model.iso19139_extents import extent
from odatis_csw.model.iso19139_keywords import TOPIC_CATEGORIES, descriptive_keywords, platform_descriptions
from odatis_csw.model.iso19139_parties import responsible_party
from odatis_csw.model.iso19139_xml import Doc, code, date, language, nil, string, sub
from odatis_csw.model.record import Identifier, Record, Text


def identification(parent: etree._Element, record: Record, doc: Doc) -> etree._Element:
    prop = sub(parent, "gmd:identificationInfo")
    service = record.hierarchy_level == "service"
    node = sub(prop, "srv:SV_ServiceIdentification" if service else "gmd:MD_DataIdentification")
    _citation(node, record, doc)
    string(node, "gmd:abstract", record.abstract, doc)
    if record.purpose is not None:
        string(node, "gmd:purpose", record.purpose, doc)
    for credit in record.credit:
        string(node, "gmd:credit", credit)
    for status in record.status:
        code(node, "gmd:status", "MD_ProgressCode", status)
    for party in record.parties:
        if party.role == "pointOfContact":
            responsible_party(node, "gmd:pointOfContact", party, doc)
    if record.maintenance_frequency:
        maintenance = sub(sub(node, "gmd:resourceMaintenance"), "gmd:MD_MaintenanceInformation")
        code(
            maintenance,
            "gmd:maintenanceAndUpdateFrequency",
            "MD_MaintenanceFrequencyCode",
            record.maintenance_frequency,
        )
    for overview in record.graphic_overviews:
        graphic = sub(sub(node, "gmd:graphicOverview"), "gmd:MD_BrowseGraphic")
        string(graphic, "gmd:fileName", overview)
    descriptive_keywords(node, record, doc)
    resource_constraints(node, record.constraints, doc)
    if service:
        _service(node, record, doc)
        return prop
    for kind in record.spatial_representation_types:
        code(node, "gmd:spatialRepresentationType", "MD_SpatialRepresentationTypeCode", kind)
    if record.resource_languages:
        for value in record.resource_languages:
            language(node, "gmd:language", value)
    else:
        nil(node, "gmd:language")
    for topic in record.topic_categories:
        if topic in TOPIC_CATEGORIES:
            sub(sub(node, "gmd:topicCategory"), "gmd:MD_TopicCategoryCode").text = topic
    for found in record.extents:
        extent(node, "gmd:extent", found, doc, envelopes=not record.boxes)
    supplemental = platform_descriptions(record.platforms)
    if supplemental:
        string(node, "gmd:supplementalInformation", "\n".join(supplemental))
    return prop


def _service(node: etree._Element, record: Record, doc: Doc) -> None:
    """The ISO 19119 part of a service: its type, extents; coupling and operations, unknown, are nil."""
    if record.service_type:
        sub(sub(node, "srv:serviceType"), "gco:LocalName").text = record.service_type
    else:
        nil(node, "srv:serviceType")
    for found in record.extents:
        extent(node, "srv:extent", found, doc, envelopes=not record.boxes)
    nil(node, "srv:couplingType")
    nil(node, "srv:containsOperations")


def _citation(parent: etree._Element, record: Record, doc: Doc) -> None:
    citation = sub(sub(parent, "gmd:citation"), "gmd:CI_Citation")
    string(citation, "gmd:title", record.title if record.title.value else None, doc)
    for alternate in record.alternate_titles:
        string(citation, "gmd:alternateTitle", alternate, doc)
    if not record.dates:
        nil(citation, "gmd:date")
    for cited in record.dates:
        node = sub(sub(citation, "gmd:date"), "gmd:CI_Date")
        date(node, "gmd:date", cited.value)
        code(node, "gmd:dateType", "CI_DateTypeCode", cited.type)
    if record.edition:
        string(citation, "gmd:edition", record.edition)
    for identifier in record.identifiers:
        _identifier(citation, identifier)
    for party in record.parties:
        if party.role != "pointOfContact":
            responsible_party(citation, "gmd:citedResponsibleParty", party, doc)


def _identifier(parent: etree._Element, identifier: Identifier) -> None:
    prop = sub(parent, "gmd:identifier")
    doi = identifier.doi
    codespace = identifier.codespace
    if doi and (codespace or "").strip().lower() in ("", "doi"):
        codespace = None
    node = sub(prop, "gmd:RS_Identifier" if codespace else "gmd:MD_Identifier")
    if identifier.authority:
        authority = sub(sub(node, "gmd:authority"), "gmd:CI_Citation")
        string(authority, "gmd:title", identifier.authority)
        nil(authority, "gmd:date", "unknown")
    string(node, "gmd:code", Text(identifier.code, anchor=f"https://doi.org/{doi}" if doi else None))
    if codespace:
        string(node, "gmd:codeSpace", codespace)
