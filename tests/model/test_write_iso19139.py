"""ISO 19139 writer: valid gmd:MD_Metadata for every DataCite / Dublin Core / OGC API Records record
of tests/data (and of the shared corpus when present), every model field written, deterministic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from odatis_csw.mapping import vocab
from odatis_csw.model.iso19139 import to_bytes, write
from odatis_csw.model.iso19139_xml import date_value, uri
from odatis_csw.model.readers import read_json, read_record, reader_name
from odatis_csw.model.record import BoundingBox, Extent, Record, Text
from odatis_csw.quality import validate
from odatis_csw.quality.schemas import iso19139_schema

SRV = "http://www.isotc211.org/2005/srv"

TESTS = Path(__file__).resolve().parents[1]
DATA = TESTS / "data"
SHARED = TESTS.parents[1] / "shared"
CORPUS = SHARED / "corpus"
NON_ISO = ("datacite", "dublincore")
NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "srv": "http://www.isotc211.org/2005/srv",
}


def non_iso_records(folder: Path) -> Iterator[tuple[str, Record]]:
    """(label, record) for every DataCite / Dublin Core element and OGC API Records JSON under folder."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted(folder.rglob("*.xml")):
        try:
            root = etree.parse(str(path), parser).getroot()
        except (etree.XMLSyntaxError, OSError):
            continue
        elements = [el for el in root.iter() if isinstance(el.tag, str) and reader_name(el) in NON_ISO]
        for number, element in enumerate(elements):
            yield f"{path.relative_to(folder)}#{number}", read_record(element)
    for path in sorted(folder.rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(document, dict) and document.get("type") == "Feature" and "properties" in document:
            yield str(path.relative_to(folder)), read_json(document)


def xsd_errors(document: etree._Element) -> list[str]:
    """Errors against the ISO 19139 XSDs; a service's ISO 19119 part, whose XSD is not held locally,
    is checked the way the catalogue's quality check does (its ISO 19139 objects validated)."""
    if document.find(f".//{{{SRV}}}SV_ServiceIdentification") is None:
        schema = iso19139_schema()
        if schema.validate(document):
            return []
        return [f"line {error.line}: {error.message}" for error in schema.error_log][:10]
    quality = validate(document)
    assert quality.xsd_scope == "partial"
    return [
        f"{problem.path}: {problem.message}" for problem in quality.problems if problem.severity == "error"
    ]


LOCAL = list(non_iso_records(DATA))


def test_tests_data_holds_every_dialect():
    dialects = {record.dialect for _, record in LOCAL}
    assert {"datacite", "dublincore"} <= dialects
    assert len(LOCAL) >= 40


@pytest.mark.parametrize(("label", "record"), LOCAL, ids=[label for label, _ in LOCAL])
def test_written_record_is_valid_iso19139(label, record):
    document = write(record)
    assert document.tag == "{http://www.isotc211.org/2005/gmd}MD_Metadata"
    assert xsd_errors(document) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_every_corpus_record_writes_valid_iso19139_and_reads_back():
    invalid, lost = {}, {}
    count = 0
    for label, record in non_iso_records(CORPUS):
        count += 1
        document = write(record)
        if problems := xsd_errors(document):
            invalid[label] = problems
        expected, found = kept_fields(record), kept_fields(read_record(document))
        if differences := [key for key in expected if expected[key] != found[key]]:
            lost[label] = differences
    assert count > 150
    assert invalid == {}
    assert lost == {}


def test_same_model_same_bytes():
    for _, record in LOCAL[:10]:
        assert to_bytes(record) == to_bytes(record)


def test_written_fields_full_datacite_record():
    ((_, record),) = [(label, r) for label, r in LOCAL if "datacite-example-full-v4" in label]
    document = write(record)

    def texts(path: str) -> list[str]:
        return [str(value).strip() for value in document.xpath(path, namespaces=NS)]

    ident = "gmd:identificationInfo/gmd:MD_DataIdentification"
    citation = f"{ident}/gmd:citation/gmd:CI_Citation"
    assert texts("gmd:fileIdentifier/gco:CharacterString/text()") == ["10.82433/B09Z-4K37"]
    assert texts(f"{citation}/gmd:title/gco:CharacterString/text()") == ["Example Title"]
    # the translation references a declared locale
    (locale_ref,) = texts(f"{citation}/gmd:title/gmd:PT_FreeText//gmd:LocalisedCharacterString/@locale")
    assert texts("gmd:locale/gmd:PT_Locale/@id") == [locale_ref.lstrip("#")]
    assert texts("gmd:locale/gmd:PT_Locale/gmd:languageCode/gmd:LanguageCode/@codeListValue") == ["fre"]
    assert texts(f"{citation}/gmd:alternateTitle/gco:CharacterString/text()") == [
        "Example Subtitle",
        "Example AlternativeTitle",
    ]
    # the DOI as an MD_Identifier whose code is an Anchor to the resolver
    assert texts(f"{citation}/gmd:identifier/gmd:MD_Identifier/gmd:code/gmx:Anchor/@xlink:href") == [
        "https://doi.org/10.82433/b09z-4k37"
    ]
    assert texts(f"{citation}/gmd:identifier/gmd:RS_Identifier/gmd:codeSpace/gco:CharacterString/text()") == [
        "Local accession number"
    ]
    # organisation anchors, roles
    assert "https://ror.org/04z8jg394" in texts(f"{citation}//gmd:organisationName/gmx:Anchor/@xlink:href")
    assert "pointOfContact" in texts(f"{ident}/gmd:pointOfContact//gmd:CI_RoleCode/@codeListValue")
    # licence: otherConstraints Anchor to the licence URI (source's words), useConstraints otherRestrictions
    legal = f"{ident}/gmd:resourceConstraints/gmd:MD_LegalConstraints"
    assert texts(f"{legal}/gmd:otherConstraints/gmx:Anchor/@xlink:href") == [
        "https://creativecommons.org/licenses/by/4.0/"
    ]
    assert texts(f"{legal}/gmd:otherConstraints/gmx:Anchor/text()") == [
        "Creative Commons Attribution 4.0 International"
    ]
    assert texts(f"{legal}/gmd:useConstraints/gmd:MD_RestrictionCode/@codeListValue") == ["otherRestrictions"]
    # keyword anchors and thesaurus anchor
    assert "http://www.oecd.org/science/inno/38235147.pdf" in texts(
        f"{ident}//gmd:keyword/gmx:Anchor/@xlink:href"
    )
    assert "http://www.oecd.org/science/inno" in texts(
        f"{ident}//gmd:thesaurusName//gmd:title/gmx:Anchor/@xlink:href"
    )
    # extents: boxes, polygon with gml:id, period
    extent = f"{ident}/gmd:extent/gmd:EX_Extent"
    assert texts(f"{extent}//gmd:westBoundLongitude/gco:Decimal/text()") == ["-123.27", "-123.1207"]
    assert texts(f"{extent}//gml:Polygon/@gml:id") == ["polygon-1"]
    assert texts(f"{extent}//gml:TimePeriod/gml:beginPosition/text()") == ["2024-01-01"]
    # formats with a nil version, links, lineage, date stamp from the newest resource date
    assert texts("gmd:distributionInfo//gmd:MD_Format/gmd:version/@gco:nilReason") == ["unknown", "unknown"]
    assert len(document.xpath("gmd:distributionInfo//gmd:CI_OnlineResource", namespaces=NS)) == len(
        record.links
    )
    assert texts("gmd:dataQualityInfo//gmd:statement/gco:CharacterString/text()") == [record.lineage.value]
    assert texts("gmd:dateStamp/gco:Date/text()") == ["2024-01-01"]
    assert texts("gmd:parentIdentifier/gco:CharacterString/text()") == ["12082125"]
    assert texts(f"{ident}/gmd:credit/gco:CharacterString/text()") == [
        "Example Funder, 12345, Example AwardTitle"
    ]


def test_metadata_contact_falls_back_to_the_publisher():
    ((_, record),) = [(label, r) for label, r in LOCAL if "seanoe-oairecord-oai_dc__bbox" in label]
    assert record.metadata_contacts == []
    document = write(record)
    (role,) = document.xpath("gmd:contact//gmd:CI_RoleCode/@codeListValue", namespaces=NS)
    assert role == "publisher"
    assert document.xpath("string(gmd:contact//gmd:organisationName)", namespaces=NS).strip() == "SEANOE"


def test_empty_record_still_valid_with_nil_reasons():
    document = write(Record(dialect="test"))
    assert xsd_errors(document) == []
    assert document.xpath("gmd:contact/@gco:nilReason", namespaces=NS) == ["missing"]
    assert document.xpath("gmd:dateStamp/@gco:nilReason", namespaces=NS) == ["missing"]


def kept_fields(record: Record) -> dict[str, object]:
    """What every reader of the written document must find again, field by field."""
    keywords = {(k.text.value, uri(k.text.anchor or "")) for group in record.keywords for k in group.keywords}
    return {
        "file_identifier": record.file_identifier,
        "title": (record.title.value, record.title.translations),
        "alternate_titles": [t.value for t in record.alternate_titles],
        "abstract": record.abstract.value if record.abstract else None,
        "dois": record.dois,
        "dates": {(d.value, d.type) for d in record.dates if date_value(d.value)},  # others are nil
        "parties": {
            (p.role, p.individual, p.organisation.value if p.organisation else None) for p in record.parties
        },
        "keywords": keywords,
        "thesauri": {
            (g.thesaurus.value, uri(g.thesaurus.anchor or "")) for g in record.keywords if g.thesaurus
        },
        # an extent given only as WGS 84 polygons also gets their envelope: compare the given boxes
        "boxes": [
            (b.west, b.east, b.south, b.north) for e in record.extents if not e.polygons for b in e.boxes
        ],
        "polygons": [p.exterior for e in record.extents for p in e.polygons],
        "places": [t.value for e in record.extents for t in e.geographic_identifiers],
        "temporal": [(t.begin, t.end, t.end_indeterminate) for t in record.temporal_extents],
        # a reader may class a statement as licence or other constraint (by its vocabulary): words kept
        "rights": sorted(
            [lic.text.value for lic in record.constraints.licences]
            + [t.value for t in record.constraints.other_constraints]
        ),
        "licence_uris": sorted(
            lic.uri for lic in record.constraints.licences if lic.uri and vocab.licence_anchor(lic.uri)
        ),
        "access_constraints": record.constraints.access_constraints,
        "formats": sorted({f.name for f in record.formats}),
        "links": sorted(
            {(uri(link.url), link.name, link.description, link.protocol) for link in record.links}, key=str
        ),
        "overviews": record.graphic_overviews,
        "lineage": record.lineage.value if record.lineage else None,
        "parent": record.parent_identifier,
        "level": record.hierarchy_level,
        "languages": (record.language, record.resource_languages),
        "credit": record.credit,
        "edition": record.edition,
        "status": record.status,
        "topics": record.topic_categories,
    }


@pytest.mark.parametrize(("label", "record"), LOCAL, ids=[label for label, _ in LOCAL])
def test_round_trip_through_the_iso19139_reader(label, record):
    back = read_record(write(record))
    assert back.dialect == "iso19139"
    expected, found = kept_fields(record), kept_fields(back)
    assert {key: found[key] for key in expected if found[key] != expected[key]} == {}


def test_fields_no_non_iso_dialect_carries_are_written_too():
    from odatis_csw.model.record import (
        Constraints,
        Extent,
        Instrument,
        Keyword,
        KeywordGroup,
        Party,
        Platform,
        Text,
        VerticalExtent,
    )

    record = Record(
        dialect="test",
        metadata_contacts=[Party(role="pointOfContact", organisation=Text("Ifremer"), email=["a@b.fr"])],
        reference_systems=["EPSG:4326"],
        metadata_standard="ISO 19115:2003/19139",
        other_languages=["fre"],
        purpose=Text("Why"),
        status=["onGoing"],
        maintenance_frequency="daily",
        spatial_representation_types=["grid"],
        topic_categories=["oceans", "ocean physics"],
        keywords=[KeywordGroup([Keyword(Text("Temperature", {"fre": "Température"}, "http://vocab/TEMP"))])],
        extents=[Extent(vertical=[VerticalExtent(0.0, 2000.0, "urn:ogc:def:crs:EPSG::5831")])],
        constraints=Constraints(use_limitations=[Text("Not for navigation")], classification="unclassified"),
        platforms=[
            Platform(
                Text("research vessel", anchor="http://vocab.nerc.ac.uk/collection/L06/current/31/"),
                "RV",
                [Instrument(Text("CTD"))],
            )
        ],
        service_type="download",
    )
    document = write(record)
    assert xsd_errors(document) == []

    def texts(path: str) -> list[str]:
        return [str(value).strip() for value in document.xpath(path, namespaces=NS)]

    ident = "gmd:identificationInfo/gmd:MD_DataIdentification"
    assert texts("gmd:contact//gmd:electronicMailAddress/gco:CharacterString/text()") == ["a@b.fr"]
    assert texts("gmd:referenceSystemInfo//gmd:code/gco:CharacterString/text()") == ["EPSG:4326"]
    assert texts("gmd:locale/gmd:PT_Locale/@id") == ["FRE"]
    assert texts(f"{ident}//gmd:keyword//gmd:LocalisedCharacterString[@locale='#FRE']/text()") == [
        "Température"
    ]
    assert texts(f"{ident}/gmd:topicCategory/gmd:MD_TopicCategoryCode/text()") == ["oceans"]
    keywords = texts(f"{ident}//gmd:keyword/*[1]/text()")
    assert {"ocean physics", "research vessel", "CTD", "download"} <= set(keywords)
    assert "SeaVoX Platform Categories (NVS L06)" in texts(f"{ident}//gmd:thesaurusName//gmd:title/*/text()")
    assert texts(f"{ident}//gmd:EX_VerticalExtent/gmd:maximumValue/gco:Real/text()") == ["2000.0"]
    assert texts(f"{ident}//gmd:EX_VerticalExtent/gmd:verticalCRS/@xlink:href") == [
        "urn:ogc:def:crs:EPSG::5831"
    ]
    assert texts(f"{ident}//gmd:useLimitation/gco:CharacterString/text()") == ["Not for navigation"]
    assert texts(f"{ident}//gmd:classification/*/@codeListValue") == ["unclassified"]
    assert texts(f"{ident}/gmd:supplementalInformation/gco:CharacterString/text()") == ["research vessel: RV"]
    assert texts("gmd:hierarchyLevel/gmd:MD_ScopeCode/@codeListValue") == ["dataset"]
    assert texts(f"{ident}/gmd:status/*/@codeListValue") == ["onGoing"]
    assert texts(f"{ident}//gmd:maintenanceAndUpdateFrequency/*/@codeListValue") == ["daily"]


def test_a_service_is_written_with_its_iso_19119_identification():
    record = Record(
        dialect="test",
        file_identifier="svc-1",
        title=Text("Sea level WMS"),
        abstract=Text("Maps of sea level"),
        hierarchy_level="service",
        service_type="view",
        extents=[Extent(boxes=[BoundingBox(-5.0, 10.0, 40.0, 52.0)])],
    )
    document = write(record)
    assert xsd_errors(document) == []
    (service,) = document.xpath("gmd:identificationInfo/srv:SV_ServiceIdentification", namespaces=NS)
    assert service.xpath("srv:serviceType/gco:LocalName/text()", namespaces=NS) == ["view"]
    assert service.xpath("srv:extent//gmd:westBoundLongitude/gco:Decimal/text()", namespaces=NS) == ["-5.0"]
    assert document.xpath("gmd:hierarchyLevel/gmd:MD_ScopeCode/@codeListValue", namespaces=NS) == ["service"]
    assert not document.xpath("//gmd:MD_DataIdentification", namespaces=NS)
