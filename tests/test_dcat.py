"""DCAT-AP 3 output of real records: what they say, in the EU vocabularies, valid against SEMIC's shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from odatis_csw.mapping.anchors import add_anchors
from odatis_csw.model.dcat import dataset_iri, graph_of, rdf_xml
from odatis_csw.model.readers import read_record, reader_name
from odatis_csw.quality import repaired
from odatis_csw.resources import resource_dir
from odatis_csw.safexml import parse_file, safe_parser
from odatis_csw.store.records import record_elements

DATA = Path(__file__).resolve().parent / "data"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
ITEM = "https://catalogue.example.org/collections/metadata:main/items/"
#: SeaDataNet CDI (BRGM): anchored NVS keywords, a box, a period, French and English.
SDN_CDI = (
    DATA
    / "records"
    / "csw-responses"
    / ("bluecloud-fairease__sdn-xml__sdn-open_urn_SDN_CDI_LOCAL_1022-1426-1022-ds04-4.xml")
)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(resource_dir("schemas") / "shacl" / "dcat-ap_3.0.1_shapes.ttl")


def _records() -> list[tuple[str, object]]:
    found = []
    for path in sorted(DATA.rglob("*.xml")):
        if "bad" in path.parts:
            continue
        try:
            elements = list(record_elements(parse_file(path).getroot()))
        except Exception:  # noqa: BLE001 - files that hold no record are not this test's subject
            continue
        for element in elements:
            if reader_name(element) in ("iso19139", "iso19115_3"):
                found.append((path.name, element))
    return found


def test_a_seadatanet_record_in_dcat_ap(shapes: Graph) -> None:
    served = repaired(next(record_elements(parse_file(SDN_CDI).getroot())))[0].getroot()
    add_anchors(served)
    record = read_record(served)
    graph = graph_of(record, ITEM + "cdi")
    dataset = URIRef(dataset_iri(record, ITEM + "cdi"))
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert str(graph.value(dataset, DCTERMS.title)) == record.title.value
    subjects = {str(concept) for concept in graph.objects(dataset, DCTERMS.subject)}
    assert "http://vocab.nerc.ac.uk/collection/P02/current/LITH/" in subjects
    keywords = {str(word) for word in graph.objects(dataset, DCAT.keyword)}
    assert "Lithology" in keywords
    (location,) = graph.objects(dataset, DCTERMS.spatial)
    box = record.boxes[0]
    assert str(graph.value(location, DCAT.bbox)).startswith(f"POLYGON(({box.west} {box.south},")
    languages = {str(language) for language in graph.objects(dataset, DCTERMS.language)}
    assert languages and all(language.startswith(EU_LANGUAGE) for language in languages)
    conforms, _, report = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, report


def test_every_iso_record_of_the_test_data_conforms_to_dcat_ap(shapes: Graph) -> None:
    failures = []
    records = _records()
    assert len(records) >= 40
    for name, element in records:
        record = read_record(element)
        if not record.title.value.strip():
            continue  # a dataset without a title cannot be described in DCAT-AP; the ISO check reports it
        conforms, _, report = validate(graph_of(record, ITEM + "x"), shacl_graph=shapes, inference="none")
        if not conforms:
            failures.append((name, report[:400]))
    assert failures == []


def test_rdf_xml_is_well_formed_and_names_the_doi_as_the_dataset() -> None:
    path = DATA / "records" / "iso19139"
    for candidate in sorted(path.glob("*.xml")) + sorted(DATA.rglob("*.xml")):
        try:
            record = read_record(next(record_elements(parse_file(candidate).getroot())))
        except Exception:  # noqa: BLE001 - looking for a record with a DOI
            continue
        if record.dois:
            break
    else:
        pytest.fail("no test record with a DOI")
    document = rdf_xml(record, ITEM + "x")
    root = etree.fromstring(document, safe_parser())
    about = root.find("{http://www.w3.org/ns/dcat#}Dataset").get(
        "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
    )
    assert about == f"https://doi.org/{record.dois[0]}"
