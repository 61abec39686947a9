"""A local federation on 127.0.0.1: real odatis-csw nodes and a WAF, harvested by a hub.

Nodes are gunicorn servers with their own databases, loaded with different real records;
the hub harvests them over CSW 2.0.2, CSW 3.0, OAI-PMH, OGC API - Records and a WAF.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, RECORDS
from tests.harvest.helpers import (
    csw_ids,
    execute,
    query,
    run_line,
    silent_server,
    source,
    static_server,
    write_sources,
)

WAF_SITE = DATA / "waf" / "site"


def file_ids(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.xml"):
        text = path.read_text(encoding="utf-8", errors="replace")
        match = re.search(r"<gmd:fileIdentifier>\s*<gco:CharacterString>([^<]+)<", text)
        if match:
            found.add(match.group(1).strip())
    return found


@pytest.fixture(scope="module")
def node_a(make_catalogue):
    """A Sextant-like node: ISO 19139 records, small pages."""
    return make_catalogue("node-a", RECORDS / "iso19139", server__maxrecords=3)


@pytest.fixture(scope="module")
def node_b(make_catalogue):
    """A Coriolis-like node: ISO 19115-2 records."""
    return make_catalogue("node-b", RECORDS / "iso19115-2")


@pytest.fixture(scope="module")
def waf_url():
    with static_server(WAF_SITE) as url:
        yield url


@pytest.fixture(scope="module")
def hub(make_catalogue, node_a, node_b, waf_url):
    catalogue = make_catalogue("hub")
    write_sources(
        catalogue,
        [
            source("a-csw", "csw", f"{node_a.url}/csw", version="2.0.2", page_size=2),
            source("a-oai", "oaipmh", f"{node_a.url}/oaipmh", metadata_prefix="iso19139"),
            source("b-csw3", "csw", f"{node_b.url}/csw", version="3.0.0", page_size=2),
            source("b-oarec", "oarec", node_b.url),
            source("waf", "waf", f"{waf_url}/"),
        ],
    )
    result = catalogue.cli("harvest", "run", "--all")
    catalogue.first_run = result
    return catalogue


def test_every_protocol_harvests_its_node(hub):
    for name in ("a-csw", "a-oai", "b-csw3", "b-oarec", "waf"):
        line = run_line(hub.first_run, name)
        assert line["status"] == "success", line
        assert line["rejected"] == 0, line


def test_the_hub_serves_each_record_once(hub, node_a, node_b):
    served = csw_ids(hub)
    assert len(served) == len(set(served))
    expected = set(csw_ids(node_a)) | set(csw_ids(node_b)) | file_ids(WAF_SITE)
    assert set(served) == expected


def test_every_record_has_provenance_per_source(hub, node_a):
    rows = query(
        hub, "SELECT source, record_id, source_url, sha256 FROM harvest_records WHERE source = 'a-csw'"
    )
    assert {row[1] for row in rows} == set(csw_ids(node_a))
    assert all(row[2].startswith("http://127.0.0.1:") and len(row[3]) == 64 for row in rows)
    both = query(hub, "SELECT record_id FROM harvest_records WHERE source = 'a-oai'")
    assert {row[0] for row in both} == {row[1] for row in rows}  # same records, two provenances


def test_a_second_run_writes_nothing(hub):
    before = query(hub, "SELECT identifier, insert_date FROM records ORDER BY identifier")
    result = hub.cli("harvest", "run", "--all")
    for name in ("a-csw", "a-oai", "b-csw3", "b-oarec", "waf"):
        line = run_line(result, name)
        assert line["new"] == line["updated"] == line["deleted"] == 0, line
    assert query(hub, "SELECT identifier, insert_date FROM records ORDER BY identifier") == before


def test_hub_of_hubs_yields_the_same_records(make_catalogue, hub):
    upper = make_catalogue("hub-of-hubs")
    write_sources(upper, [source("hub", "csw", f"{hub.url}/csw", page_size=5)])
    result = upper.cli("harvest", "run", "hub")
    assert run_line(result, "hub")["status"] == "success"
    served = csw_ids(upper)
    assert sorted(served) == sorted(csw_ids(hub))


# --- change scenarios, each on its own pair of node and hub -----------------------------------


@pytest.fixture
def pair(make_catalogue, tmp_path, request):
    """A fresh node with a copy of the ISO 19139 records and a hub harvesting it over CSW."""
    tag = f"{abs(hash(request.node.name)) % 10**6}"
    folder = tmp_path / "records"
    shutil.copytree(RECORDS / "iso19139", folder)
    node = make_catalogue(f"node{tag}", folder)
    hub = make_catalogue(f"hub{tag}")
    write_sources(hub, [source("node", "csw", f"{node.url}/csw", page_size=2)])
    first = hub.cli("harvest", "run", "node")
    assert run_line(first, "node")["status"] == "success"
    return node, hub, folder


def test_a_record_changed_at_its_node_is_updated_and_nothing_else(pair):
    node, hub, folder = pair
    path = folder / "owslib__csw_geobretagne_mdmetadata.xml"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"(<gmd:title>\s*<gco:CharacterString>)", r"\1[revised] ", text, count=1)
    edited = re.sub(r"(<gmd:dateStamp>\s*<gco:DateTime>)[^<]+", r"\g<1>2099-01-01T00:00:00", edited)
    path.write_text(edited, encoding="utf-8")
    node.cli("load", str(path))
    others = query(
        hub,
        "SELECT source_id, fetched_at FROM harvest_records WHERE source_id <> "
        "(SELECT source_id FROM harvest_records WHERE source_url LIKE '%' || :id || '%')",
        id="ecbce8ad",
    )
    result = hub.cli("harvest", "run", "node")
    line = run_line(result, "node")
    assert (line["updated"], line["new"], line["deleted"]) == (1, 0, 0), line
    titles = [row[0] for row in query(hub, "SELECT title FROM records WHERE title LIKE '[revised]%'")]
    assert len(titles) == 1
    assert (
        query(
            hub,
            "SELECT source_id, fetched_at FROM harvest_records WHERE source_id <> "
            "(SELECT source_id FROM harvest_records WHERE source_url LIKE '%' || :id || '%')",
            id="ecbce8ad",
        )
        == others
    )


def test_a_record_deleted_at_its_node_becomes_a_tombstone(pair):
    node, hub, _ = pair
    victim = csw_ids(node)[0]
    execute(node, "DELETE FROM records WHERE identifier = :id", id=victim)
    result = hub.cli("harvest", "run", "node", "--full")
    assert run_line(result, "node")["deleted"] == 1
    assert victim not in csw_ids(hub)
    [(deleted,)] = query(hub, "SELECT deleted FROM harvest_records WHERE record_id = :id", id=victim)
    assert deleted


@pytest.mark.parametrize("failure", ["down", "http-500", "truncated", "timeout"])
def test_a_failing_node_leaves_the_catalogue_as_it_was(pair, tmp_path, failure):
    node, hub, _ = pair
    before = query(hub, "SELECT identifier, insert_date, xml FROM records ORDER BY identifier")
    if failure == "timeout":
        with silent_server() as hung:
            write_sources(hub, [source("node", "csw", f"{hung}/csw", page_size=2)], timeout=1)
            result = hub.cli("harvest", "run", "node", "--full", check=False)
        line = run_line(result, "node")
        assert line["status"] == "failed" and "unreachable" in result.stderr and "Timeout" in result.stderr
        assert query(hub, "SELECT identifier, insert_date, xml FROM records ORDER BY identifier") == before
        return
    if failure == "down":
        node.stop()
        url = f"{node.url}/csw"
    else:
        folder = tmp_path / "bad"
        folder.mkdir()
        (folder / "csw").write_bytes(b"<csw:GetRecordsResponse xmlns:csw=" if failure == "truncated" else b"")
        url = None
    if url is None:
        with static_server(tmp_path / "bad") as bad:
            target = f"{bad}/csw" if failure == "truncated" else f"{bad}/no-such-endpoint"
            write_sources(hub, [source("node", "csw", target, page_size=2)])
            result = hub.cli("harvest", "run", "node", "--full", check=False)
    else:
        result = hub.cli("harvest", "run", "node", "--full", check=False)
    line = run_line(result, "node")
    assert line["status"] in ("failed", "partial"), line
    assert line["deleted"] == 0
    assert result.returncode == 1
    assert query(hub, "SELECT identifier, insert_date, xml FROM records ORDER BY identifier") == before


def test_a_killed_run_resumes_and_converges(make_catalogue, node_a, tmp_path):
    reference = make_catalogue("reference-hub")
    write_sources(reference, [source("a", "csw", f"{node_a.url}/csw", page_size=1)])
    reference.cli("harvest", "run", "a")
    expected = query(reference, "SELECT record_id, sha256 FROM harvest_records ORDER BY record_id")

    hub = make_catalogue("killed-hub")
    write_sources(hub, [source("a", "csw", f"{node_a.url}/csw", page_size=1)], parallel_fetches=1)
    command = [sys.executable, "-m", "odatis_csw", "--config", str(hub.config), "harvest", "run", "a"]
    env = {**os.environ, "ODATIS_CSW_URL": hub.url}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            done = query(hub, "SELECT COUNT(*) FROM harvest_records")[0][0]
        except Exception:  # noqa: BLE001 - the tables may not exist yet
            done = 0
        if done >= 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = query(hub, "SELECT COUNT(*) FROM harvest_records")[0][0]
    assert interrupted < len(expected), "the run finished before it could be killed"
    execute(hub, "UPDATE harvest_state SET lock_owner = NULL, lock_expires = NULL")  # the killed run's lock
    result = hub.cli("harvest", "run", "a")
    assert run_line(result, "a")["status"] == "success"
    assert query(hub, "SELECT record_id, sha256 FROM harvest_records ORDER BY record_id") == expected
    assert sorted(csw_ids(hub)) == sorted(csw_ids(reference))
