"""Harvested DataCite (kernel 2.2, 3, 4; bare or in oai_datacite) and oai_dc: what the catalogue stores.

Each payload is read as it was published by its own reader (no crosswalk to csw:Record first): the
stored row and the ISO 19139 document served for it come from the normalised record, and the
publisher's document is kept as the source document. A DataCite record is served under its
``identifier`` as published (a DOI is its bare form, ``10.6071/Z7WC73``), an oai_dc record under its
first ``dc:identifier`` as published; the DOI is anchored as ``https://doi.org/...`` in the document.

Real records only (tests/data/oaipmh, see its PROVENANCE.tsv; the whole shared corpus when present).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschemas
from lxml import etree
from shapely import wkt

from harvesters.oaipmh import standalone
from odatis_csw.errors import UnsafeXMLError, UnsupportedRecordError
from odatis_csw.safexml import parse_bytes
from odatis_csw.store.json_records import payload_rows, read_feature
from odatis_csw.store.loader import assessed_rows_of
from odatis_csw.store.records import dialect
from odatis_csw.store.repository import open_repository, setup_repository

DATA = Path(__file__).resolve().parents[1] / "data" / "oaipmh"
OAI = "http://www.openarchives.org/OAI/2.0/"
FALLBACK = "urn:odatis:test:harvested"
NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "xlink": "http://www.w3.org/1999/xlink",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('harvested') / 'unit.db'}"
    setup_repository(database, "records")
    return open_repository(database, "records")


def payload(path: Path) -> bytes:
    """The metadata of a file as a harvester hands it over: itself, or what an OAI-PMH record carries."""
    data = path.read_bytes()
    root = etree.fromstring(data)
    if root.tag in (f"{{{OAI}}}record", f"{{{OAI}}}OAI-PMH"):
        metadata = root.find(f".//{{{OAI}}}metadata")
        return standalone(next(child for child in metadata if isinstance(child.tag, str)))
    return data


class Stored:
    """One harvested payload as the catalogue stores it: row, assessment, served ISO 19139."""

    def __init__(self, repository, path: Path) -> None:
        self.published = payload(path)
        [(self.row, self.assessment)] = assessed_rows_of(repository, parse_bytes(self.published), FALLBACK)
        self.served = etree.fromstring(self.row.xml.encode())
        assert self.served.tag == f"{{{NS['gmd']}}}MD_Metadata"
        xmlschemas.assert_valid(self.served, "wrappers/gmd.xsd")
        assert self.assessment.quality.valid_xsd
        assert any(repair.what == "written-from-model" for repair in self.assessment.repairs)

    def xpath(self, path: str) -> list[str]:
        return [str(value).strip() for value in self.served.xpath(path, namespaces=NS)]

    @property
    def doi_anchors(self) -> list[str]:
        return self.xpath("//gmd:citation//gmd:identifier//gmx:Anchor/@xlink:href")

    @property
    def licences(self) -> list[str]:
        return self.xpath("//gmd:resourceConstraints//gmd:otherConstraints/gmx:Anchor/@xlink:href")

    @property
    def constraints(self) -> list[str]:
        return self.xpath("//gmd:resourceConstraints//gmd:otherConstraints/*/text()")

    @property
    def keywords(self) -> list[str]:
        return self.xpath("//gmd:descriptiveKeywords//gmd:keyword/*/text()")

    @property
    def dates(self) -> list[tuple[str, str]]:
        """(date type, date) of the resource's citation."""
        found = self.served.xpath("//gmd:identificationInfo/*/gmd:citation//gmd:CI_Date", namespaces=NS)
        return [
            (
                "".join(each.xpath("gmd:dateType/*/@codeListValue", namespaces=NS)),
                "".join(each.xpath("gmd:date/*/text()", namespaces=NS)),
            )
            for each in found
        ]

    @property
    def boxes(self) -> list[tuple[float, float, float, float]]:
        """(west, south, east, north) of every box of the served document."""
        found = []
        for box in self.served.xpath("//gmd:EX_GeographicBoundingBox", namespaces=NS):
            sides = ("westBoundLongitude", "southBoundLatitude", "eastBoundLongitude", "northBoundLatitude")
            found.append(tuple(float(box.findtext(f"gmd:{side}/gco:Decimal", None, NS)) for side in sides))
        return found

    @property
    def bounds(self) -> tuple[float, ...] | None:
        """(west, south, east, north) of the stored row; the engine keeps two decimals."""
        if self.row.wkt_geometry is None:
            return None
        return tuple(round(value, 2) for value in wkt.loads(self.row.wkt_geometry).bounds)

    def source_is_published_element(self, tag: str) -> None:
        """The kept source document is the record element as published (the wrapper, if any, aside)."""
        source = etree.fromstring(self.assessment.source_document.encode())
        assert source.tag == tag
        published = parse_bytes(self.published).getroot()
        element = published if published.tag == tag else next(published.iter(tag))
        assert shape(source) == shape(element)


def shape(root: etree._Element) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [
        (element.tag, (element.text or "").strip(), tuple(sorted(element.attrib.items())))
        for element in root.iter()
        if isinstance(element.tag, str)
    ]


def stored(repository, name: str) -> Stored:
    return Stored(repository, DATA / name)


KERNEL4 = "{http://datacite.org/schema/kernel-4}resource"
KERNEL3 = "{http://datacite.org/schema/kernel-3}resource"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"


def test_datacite_kernel4_geolocation_box(repository):
    record = stored(repository, "bolognese__datacite-example-geolocation-2.xml")
    row = record.row
    assert row.identifier == "10.6071/Z7WC73"  # the DataCite identifier as published
    assert row.title.startswith("Southern Sierra Critical Zone Observatory (SSCZO)")
    assert row.abstract.startswith("Snow depth, soil moisture and soil temperature")
    assert row.type == "dataset"
    assert record.doi_anchors == ["https://doi.org/10.6071/z7wc73"]
    assert record.licences == ["https://creativecommons.org/licenses/by/4.0/"]
    assert {"soil moisture", "snow depth", "Earth sciences"} <= set(record.keywords)
    assert ("revision", "2014-10-17") in record.dates
    assert (row.date_revision, row.date_publication) == ("2014-10-17", "2016-03-14T17:02:02Z")
    # a box and a point: both served; the row is indexed by their envelope
    assert record.boxes == [
        (-119.211, 37.046, -119.182, 37.075),
        (-119.221094, 37.047756, -119.221094, 37.047756),
    ]
    assert record.bounds == (-119.22, 37.05, -119.18, 37.08)
    record.source_is_published_element(KERNEL4)


def test_marine_institute_datacite_record(repository):
    record = stored(repository, "marine-ie-nodc__ie_marine_data__dataset_2837.xml")
    assert record.row.identifier == "10.20393/f705606d-ce59-40f3-8483-af8f6634d2ee"
    assert record.row.title == "Galway Bay Observatory CTD+Oxygen Data (Raw)"
    assert record.row.abstract.startswith("The SmartBay Observatory in Galway Bay")
    assert record.doi_anchors == ["https://doi.org/10.20393/f705606d-ce59-40f3-8483-af8f6634d2ee"]
    assert record.keywords == ["oceans"]
    assert record.row.date_publication == "2019"
    assert "Marine Institute, Ireland" in record.xpath("//gmd:organisationName/*/text()")
    record.source_is_published_element(KERNEL4)


def test_datacite_kernel22_rights_at_root_and_alternate_identifier(repository):
    record = stored(repository, "bolognese__datacite-metadata-sample-complicated-v2.2.xml")
    assert record.row.identifier == "10.5072/testpub"
    assert record.row.title == "Właściwości rzutowań podprzestrzeniowych"
    assert record.doi_anchors == ["https://doi.org/10.5072/testpub"]
    assert "937-0-4523-12357-6" in record.xpath("//gmd:citation//gmd:identifier//gmd:code/*/text()")
    assert record.constraints == ["CC by-nd"]  # kernel 2.2: a single rights element, no URI
    assert record.licences == []
    assert record.row.type == "nonGeographicDataset"  # resourceTypeGeneral Text
    assert record.boxes == [] and record.bounds is None
    assert "https://doi.org/10.5272/oldertestpub" in record.xpath("//gmd:linkage/gmd:URL/text()")
    record.source_is_published_element("{http://datacite.org/schema/kernel-2.2}resource")


def test_datacite_kernel3_text_box_in_an_oai_record(repository):
    name = "b2find-pangaea-oairecord-datacite3__bbox_99eacce5-2984-588e-9ba3-f94c03978983.xml"
    record = stored(repository, name)
    # identifierType URL: kept as given, and not a DOI
    assert record.row.identifier == "https://doi.pangaea.de/10.1594/PANGAEA.887837"
    assert record.doi_anchors == []
    assert record.boxes == [(4.33983, 78.62, 11.0885, 79.71617)]  # kernel 3 text: south west north east
    assert record.bounds == (4.34, 78.62, 11.09, 79.72)
    assert (record.row.time_begin, record.row.time_end) == ("2013-06-25T10:58:00", "2013-07-09T01:25:00")
    assert "Hausgarten" in record.keywords
    record.source_is_published_element(KERNEL3)


def test_datacite_points_are_all_served(repository):
    record = stored(
        repository, "b2find-envidat-oairecord-datacite__point_list_9d490baa-18c7-569e-a393-2a5dbd63cec1.xml"
    )
    assert record.row.identifier == "10.16904/7"
    assert record.doi_anchors == ["https://doi.org/10.16904/7"]
    assert "https://www.envidat.ch/dataset/10-16904-7" in record.xpath("//gmd:linkage/gmd:URL/text()")
    assert len(record.boxes) == 9 and all(w == e and s == n for w, s, e, n in record.boxes)
    west, south = min(box[0] for box in record.boxes), min(box[1] for box in record.boxes)
    east, north = max(box[2] for box in record.boxes), max(box[3] for box in record.boxes)
    assert (west, south, east, north) == (7.84105, 47.01343, 7.8903, 47.03105)
    assert record.bounds == (7.84, 47.01, 7.89, 47.03)  # the row is indexed by the points' envelope
    assert {"PRECIPITATION", "RUNOFF"} <= set(record.keywords)


def test_datacite_single_point(repository):
    record = stored(repository, "datacite-schema-kernel4__datacite-example-GeoLocation-v4.xml")
    assert record.row.identifier == "10.5072/geoPointExample"
    assert record.boxes == [(-52.0, 69.0, -52.0, 69.0)]
    assert record.bounds == (-52.0, 69.0, -52.0, 69.0)
    assert record.licences == ["https://creativecommons.org/licenses/by/3.0/"]


def test_seanoe_oai_dc_doi_and_coverage_box(repository):
    name = "b2find-seanoe-oairecord-oai_dc__bbox_0a476c9c-47ab-51ed-aa7b-8607416cdc0c.xml"
    record = stored(repository, name)
    # "DOI:10.17882/59517" and "http://dx.doi.org/10.17882/59517" are one DOI; the first is the identifier
    assert record.row.identifier == "DOI:10.17882/59517"
    assert record.doi_anchors == ["https://doi.org/10.17882/59517"]
    assert record.row.title.startswith("Updated biological traits' scoring and protection status")
    assert record.row.abstract.startswith("Particularly suited")
    assert record.constraints == ["CC-BY-ND"]
    assert {"benthic fauna", "biological traits"} <= set(record.keywords)
    assert "SEANOE" in record.xpath("//gmd:organisationName/*/text()")
    illustration = "http://www.seanoe.org/data/00483/59517/illustration.gif"
    assert illustration in record.xpath("//gmd:linkage/gmd:URL/text()")
    assert record.boxes == [(-6.0, 41.0, 11.0, 57.0)]
    assert record.bounds == (-6, 41, 11, 57)
    assert record.row.date_publication == "2019-03-05"
    record.source_is_published_element(OAI_DC)


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
    record = stored(repository, name)
    assert record.row.identifier and record.row.identifier != FALLBACK and record.row.title
    assert record.xpath("//gmd:fileIdentifier/gco:CharacterString/text()") == [record.row.identifier]


def test_oai_datacite_wrappers_both_versions(repository):
    viringo = stored(repository, "datacite-viringo__oai_getrecord_oaidatacite.xml")  # oai-1.1 wrapper
    assert viringo.row.identifier == "10.5072/not-a-real-doi"
    assert viringo.doi_anchors == ["https://doi.org/10.5072/not-a-real-doi"]
    assert {"Fenner, Martin", "Hallett, Richard"} <= set(viringo.xpath("//gmd:individualName/*/text()"))
    viringo.source_is_published_element(KERNEL4)  # the resource, out of its wrapper
    ess = stored(
        repository, "b2find-ess-oairecord-datacite__6f44650e-3943-54d0-8673-1ceadab50c67_broken_oai_id.xml"
    )
    assert ess.row.identifier == "https://doi.org/10.17199/BRIGHTNESS/NMX0032"  # oai-1.0 wrapper
    assert ess.doi_anchors == ["https://doi.org/10.17199/brightness/nmx0032"]
    ess.source_is_published_element(KERNEL3)


def test_datacite_oai_dc_dates_are_typed(repository):
    record = stored(repository, "datacite-viringo__oai_listrecords_dc.xml")
    assert record.row.identifier == "doi:10.5072/not-a-real-doi"
    assert record.doi_anchors == ["https://doi.org/10.5072/not-a-real-doi"]
    assert {("creation", "2018-01-18"), ("revision", "2018-01-18")} <= set(record.dates)
    assert record.row.date_modified == "2018-01-18"


def test_the_same_payload_is_stored_under_the_same_identifier(repository):
    """Harvested again, a record keeps its identifier and its served document."""
    name = "b2find-ess-oairecord-datacite__6f44650e-3943-54d0-8673-1ceadab50c67_broken_oai_id.xml"
    first, again = stored(repository, name), stored(repository, name)
    assert (first.row.identifier, first.row.xml) == (again.row.identifier, again.row.xml)


def test_unsafe_or_broken_payloads_are_refused(repository):
    with pytest.raises(UnsafeXMLError):
        parse_bytes(b"<oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/'>")
    with pytest.raises(UnsafeXMLError):
        parse_bytes(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')
    bomb = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><r>&b;</r>'
    with pytest.raises(UnsafeXMLError):
        parse_bytes(bomb)
    # JSON records: a size limit, no recursion blow-up, a GeoJSON Feature with properties only
    feature = b'{"type": "Feature", "id": "x", "properties": {"title": "%s"}}'
    assert read_feature(feature % b"t")["id"] == "x"
    with pytest.raises(UnsupportedRecordError, match="over 100"):
        read_feature(feature % (b"t" * 100), max_bytes=100)
    with pytest.raises(UnsupportedRecordError, match="not a JSON document"):
        read_feature(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(UnsupportedRecordError, match="not an OGC API Records record"):
        payload_rows(repository, b'{"type": "FeatureCollection", "features": []}', "test")
    with pytest.raises(UnsupportedRecordError, match="not a JSON document"):
        payload_rows(repository, b'{"type": "Feature", ', "test")


@pytest.mark.corpus
def test_every_corpus_datacite_file_becomes_a_stored_record(shared_corpus, repository):
    files = sorted((shared_corpus / "datacite").glob("*.xml"))
    assert len(files) > 50
    failures = []
    for path in files:
        try:
            tree = parse_bytes(path.read_bytes(), source=path.name)
            assert (dialect(tree.getroot()) or "").startswith("DataCite"), path.name
            [(row, assessment)] = assessed_rows_of(repository, tree, FALLBACK)
        except Exception as err:  # noqa: BLE001 - collect every failure, report them together
            failures.append(f"{path.name}: {type(err).__name__}: {err}")
            continue
        if not (row.identifier and row.identifier != FALLBACK and row.title):
            failures.append(f"{path.name}: identifier {row.identifier!r}, title {row.title!r}")
        elif not assessment.quality.valid_xsd:
            failures.append(f"{path.name}: served ISO 19139 not valid")
    assert not failures, "\n".join(failures)


#: Corpus OAI records whose document names no identifier: stored under the harvest's own (the reason).
NAMED_BY_THE_HARVEST = {
    "b2find-radar-oairecord-datacite__d812138e-2e73-5dd3-8258-fc783f47db39.xml": "no identifier element",
    "b2find-ivoa-oairecord-datacite__19cf53ec-4dc5-53d2-9da3-9b8b2ec2c1b7.xml": "alternate identifiers only",
    "b2find-ivoa-oairecord-datacite__feeb0259-0155-5718-b5d1-3c37be822004.xml": "alternate identifiers only",
}


@pytest.mark.corpus
def test_every_corpus_oai_record_payload_becomes_a_stored_record(shared_corpus, repository):
    """The single OAI-PMH records of the corpus (B2FIND test data): DataCite, oai_dc and ISO 19139."""
    failures, fallback = {}, set()
    files = sorted((shared_corpus / "oaipmh").glob("b2find-*.xml"))
    assert len(files) > 30
    for path in files:
        try:
            [(row, assessment)] = assessed_rows_of(repository, parse_bytes(payload(path)), FALLBACK)
        except Exception as err:  # noqa: BLE001 - collect every failure, report them together
            failures[path.name] = f"{type(err).__name__}: {err}"
            continue
        if not (row.identifier and row.title and assessment.quality.valid_xsd):
            failures[path.name] = f"identifier {row.identifier!r}, title {row.title!r}"
        if row.identifier == FALLBACK:
            fallback.add(path.name)
    assert not failures, failures
    assert fallback == set(NAMED_BY_THE_HARVEST)
