"""OAI-PMH deleted records (OAI-PMH 2.0 §2.5.1): harvest tombstones answered with status="deleted".

A node serves the ISO 19139 records; a hub (pages of 3) harvests it over CSW; two records
are then deleted at the node and a full harvest turns them into tombstones on the hub.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from tests.conftest import RECORDS
from tests.harvest.helpers import csw_ids, execute, query, run_line, source, write_sources
from tests.xmlschemas import assert_valid

OAI = "{http://www.openarchives.org/OAI/2.0/}"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
PAGE = 3


@pytest.fixture(scope="module")
def federation(make_catalogue, tmp_path_factory):
    """(node, hub, deleted ids, live ids, moment before the deletions) after a full re-harvest."""
    folder = tmp_path_factory.mktemp("oai-deleted-records")
    shutil.copytree(RECORDS / "iso19139", folder, dirs_exist_ok=True)
    node = make_catalogue("oai-deleted-node", folder)
    hub = make_catalogue("oai-deleted-hub", server__maxrecords=PAGE)
    write_sources(hub, [source("node", "csw", f"{node.url}/csw", page_size=2)])
    assert run_line(hub.cli("harvest", "run", "node"), "node")["status"] == "success"
    everything = sorted(csw_ids(hub))
    deleted = everything[1:3]
    for identifier in deleted:
        execute(node, "DELETE FROM records WHERE identifier = :id", id=identifier)
    time.sleep(2.1)  # the first harvest stored its records strictly before ``before``
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    time.sleep(1.1)  # the deletions happen strictly after ``before``
    assert run_line(hub.cli("harvest", "run", "node", "--full"), "node")["deleted"] == 2
    live = sorted(csw_ids(hub))
    assert set(live) == set(everything) - set(deleted) and len(live) > PAGE
    return node, hub, deleted, live, before


def oai(catalogue, **params: str) -> etree._Element:
    answer = requests.get(f"{catalogue.url}/oaipmh", params=params, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return etree.fromstring(answer.content)


def pages(catalogue, verb: str, **params: str) -> list[etree._Element]:
    """Every page of a list, following the resumption tokens."""
    found = [oai(catalogue, verb=verb, **params)]
    while (token := found[-1].findtext(f".//{OAI}resumptionToken")) and len(found) < 50:
        found.append(oai(catalogue, verb=verb, resumptionToken=token))
    return found


def headers(page: etree._Element) -> list[etree._Element]:
    return list(page.iter(f"{OAI}header"))


def deletion_time(hub, identifier: str) -> str:
    [(stamp,)] = query(hub, "SELECT deleted_at FROM harvest_records WHERE record_id = :id", id=identifier)
    return str(stamp)


def stored_since(hub, moment: datetime) -> list[str]:
    """The live records the hub stored (again) at or after ``moment``: their datestamp says so."""
    rows = query(hub, "SELECT identifier, insert_date FROM records")
    return sorted(identifier for identifier, stamp in rows if stamp >= moment.strftime(STAMP))


def listed(hub, verb: str = "ListIdentifiers", **params: str) -> tuple[list[str], list[str]]:
    """(live identifiers, deleted identifiers) of a list harvested by Sickle."""
    client = Sickle(f"{hub.url}/oaipmh", max_retries=0, timeout=60)
    try:
        items = list(getattr(client, verb)(**params))
    except NoRecordsMatch:
        return [], []
    found = [item.header if verb == "ListRecords" else item for item in items]
    return (
        sorted(header.identifier for header in found if not header.deleted),
        sorted(header.identifier for header in found if header.deleted),
    )


def test_identify_declares_persistent_deletions(federation):
    _, hub, deleted, _, _ = federation
    identify = Sickle(f"{hub.url}/oaipmh", max_retries=0, timeout=60).Identify()
    assert identify.deletedRecord == "persistent"
    assert identify.earliestDatestamp <= min(deletion_time(hub, identifier) for identifier in deleted)


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
@pytest.mark.parametrize("prefix", ["oai_dc", "iso19139"])
def test_a_harvester_gets_every_live_record_then_the_deleted_ones_once(federation, verb, prefix):
    _, hub, deleted, live, _ = federation
    client = Sickle(f"{hub.url}/oaipmh", max_retries=0, timeout=60)
    items = list(getattr(client, verb)(metadataPrefix=prefix))
    found = [item.header if verb == "ListRecords" else item for item in items]
    assert sorted(h.identifier for h in found if not h.deleted) == live
    assert sorted(h.identifier for h in found if h.deleted) == deleted
    assert all(not h.deleted for h in found[: len(live)])  # the deleted ones come last
    for header in found[len(live) :]:
        assert header.datestamp == deletion_time(hub, header.identifier)
    if verb == "ListRecords":
        for record in items[len(live) :]:
            assert record.xml.find(f"{OAI}metadata") is None
        assert all(record.xml.find(f"{OAI}metadata") is not None for record in items[: len(live)])


def test_cursor_and_complete_list_size_count_the_deleted_records(federation):
    _, hub, deleted, live, _ = federation
    answers = pages(hub, "ListIdentifiers", metadataPrefix="oai_dc")
    tokens = [page.find(f".//{OAI}resumptionToken") for page in answers]
    assert all(token is not None for token in tokens)
    assert {token.get("completeListSize") for token in tokens} == {str(len(live) + len(deleted))}
    sizes = [len(headers(page)) for page in answers]
    assert [int(token.get("cursor")) for token in tokens] == [sum(sizes[:i]) for i in range(len(sizes))]
    assert sum(sizes) == len(live) + len(deleted)
    assert not tokens[-1].text  # the last page completes the list
    listed_headers = [header for page in answers for header in headers(page)]
    statuses = [header.get("status") for header in listed_headers]
    assert statuses == [None] * len(live) + ["deleted"] * len(deleted)  # the deleted ones last
    last = answers[-1]
    for header in listed_headers[len(live) :]:  # a deleted record keeps the data centre it came from
        assert [child.tag for child in header] == [f"{OAI}identifier", f"{OAI}datestamp"] + [
            f"{OAI}setSpec"
        ] * 2
        assert [spec.text for spec in header.iter(f"{OAI}setSpec")] == ["centre", "centre:node"]
    assert_valid(last, "oai-pmh/OAI-PMH.xsd")


def test_a_page_of_deleted_records_in_list_records_is_valid(federation):
    _, hub, deleted, _, _ = federation
    answers = pages(hub, "ListRecords", metadataPrefix="iso19139")
    records = [record for page in answers for record in page.iter(f"{OAI}record")]
    gone = [record for record in records if record.find(f"{OAI}header").get("status") == "deleted"]
    assert sorted(record.findtext(f".//{OAI}identifier") for record in gone) == deleted
    assert all(record.find(f"{OAI}metadata") is None for record in gone)
    last = answers[-1]
    assert {record.find(f"{OAI}header").get("status") for record in last.iter(f"{OAI}record")} == {"deleted"}
    assert_valid(last, "oai-pmh/OAI-PMH.xsd")


@pytest.mark.parametrize("prefix", ["oai_dc", "iso19139"])
def test_get_record_of_a_deleted_record_answers_its_deleted_header(federation, prefix):
    _, hub, deleted, live, _ = federation
    for identifier in deleted:
        answer = oai(hub, verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
        [record] = answer.iter(f"{OAI}record")
        header = record.find(f"{OAI}header")
        assert header.get("status") == "deleted"
        assert header.findtext(f"{OAI}identifier") == identifier
        assert header.findtext(f"{OAI}datestamp") == deletion_time(hub, identifier)
        assert record.find(f"{OAI}metadata") is None
        assert_valid(answer, "oai-pmh/OAI-PMH.xsd")
    alive = Sickle(f"{hub.url}/oaipmh", max_retries=0, timeout=60).GetRecord(
        identifier=live[0], metadataPrefix=prefix
    )
    assert not alive.deleted and alive.xml.find(f"{OAI}metadata") is not None


def test_get_record_of_an_unknown_record_is_id_does_not_exist(federation):
    _, hub, _, _, _ = federation
    answer = oai(hub, verb="GetRecord", identifier="no-such-record", metadataPrefix="oai_dc")
    assert answer.find(f".//{OAI}record") is None
    assert [error.get("code") for error in answer.iter(f"{OAI}error")] == ["idDoesNotExist"]


def test_from_and_until_select_deleted_records_by_deletion_time(federation):
    _, hub, deleted, _, before = federation
    moment = max(deletion_time(hub, identifier) for identifier in deleted)
    later = (datetime.strptime(moment, STAMP).replace(tzinfo=UTC) + timedelta(seconds=1)).strftime(STAMP)
    day = moment[:10]
    # an incremental harvest from before the deletions: the deleted records, and the live ones
    # the full harvest stored again (none of those it found unchanged)
    again = stored_since(hub, before)
    assert len(again) < len(query(hub, "SELECT identifier FROM records"))
    assert listed(hub, metadataPrefix="oai_dc", **{"from": before.strftime(STAMP)}) == (again, deleted)
    assert listed(hub, "ListRecords", metadataPrefix="iso19139", **{"from": before.strftime(STAMP)}) == (
        again,
        deleted,
    )
    assert listed(hub, metadataPrefix="oai_dc", **{"from": moment})[1] == deleted  # inclusive
    assert listed(hub, metadataPrefix="oai_dc", **{"from": day})[1] == deleted
    assert listed(hub, metadataPrefix="oai_dc", **{"from": later})[1] == []
    assert listed(hub, metadataPrefix="oai_dc", until=moment)[1] == deleted  # inclusive
    assert listed(hub, metadataPrefix="oai_dc", until=day)[1] == deleted
    assert listed(hub, metadataPrefix="oai_dc", until=before.strftime(STAMP))[1] == []
    answer = oai(hub, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2000-01-01")
    assert answer.find(f"{OAI}error").get("code") == "noRecordsMatch"


def test_a_short_list_with_deleted_records_fits_in_one_page(federation):
    _, hub, deleted, _, before = federation
    again = stored_since(hub, before)
    answer = oai(hub, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": before.strftime(STAMP)})
    assert sorted(h.findtext(f"{OAI}identifier") for h in headers(answer)) == sorted(again + deleted)
    assert len(again + deleted) <= PAGE
    assert answer.find(f".//{OAI}resumptionToken") is None  # one complete page, as for live records
    assert_valid(answer, "oai-pmh/OAI-PMH.xsd")


def test_a_resource_type_set_excludes_the_deleted_records(federation):
    """A deleted record's resource type is no longer known: it belongs to no ``type`` set."""
    _, hub, _, live, _ = federation
    in_set, deleted_in_set = listed(hub, metadataPrefix="oai_dc", set="type:dataset")
    assert deleted_in_set == [] and in_set and set(in_set) <= set(live)
    first = oai(hub, verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:dataset")
    token = first.find(f".//{OAI}resumptionToken")
    assert token is None or int(token.get("completeListSize")) == len(in_set)


@pytest.mark.parametrize("spec", ["centre", "centre:node"])
def test_a_data_centre_set_keeps_its_deleted_records(federation, spec):
    """An incremental harvest of one data centre learns of the deletions at that centre."""
    _, hub, deleted, live, before = federation
    assert listed(hub, metadataPrefix="oai_dc", set=spec) == (live, deleted)
    since = listed(hub, metadataPrefix="oai_dc", set=spec, **{"from": before.strftime(STAMP)})
    assert since == (stored_since(hub, before), deleted)


def test_a_forged_deleted_part_is_a_bad_resumption_token(federation):
    _, hub, _, _, _ = federation
    for cursor, part in ((-1, "deleted"), ("0", "deleted"), (True, "deleted"), (0, "tombstones")):
        state = {"v": 2, "cursor": cursor, "part": part, "prefix": "oai_dc"}
        token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        answer = oai(hub, verb="ListIdentifiers", resumptionToken=token)
        assert answer.find(f"{OAI}error").get("code") == "badResumptionToken"


def test_a_record_published_again_is_no_longer_deleted(make_catalogue, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oai-revived-records")
    shutil.copytree(RECORDS / "iso19139", folder, dirs_exist_ok=True)
    node = make_catalogue("oai-revived-node", folder)
    hub = make_catalogue("oai-revived-hub", server__maxrecords=PAGE)
    write_sources(hub, [source("node", "csw", f"{node.url}/csw", page_size=2)])
    hub.cli("harvest", "run", "node")
    victim = sorted(csw_ids(node))[0]
    [path] = [p for p in folder.glob("*.xml") if re.search(rf">\s*{re.escape(victim)}\s*<", p.read_text())]
    execute(node, "DELETE FROM records WHERE identifier = :id", id=victim)
    hub.cli("harvest", "run", "node", "--full")
    assert listed(hub, metadataPrefix="oai_dc")[1] == [victim]
    node.cli("load", str(path))
    hub.cli("harvest", "run", "node", "--full")
    live, deleted = listed(hub, metadataPrefix="oai_dc")
    assert deleted == [] and victim in live
    answer = oai(hub, verb="GetRecord", identifier=victim, metadataPrefix="oai_dc")
    assert answer.find(f".//{OAI}header").get("status") is None


def test_a_catalogue_without_tombstones_answers_as_before(make_catalogue):
    plain = make_catalogue("oai-no-tombstones", RECORDS / "iso19139", server__maxrecords=PAGE)
    answers = pages(plain, "ListIdentifiers", metadataPrefix="oai_dc")
    tokens = [page.find(f".//{OAI}resumptionToken") for page in answers]
    assert [int(token.get("cursor")) for token in tokens] == list(range(0, 7, PAGE))
    assert {token.get("completeListSize") for token in tokens} == {"7"}
    assert all(h.get("status") is None for page in answers for h in headers(page))
    identify = Sickle(f"{plain.url}/oaipmh", max_retries=0, timeout=60).Identify()
    assert identify.deletedRecord == "persistent"  # the harvest ledger keeps deletions


def test_a_catalogue_without_harvest_ledger_answers_as_before(make_catalogue):
    """A database without the ledger (served by a WSGI server, never set up by ``serve``)."""
    legacy = make_catalogue("oai-no-ledger", RECORDS / "iso19139", server__maxrecords=PAGE)
    for table in ("runs", "records", "payloads", "rejections", "state", "seen"):
        execute(legacy, f"DROP TABLE harvest_{table}")  # ``serve`` created them; no request read them yet
    identify = Sickle(f"{legacy.url}/oaipmh", max_retries=0, timeout=60).Identify()
    assert identify.deletedRecord == "no"
    ids = [
        h.identifier
        for h in Sickle(f"{legacy.url}/oaipmh", max_retries=0).ListIdentifiers(metadataPrefix="oai_dc")
    ]
    assert len(ids) == len(set(ids)) == 7
    answer = oai(legacy, verb="GetRecord", identifier="no-such-record", metadataPrefix="oai_dc")
    assert answer.find(f".//{OAI}record") is None
