"""The normalised record: one dataset or service description, whatever dialect it came in.

Readers (:mod:`odatis_csw.model.readers`) fill it from ISO 19139 and its profiles, ISO 19115-2,
ISO 19115-3, DataCite, Dublin Core and OGC API Records JSON; the ISO 19139 writer
(:mod:`odatis_csw.model.iso19139`) serialises it. The model keeps the source's own words:
normalisation only *adds* (an anchor URI next to a keyword, a canonical licence URI next to a
licence phrase) and every repair is traced elsewhere, never hidden here.

Codes follow ISO 19115 code lists (``CI_RoleCode``, ``CI_DateTypeCode``, ``MD_KeywordTypeCode``,
``MD_ScopeCode``, ``CI_OnLineFunctionCode``, ``MD_RestrictionCode``...); languages are the
three-letter ISO 639-2/B codes the source used (``eng``, ``fre``), kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
#: An identifier that is a DOI: bare, ``doi:``, or a resolver URL (not a text that cites one).
_DOI_FORMS = re.compile(r"^(doi:\s*|https?://(dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", re.IGNORECASE)


@dataclass
class Text:
    """A character string, with translations (PT_FreeText) and an anchor URI when it has one."""

    value: str
    translations: dict[str, str] = field(default_factory=dict)  # language code -> text
    anchor: str | None = None  # gmx:Anchor xlink:href, or a URI the mappings add

    def __str__(self) -> str:
        return self.value


@dataclass
class Identifier:
    """A resource identifier (MD_Identifier / RS_Identifier, a DOI, a DataCite identifier)."""

    code: str
    codespace: str | None = None
    authority: str | None = None  # title of the citing authority, when given

    @property
    def doi(self) -> str | None:
        """The DOI this identifier names, lower-cased (``10.xxxx/...``), else None."""
        code = self.code.strip()
        if _DOI_FORMS.match(code):
            return doi_of(code)
        named = "doi" in (self.codespace or "").lower()
        return doi_of(code) if named and not any(char.isspace() for char in code) else None


@dataclass
class CitedDate:
    """A date of the resource with its ``CI_DateTypeCode`` (creation, publication, revision...)."""

    value: str
    type: str


@dataclass
class Party:
    """A responsible party with its ``CI_RoleCode``; ``anchor`` is an EDMO (or other) URI."""

    role: str
    organisation: Text | None = None
    individual: str | None = None
    position: str | None = None
    email: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    url: str | None = None
    address: list[str] = field(default_factory=list)  # delivery points
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    anchor: str | None = None  # organisation URI (gmx:Anchor in the source or from the mappings)


@dataclass
class Keyword:
    """One keyword: the source's words, and the concept URI when the source or a mapping has one."""

    text: Text


@dataclass
class KeywordGroup:
    """Keywords sharing a type and thesaurus (one ``gmd:descriptiveKeywords``)."""

    keywords: list[Keyword] = field(default_factory=list)
    type: str | None = None  # MD_KeywordTypeCode: theme, place, stratum, temporal, discipline...
    thesaurus: Text | None = None  # title, with its anchor URI if any
    thesaurus_date: CitedDate | None = None


@dataclass
class BoundingBox:
    """A geographic bounding box in decimal degrees (west may exceed east: antimeridian)."""

    west: float
    east: float
    south: float
    north: float


@dataclass
class Polygon:
    """A bounding polygon: exterior ring as ``(lon, lat)`` pairs, closed."""

    exterior: list[tuple[float, float]]
    crs: str | None = None


@dataclass
class TemporalExtent:
    """A period or instant; a missing end with ``end_indeterminate="now"`` is an open period."""

    begin: str | None = None
    end: str | None = None
    begin_indeterminate: str | None = None  # unknown, now, before, after
    end_indeterminate: str | None = None


@dataclass
class VerticalExtent:
    minimum: float | None = None
    maximum: float | None = None
    crs: str | None = None  # a CRS URI/name, or the vertical datum when that is all there is


@dataclass
class Extent:
    """One ``EX_Extent``: a description and every geographic, temporal and vertical element."""

    description: str | None = None
    boxes: list[BoundingBox] = field(default_factory=list)
    polygons: list[Polygon] = field(default_factory=list)
    geographic_identifiers: list[Text] = field(default_factory=list)
    temporal: list[TemporalExtent] = field(default_factory=list)
    vertical: list[VerticalExtent] = field(default_factory=list)


@dataclass
class Link:
    """An online resource; ``relation``/``media_type`` are filled from the protocol mappings."""

    url: str
    protocol: str | None = None
    name: str | None = None
    description: str | None = None
    function: str | None = None  # CI_OnLineFunctionCode: download, information, offlineAccess...
    relation: str | None = None  # IANA link relation
    media_type: str | None = None


@dataclass
class Format:
    name: str
    version: str | None = None


@dataclass
class Licence:
    """A licence as the source states it, and its canonical URI (Creative Commons / SPDX)."""

    text: Text
    uri: str | None = None


@dataclass
class Constraints:
    """Legal and security constraints: licences, limitations, access and use codes."""

    licences: list[Licence] = field(default_factory=list)
    use_limitations: list[Text] = field(default_factory=list)
    access_constraints: list[str] = field(default_factory=list)  # MD_RestrictionCode
    use_constraints: list[str] = field(default_factory=list)  # MD_RestrictionCode
    other_constraints: list[Text] = field(default_factory=list)  # not recognised as a licence
    classification: str | None = None  # MD_ClassificationCode


@dataclass
class Instrument:
    identifier: Text | None = None
    type: Text | None = None
    description: str | None = None


@dataclass
class Platform:
    """A platform (ISO 19115-2 MI_Platform, or a platform keyword) and its instruments."""

    identifier: Text | None = None
    description: str | None = None
    instruments: list[Instrument] = field(default_factory=list)


@dataclass
class Record:
    """One metadata record, normalised. ``dialect`` names what it was read from."""

    dialect: str
    file_identifier: str | None = None
    language: str | None = None
    other_languages: list[str] = field(default_factory=list)  # PT_Locale languages
    charset: str | None = None
    hierarchy_level: str = "dataset"  # MD_ScopeCode
    parent_identifier: str | None = None
    dataset_uri: str | None = None  # ISO 19139 dataSetURI: a URI of the resource (often a DOI)
    metadata_date: str | None = None  # dateStamp
    metadata_contacts: list[Party] = field(default_factory=list)
    metadata_standard: str | None = None
    metadata_standard_version: str | None = None
    reference_systems: list[str] = field(default_factory=list)
    # identification
    title: Text = field(default_factory=lambda: Text(""))
    alternate_titles: list[Text] = field(default_factory=list)
    abstract: Text | None = None
    purpose: Text | None = None
    credit: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)  # MD_ProgressCode
    identifiers: list[Identifier] = field(default_factory=list)
    dates: list[CitedDate] = field(default_factory=list)
    edition: str | None = None
    parties: list[Party] = field(default_factory=list)  # citation parties and points of contact
    keywords: list[KeywordGroup] = field(default_factory=list)
    topic_categories: list[str] = field(default_factory=list)
    resource_languages: list[str] = field(default_factory=list)
    extents: list[Extent] = field(default_factory=list)
    graphic_overviews: list[str] = field(default_factory=list)
    maintenance_frequency: str | None = None
    spatial_representation_types: list[str] = field(default_factory=list)
    service_type: str | None = None  # srv:serviceType for service records
    # distribution
    links: list[Link] = field(default_factory=list)
    formats: list[Format] = field(default_factory=list)
    # constraints, quality
    constraints: Constraints = field(default_factory=Constraints)
    lineage: Text | None = None
    # acquisition (ISO 19115-2)
    platforms: list[Platform] = field(default_factory=list)

    @property
    def dois(self) -> list[str]:
        """Every DOI the record names as an identifier of the resource, lower-cased, in order."""
        found: list[str] = []
        for identifier in self.identifiers:
            doi = identifier.doi
            if doi and doi not in found:
                found.append(doi)
        return found

    @property
    def boxes(self) -> list[BoundingBox]:
        return [box for extent in self.extents for box in extent.boxes]

    @property
    def temporal_extents(self) -> list[TemporalExtent]:
        return [period for extent in self.extents for period in extent.temporal]


def doi_of(value: str) -> str | None:
    """The DOI in an identifier, a ``doi:`` URI or a resolver URL, lower-cased; else None."""
    match = _DOI.search(value or "")
    return match.group(1).rstrip(".,;").lower() if match else None
