"""oai_dc and DataCite (kernel 2.2, 3, 4; bare or in oai_datacite) → csw:Record the catalogue stores.

Real records only (tests/data/oaipmh, see its PROVENANCE.tsv; the whole shared corpus when present).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschemas
from lxml import etree
from shapely import wkt

from harvesters.oaipmh import standalone
from odatis_csw.errors import UnsafeXMLError
from odatis_csw.harvest.crosswalk import crosswalk_of, stylesheet, to_catalogue_document
from odatis_csw.safexml import parse_bytes
from odatis_csw.store.records import to_row
from odatis_csw.store.repository import open_repository, setup_repository

DATA = Path(__file__).resolve().parents[1] / "data" / "oaipmh"
RECORDS = Path(__file__).resolve().parents[1] / "data" / "records"
OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dct": "http://purl.org/dc/terms/",
    "ows": "http://www.opengis.net/ows",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('crosswalk') / 'unit.db'}"
    setup_repository(database, "records")
    return open_repository(database, "records")


def payload(path: Path) -> bytes:
    """The metadata of a file: itself, or what an OAI-PMH record or response carries."""
    data = path.read_bytes()
    root = etree.fromstring(data)
    if root.tag in (f"{{{OAI}}}record", f"{{{OAI}}}OAI-PMH"):
        metadata = root.find(f".//{{{OAI}}}metadata")
        return standalone(next(child for child in metadata if isinstance(child.tag, str)))
    return data


def crosswalked(name: str) -> etree._Element:
    record = etree.fromstring(to_catalogue_document(payload(DATA / name)))
    assert record.tag == f"{{{NS['csw']}}}Record"
    xmlschemas.assert_valid(record, "wrappers/csw202.xsd")
    return record


def texts(record: etree._Element, path: str) -> list[str]:
    return [element.text for element in record.findall(path, NS)]


def corners(record: etree._Element) -> tuple[str, str, str]:
    box = record.find("ows:BoundingBox", NS)
    assert box is not None
    return (
        box.get("crs"),
        box.findtext("ows:LowerCorner", None, NS),
        box.findtext("ows:UpperCorner", None, NS),
    )


def bounds(row) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a stored row; the engine keeps two decimals."""
    return tuple(round(value, 2) for value in wkt.loads(row.wkt_geometry).bounds)


def stored(repository, record: etree._Element):
    row = to_row(repository.context, repository, record)
    assert row.identifier and row.title
    return row


def test_datacite_kernel4_geolocation_box(repository):
    record = crosswalked("bolognese__datacite-example-geolocation-2.xml")
    assert texts(record, "dc:identifier") == ["https://doi.org/10.6071/Z7WC73"]
    assert texts(record, "dc:title")[0].startswith("Southern Sierra Critical Zone Observatory (SSCZO)")
    assert texts(record, "dc:creator")[:2] == ["Bales, Roger", "Meadows, Matt"]
    assert "soil moisture" in texts(record, "dc:subject")
    assert texts(record, "dct:abstract")[0].startswith("Snow depth, soil moisture and soil temperature")
    assert texts(record, "dc:date") == ["2013"]  # publicationYear: no Issued date
    assert texts(record, "dct:modified") == ["2014-10-17"]
    assert texts(record, "dc:type") == ["dataset"]
    assert texts(record, "dc:publisher") == ["UC Merced"]
    assert texts(record, "dc:language") == ["en"]
    assert texts(record, "dc:rights") == ["Creative Commons Attribution 4.0 International (CC BY 4.0)"]
    assert texts(record, "dct:license") == ["https://creativecommons.org/licenses/by/4.0/"]
    assert corners(record) == ("urn:ogc:def:crs:EPSG::4326", "37.046 -119.211", "37.075 -119.182")
    row = stored(repository, record)
    assert row.identifier == "https://doi.org/10.6071/Z7WC73"
    assert row.type == "dataset"
    assert row.date_modified == "2014-10-17"
    assert bounds(row) == (-119.21, 37.05, -119.18, 37.08)


def test_marine_institute_datacite_record(repository):
    record = crosswalked("marine-ie-nodc__ie_marine_data__dataset_2837.xml")
    assert texts(record, "dc:identifier") == ["https://doi.org/10.20393/f705606d-ce59-40f3-8483-af8f6634d2ee"]
    assert texts(record, "dc:title") == ["Galway Bay Observatory CTD+Oxygen Data (Raw)"]
    assert texts(record, "dc:publisher") == ["Marine Institute, Ireland"]
    assert texts(record, "dc:subject") == ["oceans"]
    assert texts(record, "dc:date") == ["2019"]
    row = stored(repository, record)
    assert row.title == "Galway Bay Observatory CTD+Oxygen Data (Raw)"
    assert row.abstract.startswith("The SmartBay Observatory in Galway Bay")


def test_datacite_kernel22_rights_at_root_and_alternate_identifier(repository):
    record = crosswalked("bolognese__datacite-metadata-sample-complicated-v2.2.xml")
    assert texts(record, "dc:identifier") == ["https://doi.org/10.5072/testpub", "937-0-4523-12357-6"]
    assert texts(record, "dc:title") == [
        "Właściwości rzutowań podprzestrzeniowych",
        "Translation of Polish titles",
    ]
    assert texts(record, "dc:rights") == ["CC by-nd"]
    assert texts(record, "dc:relation") == ["https://doi.org/10.5272/oldertestpub"]
    assert texts(record, "dc:type") == ["text"]
    assert record.find("ows:BoundingBox", NS) is None
    assert stored(repository, record).identifier == "https://doi.org/10.5072/testpub"


def test_datacite_kernel3_text_box_in_an_oai_record(repository):
    record = crosswalked("b2find-pangaea-oairecord-datacite3__bbox_99eacce5-2984-588e-9ba3-f94c03978983.xml")
    # identifierType URL: kept as given
    assert texts(record, "dc:identifier")[0] == "https://doi.pangaea.de/10.1594/PANGAEA.887837"
    assert "https://doi.org/10.1594/PANGAEA.834685" in texts(record, "dc:relation")
    assert corners(record)[1:] == ("78.62 4.33983", "79.71617 11.0885")
    assert bounds(stored(repository, record)) == (4.34, 78.62, 11.09, 79.72)


def test_datacite_points_give_their_envelope(repository):
    record = crosswalked(
        "b2find-envidat-oairecord-datacite__point_list_9d490baa-18c7-569e-a393-2a5dbd63cec1.xml"
    )
    assert texts(record, "dc:identifier") == [
        "https://doi.org/10.16904/7",
        "https://www.envidat.ch/dataset/10-16904-7",
    ]
    assert corners(record)[1:] == ("47.01343 7.84105", "47.03105 7.8903")
    stored(repository, record)


def test_datacite_single_point(repository):
    record = crosswalked("datacite-schema-kernel4__datacite-example-GeoLocation-v4.xml")
    assert corners(record)[1:] == ("69 -52", "69 -52")
    stored(repository, record)


def test_seanoe_oai_dc_doi_and_coverage_box(repository):
    record = crosswalked("b2find-seanoe-oairecord-oai_dc__bbox_0a476c9c-47ab-51ed-aa7b-8607416cdc0c.xml")
    # "DOI:10.17882/59517" and "http://dx.doi.org/10.17882/59517" are one identifier
    assert texts(record, "dc:identifier") == ["https://doi.org/10.17882/59517"]
    assert texts(record, "dc:publisher") == ["SEANOE"]
    assert texts(record, "dc:rights") == ["CC-BY-ND"]
    assert texts(record, "dct:references") == ["http://www.seanoe.org/data/00483/59517/illustration.gif"]
    assert texts(record, "dct:abstract")[0].startswith("Particularly suited to the purpose")
    assert corners(record) == ("urn:ogc:def:crs:EPSG::4326", "41 -6", "57 11")
    row = stored(repository, record)
    assert row.identifier == "https://doi.org/10.17882/59517"
    assert row.abstract.startswith("Particularly suited")
    assert bounds(row) == (-6, 41, 11, 57)


@pytest.mark.parametrize(
    "name",
    [
        "b2find-seanoe-oairecord-oai_dc__4aefaa20-ae37-5c89-bc7a-7574303850c3.xml",
        "b2find-seanoe-oairecord-oai_dc__7d8d61e8-c2c6-5a7e-bef1-24f5a1eb23b5.xml",
        "pangaea-oai__GetRecord_oai_dc.xml",
        "sickle__GetRecord.xml",
        "datacite-viringo__oai_getrecord_datacite.xml",
        "datacite-viringo__oai_getrecord_oaidatacite.xml",
        "b2find-pangaea-oairecord-datacite__5755f06f-a5a9-5794-9d05-ab23e51452be.xml",
        "b2find-ess-oairecord-datacite__6f44650e-3943-54d0-8673-1ceadab50c67_broken_oai_id.xml",
    ],
)
def test_oai_payloads_become_stored_records(repository, name):
    stored(repository, crosswalked(name))


def test_oai_datacite_wrappers_both_versions():
    viringo = crosswalked("datacite-viringo__oai_getrecord_oaidatacite.xml")  # oai-1.1 wrapper
    assert texts(viringo, "dc:identifier") == ["https://doi.org/10.5072/not-a-real-doi"]
    assert texts(viringo, "dc:creator") == ["Fenner, Martin", "Hallett, Richard"]
    ess = crosswalked("b2find-ess-oairecord-datacite__6f44650e-3943-54d0-8673-1ceadab50c67_broken_oai_id.xml")
    assert texts(ess, "dc:identifier")[0] == "https://doi.org/10.17199/BRIGHTNESS/NMX0032"  # oai-1.0 wrapper


def test_datacite_oai_dc_dates_are_typed():
    record = crosswalked("datacite-viringo__oai_listrecords_dc.xml")
    assert texts(record, "dc:identifier") == ["https://doi.org/10.5072/not-a-real-doi"]
    assert texts(record, "dc:date") == ["2018"]
    assert texts(record, "dct:issued") == ["2018-01-18"]
    assert texts(record, "dct:modified") == ["2018-01-18"]


def test_documents_the_catalogue_reads_pass_unchanged():
    for path in (
        RECORDS / "iso19139" / "pycsw-apiso__3e9a8c05.xml",
        RECORDS / "iso19115-3" / "cioos-iso-validate__valid.xml",
        RECORDS / "dublin-core" / "pycsw-cite__Record_19887a8a-f6b0-4a63-ae56-7fba0e17801f.xml",
    ):
        data = path.read_bytes()
        assert to_catalogue_document(data) is data


def test_unsafe_or_broken_payloads_are_refused():
    with pytest.raises(UnsafeXMLError):
        to_catalogue_document(b"<oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/'>")
    with pytest.raises(UnsafeXMLError):
        to_catalogue_document(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')


def test_stylesheets_are_compiled_once_and_read_nothing():
    assert stylesheet("datacite") is stylesheet("datacite")
    assert stylesheet("oai_dc") is stylesheet("oai_dc")


@pytest.mark.corpus
def test_every_corpus_datacite_file_becomes_a_stored_record(shared_corpus, repository):
    files = sorted((shared_corpus / "datacite").glob("*.xml"))
    assert len(files) > 50
    failures, converted = [], 0
    for path in files:
        try:
            tree = parse_bytes(path.read_bytes(), source=path.name)
        except UnsafeXMLError:
            continue  # a file the catalogue would not parse (UTF-16): not a crosswalk matter
        assert crosswalk_of(tree.getroot()) == "datacite", path.name
        try:
            record = etree.fromstring(to_catalogue_document(path.read_bytes()))
            row = to_row(repository.context, repository, record)
        except Exception as err:  # noqa: BLE001 - collect every failure, report them together
            failures.append(f"{path.name}: {type(err).__name__}: {err}")
            continue
        if not (row.identifier and row.title):
            failures.append(f"{path.name}: identifier {row.identifier!r}, title {row.title!r}")
        converted += 1
    assert not failures, "\n".join(failures)
    assert converted >= len(files) - 3


#: Corpus OAI records that cannot become a usable record, and why (the source's fault).
UNUSABLE_OAI_RECORDS = {
    "b2find-radar-oairecord-datacite__d812138e-2e73-5dd3-8258-fc783f47db39.xml": "no identifier",
    "b2find-ess-oairecord-datacite__0aa871e7-12c9-5283-8025-562414a73ecd.xml": "titles in oaire: namespace",
}


@pytest.mark.corpus
def test_every_corpus_oai_record_payload_becomes_a_stored_record(shared_corpus, repository):
    """The single OAI-PMH records of the corpus (B2FIND test data): DataCite, oai_dc and ISO 19139."""
    failures = {}
    files = sorted((shared_corpus / "oaipmh").glob("b2find-*.xml"))
    assert len(files) > 30
    for path in files:
        try:
            record = etree.fromstring(to_catalogue_document(payload(path)))
            row = to_row(repository.context, repository, record)
        except Exception as err:  # noqa: BLE001 - collect every failure, report them together
            failures[path.name] = f"{type(err).__name__}: {err}"
            continue
        if not (row.identifier and row.title):
            failures[path.name] = f"identifier {row.identifier!r}, title {row.title!r}"
    assert set(failures) == set(UNUSABLE_OAI_RECORDS), failures
