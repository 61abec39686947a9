"""OAI-PMH 2.0 conformance: metadata formats (§3.4, §4.4) and the records written in each.

``oai_dc`` records are validated against ``oai_dc.xsd``. No DataCite kernel-4 schema is kept
offline, so ``datacite`` records are checked for the mandatory properties of the DataCite
Metadata Schema 4 (identifier, creators, titles, publisher, publicationYear, resourceType).
"""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from lxml import etree
from pyshacl import validate as shacl_validate
from rdflib import Graph
from sickle import Sickle

from tests.conformance.oai import (
    DATACITE,
    DC,
    DOIS,
    NOT_ISO19139,
    OAI,
    OAI_DC,
    codes,
    identifiers,
    oai,
    pages,
)
from tests.harvest.helpers import query

GMD = "{http://www.isotc211.org/2005/gmd}MD_Metadata"
GMI = "{http://www.isotc211.org/2005/gmi}MI_Metadata"
#: DataCite Metadata Schema 4.6, resourceTypeGeneral.
RESOURCE_TYPES_GENERAL = {
    "Audiovisual", "Award", "Book", "BookChapter", "Collection", "ComputationalNotebook", "ConferencePaper",
    "ConferenceProceeding", "DataPaper", "Dataset", "Dissertation", "Event", "Image", "Instrument",
    "InteractiveResource", "Journal", "JournalArticle", "Model", "OutputManagementPlan", "PeerReview",
    "PhysicalObject", "Preprint", "Project", "Report", "Service", "Software", "Sound", "Standard",
    "StudyRegistration", "Text", "Workflow", "Other",
}  # fmt: skip


def records(provider, prefix: str, **params: str) -> dict[str, etree._Element]:
    """identifier → metadata payload of every record of a ListRecords list."""
    found = {}
    for page in pages(provider, "ListRecords", metadataPrefix=prefix, **params):
        for record in page.iter(f"{OAI}record"):
            [payload] = list(record.find(f"{OAI}metadata"))
            found[record.findtext(f"{OAI}header/{OAI}identifier")] = payload
    return found


# -- oai_dc ----------------------------------------------------------------------------------------


def test_3_4_every_record_is_disseminated_in_oai_dc(provider):
    """§3.4: 'repositories must be able to disseminate unqualified Dublin Core'; each record is
    valid against oai_dc.xsd (checked by the helper on every page)."""
    found = records(provider, "oai_dc")
    assert sorted(found) == provider.ids
    assert {payload.tag for payload in found.values()} == {f"{OAI_DC}dc"}


def test_oai_dc_carries_the_catalogue_fields(provider):
    payload = records(provider, "oai_dc")["ie.marine.data:dataset.1135"]
    assert payload.findtext(f"{DC}title") == "CE0911 Climate Change Survey"
    assert payload.findtext(f"{DC}identifier") == "ie.marine.data:dataset.1135"
    assert payload.findtext(f"{DC}type") == "dataset"
    assert "Salinity" in [element.text for element in payload.iter(f"{DC}subject")]
    coverage = [element.text for element in payload.iter(f"{DC}coverage")]
    box = dict(re.findall(r"(\w+limit)=(-?[\d.]+)", coverage[0]))
    assert (float(box["westlimit"]), float(box["northlimit"])) == (-15.15, 54.63)
    assert coverage[1].startswith("start=2009-06-14")


def test_oai_dc_keeps_a_box_crossing_the_antimeridian(provider):
    """A box stored split at ±180 is written once, west > east."""
    payload = records(provider, "oai_dc")["gov.noaa.nodc:NDBC-COOPS"]
    box = dict(re.findall(r"(\w+limit)=(-?[\d.]+)", payload.findtext(f"{DC}coverage")))
    assert float(box["westlimit"]) == 144.66 and float(box["eastlimit"]) == -61.82


def test_oai_dc_names_the_doi(provider):
    payload = records(provider, "oai_dc")["gov.noaa.nodc:NDBC-COOPS"]
    assert "https://doi.org/10.5072/fk2test" in [element.text for element in payload.iter(f"{DC}identifier")]


# -- iso19139 --------------------------------------------------------------------------------------


def test_iso19139_lists_exactly_the_records_stored_as_iso19139(provider):
    """Records whose stored document is not ISO 19139 are left out of the list (and refused by
    GetRecord with cannotDisseminateFormat, see test_oaipmh.py)."""
    found = records(provider, "iso19139")
    stored = dict(query(provider, "SELECT identifier, xml FROM records"))
    expected = sorted(
        identifier
        for identifier, xml in stored.items()
        if etree.fromstring(xml.encode()).tag in (GMD, GMI) and identifier not in NOT_ISO19139
    )
    assert sorted(found) == expected and len(expected) > 4
    for identifier, payload in found.items():
        assert payload.tag in (GMD, GMI)
        # the stored document itself
        stored_root = etree.fromstring(stored[identifier].encode())
        assert etree.tostring(payload, method="c14n", exclusive=True) == etree.tostring(
            stored_root, method="c14n", exclusive=True
        )


def test_iso19139_get_record_of_an_iso_record(provider):
    root = oai(
        provider, verb="GetRecord", identifier="ie.marine.data:dataset.1135", metadataPrefix="iso19139"
    )
    [payload] = list(root.find(f".//{OAI}metadata"))
    assert payload.tag == GMD
    assert (
        payload.findtext(".//{*}fileIdentifier/{*}CharacterString").strip() == "ie.marine.data:dataset.1135"
    )


# -- datacite --------------------------------------------------------------------------------------


def test_datacite_lists_the_records_with_a_doi(provider):
    """``datacite`` is disseminated for the records that have a DOI, and for no other."""
    assert sorted(records(provider, "datacite")) == sorted(DOIS)
    assert identifiers(oai(provider, verb="ListIdentifiers", metadataPrefix="datacite")) == sorted(DOIS)


@pytest.mark.parametrize(("identifier", "doi"), sorted(DOIS.items()))
def test_datacite_records_have_the_mandatory_properties(provider, identifier, doi):
    """DataCite Metadata Schema 4: the six mandatory properties, the DOI as identifier."""
    root = oai(provider, verb="GetRecord", identifier=identifier, metadataPrefix="datacite")
    [resource] = list(root.find(f".//{OAI}metadata"))
    assert resource.tag == f"{DATACITE}resource"
    assert resource.findtext(f"{DATACITE}identifier") == doi
    assert resource.find(f"{DATACITE}identifier").get("identifierType") == "DOI"
    assert resource.findtext(f"{DATACITE}creators/{DATACITE}creator/{DATACITE}creatorName")
    assert resource.findtext(f"{DATACITE}titles/{DATACITE}title")
    assert resource.findtext(f"{DATACITE}publisher")
    assert re.fullmatch(r"\d{4}", resource.findtext(f"{DATACITE}publicationYear"))
    assert resource.find(f"{DATACITE}resourceType").get("resourceTypeGeneral") in RESOURCE_TYPES_GENERAL
    alternate = resource.find(f"{DATACITE}alternateIdentifiers/{DATACITE}alternateIdentifier")
    assert alternate.text == identifier


def test_datacite_resource_types_follow_the_hierarchy_level(provider):
    found = records(provider, "datacite")
    general = {
        identifier: payload.find(f"{DATACITE}resourceType").get("resourceTypeGeneral")
        for identifier, payload in found.items()
    }
    assert general == {"gov.noaa.nodc:NDBC-COOPS": "Collection", "ie.marine.data:dataset.2752": "Dataset"}


def test_datacite_of_a_record_without_doi_is_cannot_disseminate_format(provider):
    root = oai(
        provider, verb="GetRecord", identifier="ie.marine.data:dataset.1135", metadataPrefix="datacite"
    )
    assert codes(root) == ["cannotDisseminateFormat"]


def test_sickle_harvests_datacite(provider):
    client = Sickle(f"{provider.url}/oaipmh", max_retries=0, timeout=60)
    harvested = {record.header.identifier: record for record in client.ListRecords(metadataPrefix="datacite")}
    assert sorted(harvested) == sorted(DOIS)
    for identifier, record in harvested.items():
        assert record.metadata["identifier"] == [DOIS[identifier]]


# -- dcat_ap ---------------------------------------------------------------------------------------

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DCAT = "{http://www.w3.org/ns/dcat#}"


def test_dcat_ap_is_listed_and_disseminated_for_every_record(provider):
    """§4.4 ListMetadataFormats names ``dcat_ap`` (DCAT-AP 3, RDF/XML); every record is disseminated."""
    formats = oai(provider, verb="ListMetadataFormats")
    prefixes = [el.text for el in formats.iter(f"{OAI}metadataPrefix")]
    assert "dcat_ap" in prefixes
    found = records(provider, "dcat_ap")
    assert sorted(found) == provider.ids
    assert {payload.tag for payload in found.values()} == {f"{RDF}RDF"}


def test_dcat_ap_records_conform_to_the_dcat_ap_shapes(provider):
    """Each DCAT-AP record describes one dcat:Dataset and conforms to SEMIC's DCAT-AP 3.0.1 shapes;
    a record with a DOI is described under its DOI resolver URL."""
    shapes = Graph().parse(REPO / "schemas" / "shacl" / "dcat-ap_3.0.1_shapes.ttl")
    found = records(provider, "dcat_ap")
    for identifier, payload in found.items():
        datasets = payload.findall(f"{DCAT}Dataset")
        assert len(datasets) == 1, identifier
        graph = Graph().parse(data=etree.tostring(payload), format="xml")
        conforms, _, report = shacl_validate(graph, shacl_graph=shapes, inference="none")
        assert conforms, (identifier, report)
    for identifier, doi in DOIS.items():
        about = found[identifier].find(f"{DCAT}Dataset").get(f"{RDF}about")
        assert about == f"https://doi.org/{doi}"
