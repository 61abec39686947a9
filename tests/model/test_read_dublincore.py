"""Dublin Core reader: csw:Record (Sextant, OWSLib, CITE) and oai_dc (SEANOE) records of the corpus."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from odatis_csw.model.readers import read_record
from odatis_csw.model.record import BoundingBox, Record

DATA = Path(__file__).resolve().parents[1] / "data"
SEANOE = DATA / "oaipmh" / "b2find-seanoe-oairecord-oai_dc__bbox_0a476c9c-47ab-51ed-aa7b-8607416cdc0c.xml"
SEXTANT = (
    DATA
    / "records"
    / "dublin-core"
    / "b2find-envriplus-sextant-cswrecord__0812e318-25c6-5d4a-b4b1-a22428240060.xml"
)
SEXTANT_ARGO = DATA / "model" / "b2find-envriplus-sextant-cswrecord__12315a55-94af-5cf2-96a9-95102e7ddee4.xml"
OWSLIB = DATA / "records" / "dublin-core" / "owslib__9250AA67-F3AC-6C12-0CB9-0662231AA181_dc.xml"
CITE = DATA / "cite" / "Record_94bc9c83-97f6-4b40-9eb8-a8e8787a5c63.xml"

OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
CSW_RECORD = "{http://www.opengis.net/cat/csw/2.0.2}Record"


def read(path: Path) -> Record:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    return read_record(next(el for el in root.iter(OAI_DC, CSW_RECORD)))


def test_seanoe_oai_dc():
    record = read(SEANOE)
    assert record.title.value.startswith("Updated biological traits' scoring")
    assert record.file_identifier == "DOI:10.17882/59517"
    assert record.dois == ["10.17882/59517"]
    assert len(record.identifiers) == 1  # the resolver URL names the same DOI
    assert [p.individual for p in record.parties if p.role == "author"][:2] == [
        "Foveau, Aurelie",
        "Jac, Cyrielle",
    ]
    publisher = next(p for p in record.parties if p.role == "publisher")
    assert publisher.organisation.value == "SEANOE"
    assert [(d.value, d.type) for d in record.dates] == [("2019-03-05", "publication")]
    assert record.hierarchy_level == "dataset"
    assert [k.text.value for k in record.keywords[0].keywords][:2] == ["benthic fauna", "disturbance"]
    # dc:coverage (named bounds) and dct:spatial DCTERMS:Box (south west north east) are the same box
    assert record.boxes == [BoundingBox(west=-6.0, east=11.0, south=41.0, north=57.0)]
    assert record.links[0].url == "http://www.seanoe.org/data/00483/59517/illustration.gif"
    (licence,) = record.constraints.licences
    assert licence.text.value == "CC-BY-ND"


def test_sextant_csw_record_with_geonetwork_links_and_lon_lat_box():
    record = read(SEXTANT)
    assert record.file_identifier == "ecbce8ad-79fe-41b2-9bf7-f0d5cd80582d"
    assert record.title.value == "Surface Ocean CO2 Atlas (SOCAT)"
    assert record.abstract.value.startswith("The Surface Ocean CO₂ Atlas (SOCAT)")
    assert "sea_surface_temperature" in [k.text.value for k in record.keywords[0].keywords]
    assert record.topic_categories == ["oceans"]
    assert record.resource_languages == ["eng"]
    assert record.lineage.value.startswith("The public SOCAT data collection")
    assert record.constraints.access_constraints == ["otherRestrictions"]
    # urn:ogc:def:crs:EPSG:6.6:4326 says latitude first, but 180 is no latitude: the corners are lon/lat
    assert record.boxes == [BoundingBox(west=180.0, east=-180.0, south=-90.0, north=90.0)]
    link = record.links[0]
    assert (link.url, link.protocol, link.name) == ("https://www.socat.info", "WWW:LINK", "Access to SOCAT")
    assert record.links[1].protocol == "image/png"


def test_owslib_csw_record_epsg4326_latitude_first():
    record = read(OWSLIB)
    assert record.boxes == [BoundingBox(west=-180.0, east=180.0, south=-90.0, north=90.0)]
    assert record.hierarchy_level == "dataset"  # http://purl.org/dc/dcmitype/Dataset
    assert {(d.value, d.type) for d in record.dates} == {
        ("2009-09-03", "revision"),
        ("2009-09-03", "creation"),
    }
    assert record.metadata_date == "2009-09-03"  # CSW: dct:modified is the record's date
    creator = next(p for p in record.parties if p.role == "author")
    assert creator.organisation.value == "EMAN Coordinating Office, Environment Canada"
    assert [f.name for f in record.formats] == ["text/xml"]
    assert record.resource_languages == ["eng; CAN"]


def test_cite_record_urn_epsg_4326_latitude_first():
    record = read(CITE)
    assert record.title.value == "Mauris sed neque"
    assert record.boxes == [BoundingBox(west=-4.097, east=0.889, south=47.595, north=51.217)]
