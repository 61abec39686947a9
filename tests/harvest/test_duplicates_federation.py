"""Two real nodes publishing the same datasets, harvested by a hub that serves each dataset once.

Node ``a`` (precedence 10) publishes the Lough Furnace record (a DOI), a GéoBretagne record and
the 2011 MARACOOS record; node ``b`` (precedence 20) publishes the Lough Furnace record under
its own fileIdentifier, the same GéoBretagne record and the 2012 MARACOOS record, whose
fileIdentifier is the 2011 one's.
"""

from __future__ import annotations

import shutil

import pytest
import requests
from lxml import etree

from tests.conftest import RECORDS
from tests.harvest.helpers import csw_ids, execute, query, run_line, source, write_sources
from tests.harvest.test_duplicates_rules import (
    LOUGH_FURNACE,
    MARACOOS_2011,
    MARACOOS_2012,
    MIRROR_ID,
    mirrored,
)

ORIGINAL_ID = "ie.marine.data:dataset.2740"
SHARED = RECORDS / "iso19139" / "owslib__csw_geobretagne_mdmetadata.xml"
MARACOOS_ID = "org.maracoos:avhrr.sst"
DERIVED_ID = "urn:odatis:b:org.maracoos:avhrr.sst"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def shared_id() -> str:
    text = SHARED.read_text(encoding="utf-8")
    return (
        text.split("<gmd:fileIdentifier>", 1)[1].split("</gco:CharacterString>", 1)[0].split(">")[-1].strip()
    )


def federation(make_catalogue, folder, tag: str):
    """Two nodes and a hub harvesting them (``a`` first, then ``b``)."""
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    for path in (LOUGH_FURNACE, MARACOOS_2011, SHARED):
        shutil.copy(path, folder / "a" / path.name)
    (folder / "b" / "mirror.xml").write_text(
        mirrored(LOUGH_FURNACE.read_text(encoding="utf-8")), encoding="utf-8"
    )
    for path in (MARACOOS_2012, SHARED):
        shutil.copy(path, folder / "b" / path.name)
    node_a = make_catalogue(f"dup-a-{tag}", folder / "a")
    node_b = make_catalogue(f"dup-b-{tag}", folder / "b")
    hub = make_catalogue(f"dup-hub-{tag}")
    sources = [
        {
            **source("a", "csw", f"{node_a.url}/csw", page_size=5),
            "precedence": 10,
            "title": "Node A catalogue",
        },
        {
            **source("b", "csw", f"{node_b.url}/csw", page_size=5),
            "precedence": 20,
            "title": "Node B catalogue",
        },
    ]
    write_sources(hub, sources)
    hub.first_run = hub.cli("harvest", "run", "a", "b")
    hub.sources = sources
    return node_a, node_b, hub


@pytest.fixture(scope="module")
def fed(make_catalogue, tmp_path_factory):
    return federation(make_catalogue, tmp_path_factory.mktemp("dup-fed"), "shared")


def hits(catalogue, words: str) -> int:
    """CSW GetRecords hit count of a search on titles."""
    answer = requests.get(
        f"{catalogue.url}/csw",
        timeout=60,
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecords",
            "typenames": "csw:Record",
            "resulttype": "hits",
            "elementsetname": "brief",
            "constraintlanguage": "CQL_TEXT",
            "constraint": f"dc:title like '%{words}%'",
        },
    )
    results = etree.fromstring(answer.content).find("{http://www.opengis.net/cat/csw/2.0.2}SearchResults")
    assert results is not None, answer.text[:500]
    return int(results.get("numberOfRecordsMatched"))


def item(catalogue, identifier: str) -> dict:
    answer = requests.get(f"{catalogue.url}/collections/metadata:main/items/{identifier}", timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def test_the_hub_serves_each_dataset_once(fed):
    node_a, node_b, hub = fed
    for name in ("a", "b"):
        line = run_line(hub.first_run, name)
        assert (line["status"], line["new"], line["rejected"]) == ("success", 3, 0), line
    assert len(csw_ids(node_a)) + len(csw_ids(node_b)) == 6
    assert sorted(csw_ids(hub)) == sorted([ORIGINAL_ID, shared_id(), MARACOOS_ID, DERIVED_ID])
    assert hits(hub, "Lough Furnace") == 1
    assert hits(hub, "MARACOOS") == 2


def test_every_publisher_is_linked_from_the_served_record(fed):
    node_a, node_b, hub = fed
    for identifier in (ORIGINAL_ID, shared_id()):
        links = item(hub, identifier)["links"]
        via = [link for link in links if link["rel"] == "via"]
        assert len(via) == 2, via
        assert via[0]["href"].startswith(node_a.url) and "Node A catalogue" in via[0]["title"]
        assert via[1]["href"].startswith(node_b.url) and "Node B catalogue" in via[1]["title"]
        assert all(requests.get(link["href"], timeout=60).status_code == 200 for link in via)
        [document] = [link for link in links if link.get("title") == "Source document as published"]
        assert document["type"] == "application/xml" and "GetRepositoryItem" in document["href"]
    single = [link for link in item(hub, DERIVED_ID)["links"] if link["rel"] == "via"]
    assert [link["href"].startswith(node_b.url) for link in single] == [True]


def test_the_provenance_of_both_sources_names_the_served_record(fed):
    _, _, hub = fed
    rows = query(
        hub, "SELECT source, record_id FROM harvest_records WHERE deleted = :no ORDER BY source", no=False
    )
    assert rows.count(("a", ORIGINAL_ID)) == 1 and rows.count(("b", ORIGINAL_ID)) == 1
    assert ("b", MIRROR_ID) not in rows


def test_the_maracoos_collision_is_a_warning_in_quality_and_the_run_report(fed):
    _, _, hub = fed
    assert "served under a derived identifier" in hub.first_run.stderr
    report = hub.cli("harvest", "report", str(run_line(hub.first_run, "b")["run"])).stdout
    assert DERIVED_ID in report
    shown = hub.cli("quality", DERIVED_ID).stdout
    assert "is used by a different dataset" in shown and "a org.maracoos:avhrr.sst" in shown


def test_deleting_the_served_copy_at_its_node_promotes_the_other_copy(make_catalogue, tmp_path):
    node_a, _, hub = federation(make_catalogue, tmp_path, "delete")
    execute(node_a, "DELETE FROM records WHERE identifier = :id", id=ORIGINAL_ID)
    result = hub.cli("harvest", "run", "a", "--full")
    assert run_line(result, "a")["deleted"] == 1
    served = csw_ids(hub)
    assert MIRROR_ID in served and ORIGINAL_ID not in served
    assert hits(hub, "Lough Furnace") == 1
    via = [link for link in item(hub, MIRROR_ID)["links"] if link["rel"] == "via"]
    assert len(via) == 1
    answer = requests.get(
        f"{hub.url}/oaipmh",
        params={"verb": "GetRecord", "identifier": ORIGINAL_ID, "metadataPrefix": "oai_dc"},
        timeout=60,
    )
    [header] = etree.fromstring(answer.content).iter(f"{OAI}header")
    assert header.get("status") == "deleted"


def test_a_change_of_precedence_serves_the_other_copy_and_retires_the_old_identifier(
    make_catalogue, tmp_path
):
    _, _, hub = federation(make_catalogue, tmp_path, "precedence")
    hub.sources[1]["precedence"] = 5
    write_sources(hub, hub.sources)
    hub.cli("harvest", "run", "a")  # no change at the source: the new precedence alone decides
    served = csw_ids(hub)
    assert MIRROR_ID in served and ORIGINAL_ID not in served
    answer = requests.get(
        f"{hub.url}/oaipmh",
        params={"verb": "GetRecord", "identifier": ORIGINAL_ID, "metadataPrefix": "oai_dc"},
        timeout=60,
    )
    [header] = etree.fromstring(answer.content).iter(f"{OAI}header")
    assert header.get("status") == "deleted"
    assert len([link for link in item(hub, MIRROR_ID)["links"] if link["rel"] == "via"]) == 2
