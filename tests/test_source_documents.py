"""The exact source document of every served record: CSW GetRepositoryItem and the OGC API Records link."""

from __future__ import annotations

import shutil

import pytest
import requests
from lxml import etree

from odatis_csw.safexml import parse_bytes
from tests.harvest.helpers import query, run_line, source, static_server, write_sources
from tests.harvest.test_duplicates_rules import LOUGH_FURNACE, MARACOOS_2011, MARACOOS_2012

OWS = "{http://www.opengis.net/ows}"
OWS20 = "{http://www.opengis.net/ows/2.0}"
SOURCE_DOCUMENT = "Source document as published"
MARACOOS_ID = "org.maracoos:avhrr.sst"


def repository_item(catalogue, identifier: str, version: str = "2.0.2") -> requests.Response:
    return requests.get(
        f"{catalogue.url}/csw",
        params={"service": "CSW", "version": version, "request": "GetRepositoryItem", "id": identifier},
        timeout=60,
    )


def source_link(catalogue, identifier: str) -> str:
    answer = requests.get(f"{catalogue.url}/collections/metadata:main/items/{identifier}", timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    [link] = [link for link in answer.json()["links"] if link.get("title") == SOURCE_DOCUMENT]
    assert link["rel"] == "alternate" and link["type"] == "application/xml"
    return str(link["href"])


@pytest.fixture(scope="module")
def waf_hub(make_catalogue, tmp_path_factory):
    """A hub harvesting the two MARACOOS files from a web-accessible folder."""
    folder = tmp_path_factory.mktemp("source-documents-waf")
    for path in (MARACOOS_2011, MARACOOS_2012):
        shutil.copy(path, folder / path.name)
    hub = make_catalogue("source-documents-hub")
    with static_server(folder) as url:
        write_sources(hub, [source("waf", "waf", f"{url}/")])
        result = hub.cli("harvest", "run", "waf")
    assert run_line(result, "waf")["new"] == 2
    return hub


def served_ids(hub) -> dict[str, bytes]:
    """Each served MARACOOS identifier and the file it was harvested from."""
    rows = query(hub, "SELECT source_id, record_id FROM harvest_records WHERE source = 'waf'")
    files = {path.name: path.read_bytes() for path in (MARACOOS_2011, MARACOOS_2012)}
    return {record_id: files[source_id.rsplit("/", 1)[-1]] for source_id, record_id in rows}


def test_harvested_records_give_back_the_bytes_published(waf_hub):
    documents = served_ids(waf_hub)
    assert len(documents) == 2 and MARACOOS_ID in documents
    for identifier, published in documents.items():
        for version in ("2.0.2", "3.0.0"):
            answer = repository_item(waf_hub, identifier, version)
            assert answer.status_code == 200
            assert answer.headers["Content-Type"].split(";")[0].endswith("xml")
            assert answer.content == published
        assert requests.get(source_link(waf_hub, identifier), timeout=60).content == published


def test_the_served_record_is_not_the_source_document(waf_hub):
    by_id = requests.get(
        f"{waf_hub.url}/csw",
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": MARACOOS_ID,
            "outputschema": "http://www.isotc211.org/2005/gmd",
            "elementsetname": "full",
        },
        timeout=60,
    )
    assert by_id.status_code == 200
    assert by_id.content != repository_item(waf_hub, MARACOOS_ID).content


def test_loaded_records_give_back_the_record_as_written(make_catalogue):
    node = make_catalogue("source-documents-loaded", LOUGH_FURNACE)
    identifier = "ie.marine.data:dataset.2740"
    answer = repository_item(node, identifier)
    assert answer.status_code == 200
    written = parse_bytes(LOUGH_FURNACE.read_bytes()).getroot()
    given = parse_bytes(answer.content).getroot()
    assert etree.tostring(given, method="c14n") == etree.tostring(written, method="c14n")
    assert requests.get(source_link(node, identifier), timeout=60).content == answer.content


@pytest.mark.parametrize(("version", "status", "ows"), [("2.0.2", 200, OWS), ("3.0.0", 404, OWS20)])
def test_an_unknown_identifier_is_an_ogc_exception(waf_hub, version, status, ows):
    """CSW 2.0.2 (OWS Common 1.0) answers exception reports with 200, CSW 3.0 with the code's status."""
    answer = repository_item(waf_hub, "no-such-record", version)
    assert answer.status_code == status
    root = etree.fromstring(answer.content)
    assert root.tag == f"{ows}ExceptionReport"
    assert root.find(f"{ows}Exception").get("exceptionCode") == "NotFound"
