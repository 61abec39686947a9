"""Reader edge cases found by the corpus fidelity report, each on the real record that showed it."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from odatis_csw.model.iso19139 import write
from odatis_csw.model.readers import read_record
from odatis_csw.safexml import parse_file

DATA = Path(__file__).resolve().parents[1] / "data"
GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"


def _read(path: Path):
    return read_record(parse_file(path).getroot())


def test_pangaea_coverage_bounds_are_read_as_a_box() -> None:
    """PANGAEA writes "SOUTH-BOUND LATITUDE: 9.833000 * WEST-BOUND LONGITUDE: -111.400000 * ..."."""
    root = parse_file(DATA / "oaipmh" / "pangaea-oai__GetRecord_oai_dc.xml").getroot()
    record = read_record(next(root.iter(OAI_DC)))
    [box] = record.boxes
    assert (box.west, box.east, box.south, box.north) == (-111.4, -31.516667, 9.833, 37.84)


def test_a_datacite_record_with_only_methods_still_has_an_abstract() -> None:
    """ISO needs an abstract: a DataCite record whose only description is Methods keeps it as both."""
    record = _read(DATA / "model" / "bolognese__datacite-xml-lang.xml")
    text = "This is the DOI TEST 2 product where this is the description field content."
    assert record.lineage is not None and record.lineage.value == text
    assert record.abstract is not None and record.abstract.value == text


def test_a_datacite_polygon_gets_its_envelope_as_the_served_box() -> None:
    record = _read(DATA / "model" / "bolognese__datacite-example-polygon.xml")
    [polygon] = [p for extent in record.extents for p in extent.polygons]
    assert not record.boxes
    written = write(record)
    boxes = written.findall(f".//{{{GMD}}}EX_GeographicBoundingBox")
    assert len(boxes) == 1
    west = float(boxes[0].findtext(f"{{{GMD}}}westBoundLongitude/{{{GCO}}}Decimal"))
    north = float(boxes[0].findtext(f"{{{GMD}}}northBoundLatitude/{{{GCO}}}Decimal"))
    assert west == min(lon for lon, _ in polygon.exterior)
    assert north == max(lat for _, lat in polygon.exterior)
    assert written.find(f".//{{{GMD}}}EX_BoundingPolygon") is not None


def test_a_datacite_url_alternate_identifier_is_also_a_link() -> None:
    name = "b2find-envidat-oairecord-datacite__point_list_9d490baa-18c7-569e-a393-2a5dbd63cec1.xml"
    root = parse_file(DATA / "oaipmh" / name).getroot()
    record = read_record(
        next(el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("}resource"))
    )
    urls = [i.code for i in record.identifiers if (i.codespace or "").upper() == "URL"]
    assert urls == ["https://www.envidat.ch/dataset/10-16904-7"]
    for url in urls:
        assert url in [link.url for link in record.links]
    written = etree.tostring(write(record), encoding="unicode")
    assert all(url in written for url in urls)
