"""ERDDAP and THREDDS sources harvested end to end through the CLI, and the scheduler."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

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


def test_json_only_records_are_rejected_with_a_clear_reason(make_catalogue, tmp_path):
    site = tmp_path / "oarec-site"
    items = site / "collections" / "metadata:main" / "items"
    items.parent.mkdir(parents=True)
    feature = {
        "id": "json-only-1",
        "type": "Feature",
        "geometry": None,
        "properties": {"title": "A record published as JSON only", "updated": "2024-01-01T00:00:00Z"},
        "links": [],
    }
    items.write_text(json.dumps({"type": "FeatureCollection", "features": [feature], "links": []}))
    hub = make_catalogue("json-hub")
    with static_server(site) as url:
        write_sources(hub, [source("shom", "oarec", url)])
        result = hub.cli("harvest", "run", "shom", check=False)
    line = run_line(result, "shom")
    assert (line["new"], line["rejected"]) == (0, 1), line
    report = hub.cli("harvest", "report", str(line["run"])).stdout
    assert "rejected shom json-only-1: [unsupported-format]" in report
