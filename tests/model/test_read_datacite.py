"""DataCite reader: kernel 4 and kernel 3 records of the corpus (copies in tests/data), concrete values."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from odatis_csw.model.readers import read_record
from odatis_csw.model.record import BoundingBox, Record

DATA = Path(__file__).resolve().parents[1] / "data"
FULL_V4 = DATA / "model" / "datacite-schema-kernel4__datacite-example-full-v4.xml"
KERNEL3 = DATA / "model" / "bolognese__datacite-example-complicated-v3.0.xml"
PANGAEA = DATA / "oaipmh" / "b2find-pangaea-oairecord-datacite__5755f06f-a5a9-5794-9d05-ab23e51452be.xml"
GEO_V4 = DATA / "oaipmh" / "datacite-schema-kernel4__datacite-example-GeoLocation-v4.xml"


def resource(path: Path) -> etree._Element:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    return next(el for el in root.iter("{*}resource"))


def read(path: Path) -> Record:
    return read_record(resource(path))


@pytest.fixture(scope="module")
def full() -> Record:
    return read(FULL_V4)


def test_identifiers_with_the_doi_and_alternate_identifiers(full):
    assert full.file_identifier == "10.82433/B09Z-4K37"
    assert full.dois == ["10.82433/b09z-4k37"]
    assert [(i.code, i.codespace) for i in full.identifiers] == [
        ("10.82433/B09Z-4K37", "DOI"),
        ("12345", "Local accession number"),
    ]


def test_titles_translations_and_alternate_titles(full):
    assert full.title.value == "Example Title"
    assert full.title.translations == {"fre": "Example TranslatedTitle"}  # xml:lang="fr" as ISO 639-2/B
    assert [t.value for t in full.alternate_titles] == ["Example Subtitle", "Example AlternativeTitle"]
    assert full.language == "eng"


def test_creators_contributors_and_publisher_with_roles_and_anchors(full):
    person = full.parties[0]
    assert (person.role, person.individual) == ("author", "ExampleFamilyName, ExampleGivenName")
    assert person.organisation.value == "ExampleAffiliation"
    assert person.anchor == "https://ror.org/04wxnsj81"
    assert person.url == "https://orcid.org/0000-0001-5727-2427"
    organisation = full.parties[1]
    assert organisation.individual is None and organisation.organisation.value == "ExampleOrganization"
    publisher = next(p for p in full.parties if p.role == "publisher")
    assert (publisher.organisation.value, publisher.anchor) == (
        "Example Publisher",
        "https://ror.org/04z8jg394",
    )
    roles = [p.role for p in full.parties]
    # ContactPerson, DataCurator, HostingInstitution, ProjectLeader, RightsHolder (mappings/crosswalks.yaml)
    for role in (
        "pointOfContact",
        "custodian",
        "resourceProvider",
        "principalInvestigator",
        "owner",
        "distributor",
    ):
        assert role in roles


def test_dates_by_type_and_collected_period_as_temporal_extent(full):
    assert {(d.value, d.type) for d in full.dates} == {
        ("2024-01-01", "publication"),
        ("2024-01-01", "creation"),
        ("2024-01-01", "revision"),
    }
    (period,) = full.temporal_extents
    assert (period.begin, period.end) == ("2024-01-01", "2024-12-31")


def test_subjects_grouped_by_scheme_with_thesaurus_and_value_anchors(full):
    fos = next(g for g in full.keywords if g.thesaurus and g.thesaurus.value.startswith("Fields of Science"))
    assert fos.thesaurus.anchor == "http://www.oecd.org/science/inno"
    assert fos.keywords[0].text.value == "FOS: Computer and information sciences"
    assert fos.keywords[0].text.anchor == "http://www.oecd.org/science/inno/38235147.pdf"
    free = next(g for g in full.keywords if g.thesaurus is None and g.type == "theme")
    assert [k.text.value for k in free.keywords] == ["Example Subject"]
    places = next(g for g in full.keywords if g.type == "place")
    assert [k.text.value for k in places.keywords] == ["Vancouver, British Columbia, Canada"]


def test_descriptions_by_type(full):
    assert full.abstract.value.startswith("Example Abstract")
    assert full.lineage.value == "Example Methods\n\nExample TechnicalInfo"


def test_geolocations_box_point_and_polygon(full):
    extent = full.extents[0]
    assert BoundingBox(west=-123.27, east=-123.02, south=49.195, north=49.315) in extent.boxes
    assert BoundingBox(west=-123.1207, east=-123.1207, south=49.2827, north=49.2827) in extent.boxes
    (polygon,) = extent.polygons
    assert polygon.exterior[0] == (-71.032, 41.991) == polygon.exterior[-1]
    assert len(polygon.exterior) == 5


def test_rights_as_licence_with_canonical_uri(full):
    (licence,) = full.constraints.licences
    assert licence.text.value == "Creative Commons Attribution 4.0 International"
    assert licence.uri == "https://creativecommons.org/licenses/by/4.0/"


def test_formats_language_version_related_identifiers_and_funding(full):
    assert [f.name for f in full.formats] == ["application/xml", "text/plain"]
    assert full.resource_languages == ["eng"]
    assert full.edition == "1"
    assert full.parent_identifier == "12082125"  # the first IsPartOf
    doi_link = next(link for link in full.links if link.description == "IsContinuedBy")
    assert doi_link.url == "https://doi.org/10.1016/j.epsl.2011.11.037"
    assert doi_link.relation == "successor-version"
    assert full.credit == ["Example Funder, 12345, Example AwardTitle"]
    assert full.hierarchy_level == "dataset"


def test_kernel3_record():
    record = read(KERNEL3)
    assert record.title.value == "Właściwości rzutowań podprzestrzeniowych"
    assert [t.value for t in record.alternate_titles] == ["Translation of Polish titles"]
    assert record.parties[0].individual == "Smith, John"
    assert record.parties[1].organisation.value == "つまらないものですが"
    assert record.parties[1].anchor == "http://isni.org/isni/0000000134596520"
    collector = next(p for p in record.parties if p.individual == "Doe, John")
    assert collector.role == "originator"
    assert collector.url == "http://orcid.org/0000-0001-5393-1421"
    assert record.parent_identifier == "10.5272/oldertestpub"
    assert record.hierarchy_level == "nonGeographicDataset"  # resourceTypeGeneral Text
    (licence,) = record.constraints.licences
    assert licence.uri == "https://creativecommons.org/licenses/by-nd/2.0/"  # canonical
    assert licence.text.anchor == "http://creativecommons.org/licenses/by-nd/2.0/"  # as written
    assert [d.value for d in record.dates] == ["2010"]


def test_pangaea_record_in_an_oai_envelope():
    record = read(PANGAEA)
    assert record.dois == ["10.1594/pangaea.548413"]
    assert record.hierarchy_level == "series"  # resourceTypeGeneral Collection
    assert record.boxes == [BoundingBox(west=62.883, east=64.183, south=21.966, north=23.15)]
    (period,) = record.temporal_extents
    assert (period.begin, period.end) == ("1965-03-19T00:00:00", "1965-03-21T00:00:00")
    (licence,) = record.constraints.licences
    assert licence.uri == "https://creativecommons.org/licenses/by/3.0/"
    campaign = next(g for g in record.keywords if g.thesaurus and g.thesaurus.value == "Campaign")
    assert [k.text.value for k in campaign.keywords] == ["M1"]
    assert record.parties[0].individual == "Martini, Erlend"
    assert record.parties[-1].role == "publisher"


def test_kernel4_geolocation_example():
    record = read(GEO_V4)
    assert record.boxes
    assert all(-180 <= box.west <= 180 and -90 <= box.south <= 90 for box in record.boxes)
