"""ERDDAP and THREDDS sources harvested end to end through the CLI, and the scheduler."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import xmlschemas
from lxml import etree

from tests.conftest import DATA
from tests.harvest.helpers import csw_ids, query, run_line, source, static_server, write_sources

THREDDS_PATHS = (
    "testgrids/testgrid1.nc",
    "testgrids/testgrid2.nc",
    "ocean/mooring_2023.nc",
    "ocean/gliders.nc",
)


@pytest.fixture
def thredds_site(tmp_path) -> Path:
    """A THREDDS server's files: two catalogs and the ncISO record of each dataset."""
    site = tmp_path / "site"
    (site / "thredds" / "ocean").mkdir(parents=True)
    shutil.copy(DATA / "thredds" / "catalog.xml", site / "thredds" / "catalog.xml")
    shutil.copy(DATA / "thredds" / "ocean" / "catalog.xml", site / "thredds" / "ocean" / "catalog.xml")
    for path in THREDDS_PATHS:
        target = site / "thredds" / "iso" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / "thredds" / "testgrid1.iso.xml", target)
    return site


@pytest.fixture
def erddap_site(tmp_path) -> Path:
    site = tmp_path / "erddap-site"
    (site / "erddap" / "tabledap").mkdir(parents=True)
    (site / "erddap" / "metadata" / "iso19115" / "xml").mkdir(parents=True)
    shutil.copy(DATA / "erddap" / "allDatasets.json", site / "erddap" / "tabledap" / "allDatasets.json")
    for name in ("SMA_bay_of_exploits_iso19115.xml", "nss06_agg_iso19115.xml"):
        shutil.copy(DATA / "erddap" / name, site / "erddap" / "metadata" / "iso19115" / "xml" / name)
    return site


def test_thredds_ncISO_records_without_identifier_get_a_stable_one(make_catalogue, thredds_site):
    hub = make_catalogue("thredds-hub")
    with static_server(thredds_site) as url:
        write_sources(hub, [source("aviso", "thredds", f"{url}/thredds/catalog.xml")])
        result = hub.cli("harvest", "run", "aviso")
        again = hub.cli("harvest", "run", "aviso")
    line = run_line(result, "aviso")
    assert (line["status"], line["new"], line["rejected"]) == ("success", len(THREDDS_PATHS), 0), line
    assert sorted(csw_ids(hub)) == sorted(f"urn:odatis:aviso:{path}" for path in THREDDS_PATHS)
    assert run_line(again, "aviso")["unchanged"] == len(THREDDS_PATHS)


def test_erddap_datasets_are_harvested(make_catalogue, erddap_site):
    hub = make_catalogue("erddap-hub")
    with static_server(erddap_site) as url:
        write_sources(hub, [source("coriolis", "erddap", url)])
        result = hub.cli("harvest", "run", "coriolis")
    line = run_line(result, "coriolis")
    assert (line["status"], line["new"], line["rejected"]) == ("success", 2, 0), line
    assert {"SMA_bay_of_exploits"} <= set(csw_ids(hub))


def test_schedule_runs_what_is_due_through_the_same_pipeline(make_catalogue, thredds_site):
    hub = make_catalogue("scheduled-hub")
    with static_server(thredds_site) as url:
        due = source("aviso", "thredds", f"{url}/thredds/catalog.xml")
        manual = {**source("manual", "thredds", f"{url}/thredds/catalog.xml"), "schedule": "manual"}
        write_sources(hub, [due, manual])
        first = hub.cli("harvest", "schedule", "--once")
        second = hub.cli("harvest", "schedule", "--once")
    assert run_line(first, "aviso")["new"] == len(THREDDS_PATHS)
    assert '"source": "manual"' not in first.stderr  # manual sources never run by schedule
    assert '"event": "harvest-run"' not in second.stderr  # daily: not due again yet
    assert query(hub, "SELECT COUNT(*) FROM harvest_runs")[0][0] == 1
    status = hub.cli("harvest", "status").stdout
    assert "manual" in status.splitlines()[2] and "never run" in status


#: Real OGC API Records records published as JSON only (no ISO 19139 alternate link).
JSON_RECORDS = sorted((DATA / "model").glob("*.json"))
GMD = "http://www.isotc211.org/2005/gmd"
GML_NS = {"gml": "http://www.opengis.net/gml/3.2"}
SIDES = ("westBoundLongitude", "southBoundLatitude", "eastBoundLongitude", "northBoundLatitude")
ISO_NS = {"gmd": GMD, "gco": "http://www.isotc211.org/2005/gco"}


def iso_text(record: etree._Element, path: str) -> str:
    return str(record.xpath(f"string({path})", namespaces=ISO_NS))


def iso_record(hub, identifier: str) -> etree._Element:
    """The ISO 19139 document the hub serves for a record (CSW GetRecordById, full)."""
    answer = requests.get(
        f"{hub.url}/csw",
        timeout=60,
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": identifier,
            "outputschema": GMD,
            "elementsetname": "full",
        },
    )
    [record] = etree.fromstring(answer.content).findall(f"{{{GMD}}}MD_Metadata")
    return record


def test_json_only_records_are_harvested_and_served_as_iso_19139(make_catalogue, tmp_path):
    site = tmp_path / "oarec-site"
    items = site / "collections" / "metadata:main" / "items"
    items.parent.mkdir(parents=True)
    features = [json.loads(path.read_bytes()) for path in JSON_RECORDS]
    assert len(features) == 3 and all(not _iso_alternates(feature) for feature in features)
    items.write_text(json.dumps({"type": "FeatureCollection", "features": features, "links": []}))
    hub = make_catalogue("json-hub")
    with static_server(site) as url:
        write_sources(hub, [source("wis2", "oarec", url)])
        result = hub.cli("harvest", "run", "wis2")
        again = hub.cli("harvest", "run", "wis2")
    line = run_line(result, "wis2")
    assert (line["status"], line["new"], line["rejected"]) == ("success", 3, 0), line
    assert run_line(again, "wis2")["unchanged"] == 3
    assert sorted(csw_ids(hub)) == sorted(feature["id"] for feature in features)
    for feature in features:
        served = iso_record(hub, feature["id"])
        xmlschemas.assert_valid(served, "wrappers/gmd.xsd")
        assert iso_text(served, "gmd:fileIdentifier/gco:CharacterString") == feature["id"]
        assert (
            iso_text(served, "//gmd:citation/*/gmd:title/gco:CharacterString")
            == feature["properties"]["title"]
        )
        box = [
            float(iso_text(served, f"//gmd:EX_GeographicBoundingBox/gmd:{side}/gco:Decimal"))
            for side in SIDES
        ]
        lons, lats = zip(*feature["geometry"]["coordinates"][0], strict=True)
        assert box == pytest.approx([min(lons), min(lats), max(lons), max(lats)])
        begins = served.xpath("//gml:TimePeriod/gml:beginPosition/text()", namespaces=GML_NS)
        assert begins == ([feature["time"]["interval"][0]] if "time" in feature else [])
        # every link of the record is there: online resources, graphic overviews, licence anchors
        said = {value.strip() for value in served.xpath("//text() | //@*")}
        published = {link["href"] for link in feature["links"]}
        assert published - said == set()
        # the publisher's JSON as harvested, byte for byte, with its media type
        item = requests.get(
            f"{hub.url}/csw",
            params={
                "service": "CSW",
                "version": "2.0.2",
                "request": "GetRepositoryItem",
                "id": feature["id"],
            },
            timeout=60,
        )
        assert item.status_code == 200
        assert item.headers["Content-Type"].startswith("application/geo+json")
        assert item.content == json.dumps(feature, ensure_ascii=False, sort_keys=True).encode("utf-8")
        # and the OGC API record links it with that media type
        hub_record = requests.get(
            f"{hub.url}/collections/metadata:main/items/{quote(feature['id'], safe='')}",
            params={"f": "json"},
            timeout=60,
        ).json()
        [kept] = [link for link in hub_record["links"] if link.get("title") == "Source document as published"]
        assert kept["type"] == "application/geo+json"
        assert requests.get(kept["href"], timeout=60).content == item.content
    stored = query(hub, "SELECT DISTINCT media_type FROM harvest_payloads")
    assert stored == [("application/geo+json",)]


def _iso_alternates(feature: dict) -> list[dict]:
    return [link for link in feature["links"] if link["rel"] == "alternate" and "xml" in link.get("type", "")]


def test_a_json_payload_that_is_not_a_record_is_rejected_with_its_reason(make_catalogue, tmp_path):
    site = tmp_path / "oarec-site"
    items = site / "collections" / "metadata:main" / "items"
    items.parent.mkdir(parents=True)
    feature = {
        "id": "not-a-record",
        "type": "Feature",
        "geometry": None,
        "properties": "a string",
        "links": [],
    }
    items.write_text(json.dumps({"type": "FeatureCollection", "features": [feature], "links": []}))
    hub = make_catalogue("json-bad-hub")
    with static_server(site) as url:
        write_sources(hub, [source("shom", "oarec", url)])
        result = hub.cli("harvest", "run", "shom", check=False)
    line = run_line(result, "shom")
    assert (line["new"], line["rejected"]) == (0, 1), line
    report = hub.cli("harvest", "report", str(line["run"])).stdout
    assert "rejected shom not-a-record: [unreadable]" in report and "record without properties" in report
