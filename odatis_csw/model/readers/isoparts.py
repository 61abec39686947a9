"""Classes ISO 19139 and ISO 19115-3 share, element for element: read once for both.

Citations, identifiers, keywords, extents, constraints and online resources have the same local
names in both generations (``gmd:MD_Keywords/gmd:keyword``, ``mri:MD_Keywords/mri:keyword``);
each function takes the class element (or a profile's class extending it) and uses the ``{*}``
namespace wildcard below it.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from odatis_csw.mapping.vocab import licence_anchor
from odatis_csw.model.readers import gml
from odatis_csw.model.readers.isotext import (
    Languages,
    add_new,
    cited_dates,
    code,
    codes,
    href,
    local,
    number,
    string,
    strings,
    text,
    texts,
)
from odatis_csw.model.record import (
    BoundingBox,
    Constraints,
    Extent,
    Identifier,
    Keyword,
    KeywordGroup,
    Licence,
    Link,
    Party,
    Record,
    Text,
    VerticalExtent,
)

#: A reader's own way of reading responsible parties (ISO 19139 and 19115-3 encode them apart).
PartiesReader = Callable[[list[etree._Element], Languages], list[Party]]


def identifier(md_identifier: etree._Element, languages: Languages) -> Identifier | None:
    """An ``MD_Identifier`` / ``RS_Identifier``: the code (or its Anchor's link), codespace, authority."""
    code_text = text(md_identifier.find("{*}code"), languages)
    if code_text is None:
        return None
    value = code_text.value
    if code_text.anchor and (not value or "doi.org/" in code_text.anchor.lower()):
        value = code_text.anchor
    authority = md_identifier.find("{*}authority/*")
    return Identifier(
        value,
        string(md_identifier.find("{*}codeSpace")),
        None if authority is None else string(authority.find("{*}title")),
    )


def citation_identifiers(citation: etree._Element, languages: Languages) -> list[Identifier]:
    found = []
    for md_identifier in citation.iterfind("{*}identifier/*"):
        read = identifier(md_identifier, languages)
        if read is not None:
            found.append(read)
    return found


def keyword_group(md_keywords: etree._Element, languages: Languages) -> KeywordGroup | None:
    """One ``MD_Keywords``: its keywords (with Anchor links and translations), type and thesaurus."""
    keywords = [Keyword(found) for found in texts(md_keywords.iterfind("{*}keyword"), languages)]
    if not keywords:
        return None
    group = KeywordGroup(keywords, code(md_keywords.find("{*}type")))
    thesaurus = md_keywords.find("{*}thesaurusName/*")
    if thesaurus is not None:
        group.thesaurus = text(thesaurus.find("{*}title"), languages)
        if group.thesaurus is not None and group.thesaurus.anchor is None:
            link = thesaurus.find("{*}identifier/*/{*}code")
            group.thesaurus.anchor = text(link).anchor if link is not None and text(link) else None
        dates = cited_dates(thesaurus)
        group.thesaurus_date = dates[0] if dates else None
    elif href(md_keywords.find("{*}thesaurusName")):
        group.thesaurus = Text(href(md_keywords.find("{*}thesaurusName")) or "")
    return group


def _box(box: etree._Element) -> BoundingBox | None:
    west, east, south, north = (
        number(box.find(f"{{*}}{name}"))
        for name in ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")
    )
    if west is None or east is None or south is None or north is None:
        return None
    return BoundingBox(west, east, south, north)


def extent(ex_extent: etree._Element, languages: Languages) -> Extent:
    """Every geographic, temporal and vertical element of one ``EX_Extent``."""
    result = Extent(description=string(ex_extent.find("{*}description")))
    for element in ex_extent.iterfind("{*}geographicElement/*"):
        kind = etree.QName(element).localname
        if kind.endswith("GeographicBoundingBox"):
            box = _box(element)
            if box is not None:
                result.boxes.append(box)
        elif kind.endswith("BoundingPolygon"):
            result.polygons.extend(gml.polygons(element))
        elif kind.endswith("GeographicDescription"):
            for prop in element.iterfind("{*}geographicIdentifier/*/{*}code"):
                found = text(prop, languages)
                if found is not None:
                    result.geographic_identifiers.append(found)
    for element in ex_extent.iterfind("{*}temporalElement/*"):
        result.temporal.extend(gml.temporal_extents(element))
    for element in ex_extent.iterfind("{*}verticalElement/*"):
        low, high = number(element.find("{*}minimumValue")), number(element.find("{*}maximumValue"))
        crs = gml.vertical_crs(element)
        if low is not None or high is not None or crs:
            result.vertical.append(VerticalExtent(low, high, crs))
    return result


def extents(identification: etree._Element, languages: Languages) -> list[Extent]:
    """The extents of an identification (``gmd:extent``, ``srv:extent``, ``mri:extent``)."""
    found = []
    for ex_extent in identification.iterfind("{*}extent/*"):
        read = extent(ex_extent, languages)
        if (
            read.description
            or read.boxes
            or read.polygons
            or read.geographic_identifiers
            or read.temporal
            or read.vertical
        ):
            found.append(read)
    return found


def _licence_or(found: Text, others: list[Text], licences: list[Licence]) -> None:
    """A licence when the text or its Anchor names one, else kept among ``others``."""
    named = licence_anchor(found.anchor) if found.anchor else None
    named = named or licence_anchor(found.value)
    if named is not None:
        add_new(licences, [Licence(found, named.uri)])
    else:
        add_new(others, [found])


def add_constraints(result: Constraints, identification: etree._Element, languages: Languages) -> None:
    """Add every resource constraint: licences apart, limitations, restriction and classification codes."""
    for block in identification.iterfind("{*}resourceConstraints/*"):
        for found in texts(block.iterfind("{*}useLimitation"), languages):
            _licence_or(found, result.use_limitations, result.licences)
        for found in texts(block.iterfind("{*}otherConstraints"), languages):
            _licence_or(found, result.other_constraints, result.licences)
        for title in block.iterfind("{*}reference/*/{*}title"):  # ISO 19115-3 licence citations
            found = text(title, languages)
            if found is not None:
                _licence_or(found, result.other_constraints, result.licences)
        add_new(result.access_constraints, codes(block.iterfind("{*}accessConstraints")))
        add_new(result.use_constraints, codes(block.iterfind("{*}useConstraints")))
        classification = code(block.find("{*}classification"))
        if classification and result.classification is None:
            result.classification = classification


def add_contact(party: Party, contact: etree._Element | None, languages: Languages) -> None:
    """Fill a party's phones, address, e-mails and web site from a ``CI_Contact``."""
    if contact is None:
        return
    add_new(party.phone, strings(contact.iterfind("{*}phone/*/{*}voice")))  # ISO 19139
    add_new(party.phone, strings(contact.iterfind("{*}phone/*/{*}number")))  # ISO 19115-3
    for address in contact.iterfind("{*}address/*"):
        add_new(party.email, strings(address.iterfind("{*}electronicMailAddress")))
        add_new(party.address, strings(address.iterfind("{*}deliveryPoint")))
        party.city = party.city or string(address.find("{*}city"))
        party.postal_code = party.postal_code or string(address.find("{*}postalCode"))
        party.country = party.country or string(address.find("{*}country"))
    for resource in contact.iterfind("{*}onlineResource/*"):
        link = online_resource(resource, languages)
        if link is not None and party.url is None:
            party.url = link.url


def online_resource(resource: etree._Element, languages: Languages) -> Link | None:
    """A ``CI_OnlineResource``: linkage, protocol, name, description, function code."""
    linkage = text(resource.find("{*}linkage"))
    url = linkage.value or linkage.anchor if linkage is not None else None
    if not url:
        return None
    name, description = (
        text(resource.find("{*}name"), languages),
        text(resource.find("{*}description"), languages),
    )
    return Link(
        url,
        protocol=string(resource.find("{*}protocol")),
        name=name.value if name else None,
        description=description.value if description else None,
        function=code(resource.find("{*}function")),
    )


def add_identification(
    record: Record,
    ident: etree._Element,
    languages: Languages,
    first: bool,
    read_parties: PartiesReader,
    resource_languages: list[str],
) -> None:
    """Add what one identification says to ``record`` (the first gives title, abstract...).

    ISO 19139 and ISO 19115-3 share these paths (namespaces are matched by local name); parties
    and resource languages are encoded differently, so each reader passes its own.
    """
    citation = ident.find("{*}citation/*")
    if citation is not None:
        if first:
            record.title = text(citation.find("{*}title"), languages) or record.title
            record.edition = string(citation.find("{*}edition"))
        add_new(record.alternate_titles, texts(citation.iterfind("{*}alternateTitle"), languages))
        add_new(record.identifiers, citation_identifiers(citation, languages))
        add_new(record.dates, cited_dates(citation))
        add_new(record.parties, read_parties(citation.findall("{*}citedResponsibleParty"), languages))
    if first:
        record.abstract = text(ident.find("{*}abstract"), languages)
        record.purpose = text(ident.find("{*}purpose"), languages)
        record.service_type = string(ident.find("{*}serviceType"))
        record.maintenance_frequency = code(
            ident.find("{*}resourceMaintenance/*/{*}maintenanceAndUpdateFrequency")
        )
    add_new(record.credit, strings(ident.iterfind("{*}credit")))
    add_new(record.status, codes(ident.iterfind("{*}status")))
    add_new(record.parties, read_parties(ident.findall("{*}pointOfContact"), languages))
    for md_keywords in ident.iterfind("{*}descriptiveKeywords/*"):
        group = keyword_group(md_keywords, languages)
        if group is not None:
            add_new(record.keywords, [group])
    add_new(record.topic_categories, codes(ident.iterfind("{*}topicCategory")))
    add_new(record.resource_languages, resource_languages)
    add_new(record.extents, extents(ident, languages))
    add_new(record.graphic_overviews, strings(ident.iterfind("{*}graphicOverview/*/{*}fileName")))
    add_new(record.spatial_representation_types, codes(ident.iterfind("{*}spatialRepresentationType")))
    add_constraints(record.constraints, ident, languages)


def add_identifications(
    record: Record,
    identifications: list[etree._Element],
    languages: Languages,
    read_parties: PartiesReader,
    resource_languages: Callable[[etree._Element], list[str]],
    scope: str | None,
) -> None:
    """The hierarchy level (declared, else ``service`` for a service identification) and every
    identification, the first giving title, abstract..., in the reader's own encoding of parties
    and resource languages."""
    if scope:
        record.hierarchy_level = scope
    elif local(identifications[0]).startswith("SV_"):
        record.hierarchy_level = "service"
    for index, ident in enumerate(identifications):
        add_identification(record, ident, languages, index == 0, read_parties, resource_languages(ident))


def links(root: etree._Element, languages: Languages) -> list[Link]:
    """Every online resource of the distribution and of service operations, once each."""
    found: list[Link] = []
    for resource in [
        *root.iterfind("{*}distributionInfo/*/{*}transferOptions/*/{*}onLine/*"),
        *root.iterfind("{*}distributionInfo/*/{*}distributor/*/{*}distributorTransferOptions/*/{*}onLine/*"),
        *root.iterfind("{*}identificationInfo/*/{*}containsOperations/*/{*}connectPoint/*"),
    ]:
        link = online_resource(resource, languages)
        if link is not None:
            add_new(found, [link])
    return found
