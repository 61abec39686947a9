"""Real records in every dialect and profile load with their identity, extent and time intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from odatis_csw.safexml import parse_file
from odatis_csw.store.loader import Outcome, assessed_rows_of, load_file
from odatis_csw.store.repository import open_repository, setup_repository
from odatis_csw.store.rows import split_antimeridian

DATA = Path(__file__).parent / "data"
DIALECTS = DATA / "dialects"
NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "xlink": "http://www.w3.org/1999/xlink",
}
MAX = 20 * 1024 * 1024


@pytest.fixture
def repository(tmp_path):
    database = f"sqlite:///{tmp_path / 'unit.db'}"
    setup_repository(database, "records")
    return open_repository(database, "records")


# file, identifier, title start, (west, south, east, north) or None, time_begin start or None
EXPECTED = [
    (
        "gn-schemaplugins-sdn-cdi__CDI_ISO19139_full_example.xml",
        "urn:SDN:CDI:LOCAL:MARIS-TEST",
        "Test record with full coverage",
        (-80.20, -57.08, 114.84, 73.89),  # its three boxes
        "2009-01-01",
    ),
    (
        "gn-schemaplugins-sdn-csr__CSR_ISO19139_full_example.xml",
        "urn:SDN:CSR:LOCAL:FI351994800010",
        "CITHER 2 LEG 1",
        None,
        "1994-01-04",
    ),
    (
        "cioos-erddap-iso__SMA_bay_of_exploits_iso19115.xml",
        "SMA_bay_of_exploits",
        "Bay of Exploits Buoy",
        (-56.10, 48.68, None, None),
        "2014-09-02",
    ),
    ("aodn-imos-mcp2__CARS.xml", None, "CARS", None, "1900-01-01"),
    ("owslib__iso_che.xml", None, "Gewässerschutzkarte", (8.40, 47.08, None, None), None),
    (
        "gn-schemaplugins-iso19139.fra__CorineLandCover-mef__metadata.xml",
        None,
        "CORINE Land Cover",
        (-5.00, 40.00, None, None),
        None,
    ),
    ("owslib__arcgis-sample.xml", None, None, None, "2011-01-01"),
    ("owslib__iso19139_srv.xml", None, None, None, None),
]


def _box(wkt: str) -> tuple[float, float, float, float]:
    from shapely import wkt as shapely_wkt

    return shapely_wkt.loads(wkt).bounds


@pytest.mark.parametrize(
    ("name", "identifier", "title", "box", "begin"), EXPECTED, ids=[e[0] for e in EXPECTED]
)
def test_profile_record_loads_with_its_fields(repository, name, identifier, title, box, begin):
    [result] = load_file(repository, DIALECTS / name, MAX)
    assert result.outcome is Outcome.LOADED, result.reason
    [row] = repository.query_ids([result.identifier])
    if identifier:
        assert row.identifier == identifier
    if title:
        assert row.title.startswith(title)
    if box:
        west, south, east, north = _box(row.wkt_geometry)
        assert west == pytest.approx(box[0], abs=0.01)
        assert south == pytest.approx(box[1], abs=0.01)
    if begin:
        assert str(row.time_begin).startswith(begin)


def test_a_profile_record_is_served_as_plain_iso_19139_and_kept_as_published(repository):
    """SeaDataNet classes are kept in the source document; the served one is valid ISO 19139."""
    path = DIALECTS / "gn-schemaplugins-sdn-cdi__CDI_ISO19139_full_example.xml"
    [(row, assessment)] = assessed_rows_of(repository, parse_file(path))
    source = etree.fromstring(assessment.source_document.encode())
    assert source.find(".//{http://www.seadatanet.org}SDN_DataIdentification") is not None
    served = etree.fromstring(row.xml.encode())
    assert served.find(".//{http://www.seadatanet.org}SDN_DataIdentification") is None
    assert served.find(".//{http://www.isotc211.org/2005/gmd}MD_DataIdentification") is not None
    assert assessment.quality.valid_xsd and assessment.quality.xsd_scope == "full"
    assert "rebuilt-from-model" in [repair.what for repair in assessment.repairs]
    assert "Marine Information Service" in row.anytext


def test_seadatanet_parameters_become_searchable_keywords(repository):
    [result] = load_file(
        repository, DIALECTS / "gn-schemaplugins-sdn-cdi__CDI_ISO19139_full_example.xml", MAX
    )
    [row] = repository.query_ids([result.identifier])
    assert "Ammonium concentration" in row.keywords


def test_https_namespace_typo_is_corrected_in_the_stored_document(repository):
    [result] = load_file(repository, DIALECTS / "cioos-erddap-iso__SMA_bay_of_exploits_iso19115.xml", MAX)
    [row] = repository.query_ids([result.identifier])
    assert "https://www.isotc211.org/2005/gmi" not in row.xml
    assert etree.fromstring(row.xml.encode()).tag == "{http://www.isotc211.org/2005/gmi}MI_Metadata"


def test_record_without_identification_is_rejected_with_its_reason(repository, tmp_path):
    stub = tmp_path / "stub.xml"
    stub.write_text(
        '<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" '
        'xmlns:gco="http://www.isotc211.org/2005/gco"><gmd:fileIdentifier>'
        "<gco:CharacterString>stub-1</gco:CharacterString></gmd:fileIdentifier></gmd:MD_Metadata>"
    )
    [result] = load_file(repository, stub, MAX)
    assert result.outcome is Outcome.REJECTED
    assert "identificationInfo" in result.reason
    assert repository.count() == 0


@pytest.mark.parametrize(
    ("wkt", "expected_parts"),
    [
        ("POLYGON((170.00 -20.00, 170.00 -10.00, -170.00 -10.00, -170.00 -20.00, 170.00 -20.00))", 2),
        ("POLYGON((-5.00 40.00, -5.00 50.00, 5.00 50.00, 5.00 40.00, -5.00 40.00))", 1),
    ],
)
def test_boxes_crossing_the_antimeridian_are_split(wkt, expected_parts):
    from shapely import wkt as shapely_wkt

    geometry = shapely_wkt.loads(split_antimeridian(wkt))
    parts = list(getattr(geometry, "geoms", [geometry]))
    assert len(parts) == expected_parts
    if expected_parts == 2:
        assert geometry.intersects(shapely_wkt.loads("POINT(175 -15)"))
        assert geometry.intersects(shapely_wkt.loads("POINT(-175 -15)"))
        assert not geometry.intersects(shapely_wkt.loads("POINT(0 -15)"))


def test_an_updated_record_keeps_nothing_its_new_version_lost(repository, tmp_path):
    """Fields absent from the new version (keywords, links, box) are not kept from the old one."""
    original = (
        Path(__file__).parent / "data" / "records" / "iso19139" / "owslib__iso_keywords_anchor.xml"
    ).read_text(encoding="utf-8")
    first = tmp_path / "v1.xml"
    first.write_text(original, encoding="utf-8")
    [loaded] = load_file(repository, first, MAX)
    [before] = repository.query_ids([loaded.identifier])
    assert before.keywords and before.wkt_geometry
    stripped = re.sub(r"<gmd:descriptiveKeywords>.*?</gmd:descriptiveKeywords>", "", original, flags=re.S)
    stripped = re.sub(r"<gmd:geographicElement>.*?</gmd:geographicElement>", "", stripped, flags=re.S)
    second = tmp_path / "v2.xml"
    second.write_text(stripped, encoding="utf-8")
    [updated] = load_file(repository, second, MAX)
    assert updated.outcome is Outcome.UPDATED
    repository.session.expunge_all()
    [after] = repository.query_ids([loaded.identifier])
    assert not after.keywords
    assert after.wkt_geometry is None


def test_a_datacite_file_loads_and_is_served_as_iso_19139_with_its_doi_and_licence(repository):
    """A bare DataCite resource is read by its own reader: the served ISO 19139 keeps the DOI,
    the licence URI and the box, and the publisher's DataCite document is kept as it was."""
    path = DATA / "oaipmh" / "bolognese__datacite-example-geolocation-2.xml"
    [(row, assessment)] = assessed_rows_of(repository, parse_file(path))
    assert assessment.record is not None and assessment.record.dois == ["10.6071/z7wc73"]
    assert etree.fromstring(assessment.source_document.encode()).tag.endswith("}resource")
    served = etree.fromstring(row.xml.encode())
    assert served.tag == "{http://www.isotc211.org/2005/gmd}MD_Metadata"
    assert assessment.quality.valid_xsd and assessment.quality.xsd_scope == "full"
    hrefs = served.xpath("//gmd:otherConstraints/gmx:Anchor/@xlink:href", namespaces=NS)
    assert "https://creativecommons.org/licenses/by/4.0/" in hrefs
    assert served.xpath("//gmd:identifier//gmx:Anchor/@xlink:href", namespaces=NS) == [
        "https://doi.org/10.6071/z7wc73"
    ]
    assert row.wkt_geometry and row.wkt_geometry.startswith("POLYGON")
