"""The OAI-PMH harvester against real local servers.

* a running odatis-csw node (its OAI-PMH provider pages by 3, so resumption tokens are used);
* a tiny http.server answering with recorded responses of real providers (sickle's test pages,
  PANGAEA, DataCite's viringo, pycsw) from tests/data/oaipmh, and ListRecords pages made of
  real single OAI records (B2FIND test data: SEANOE, PANGAEA, EnviDat, ESS) in an envelope
  written here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from conftest import RECORDS, free_port
from lxml import etree

from harvesters.oaipmh import (
    OAI_ERRORS,
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoSetHierarchy,
    OaiError,
    OaiPmhHarvester,
)
from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation, SourceRefused, SourceUnreachable
from odatis_csw.harvest.http import Fetched, HttpClient, HttpSettings
from odatis_csw.harvest.registry import harvester_for
from odatis_csw.harvest.sources import Centre, Source
from odatis_csw.safexml import parse_bytes
from odatis_csw.store.loader import rows_of
from odatis_csw.store.repository import open_repository, setup_repository
from tests.harvest.helpers import execute, query

DATA = Path(__file__).resolve().parents[1] / "data" / "oaipmh"
OAI = "http://www.openarchives.org/OAI/2.0/"
GMD = "{http://www.isotc211.org/2005/gmd}MD_Metadata"
GMI = "{http://www.isotc211.org/2005/gmi}MI_Metadata"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
DC = "http://purl.org/dc/elements/1.1/"


class RecordingClient(HttpClient):
    """HttpClient that notes the parameters of every GET, and can fail on a chosen one."""

    def __init__(self, fail: Callable[[dict[str, str]], bool] | None = None) -> None:
        super().__init__(HttpSettings(timeout=10, retries=0))
        self.requests: list[dict[str, str]] = []
        self.fail = fail

    def get(self, url: str, params: Any = None, validators: Any = None, accept: Any = None) -> Fetched:
        asked = dict(params or {})
        self.requests.append(asked)
        if self.fail is not None and self.fail(asked):
            raise SourceUnreachable(f"GET {url}: connection reset (simulated)")
        return super().get(url, params=params, validators=validators, accept=accept)

    def listings(self) -> list[dict[str, str]]:
        return [request for request in self.requests if request.get("verb") == "ListRecords"]


def make_harvester(url: str, client: HttpClient | None = None, **options: Any) -> OaiPmhHarvester:
    source = Source("test-oai", "Test OAI-PMH source", Centre("test"), "oaipmh", url, options)
    harvester = harvester_for(source, client or RecordingClient())
    assert isinstance(harvester, OaiPmhHarvester)
    return harvester


# -- a real odatis-csw node ---------------------------------------------------------------


@pytest.fixture(scope="module")
def node(make_catalogue):
    """The node's datestamps are when it stored each record: half of them were stored in 2019."""
    catalogue = make_catalogue("oaipmh-node", RECORDS, server__maxrecords=3)
    ids = sorted(row[0] for row in query(catalogue, "SELECT identifier FROM records"))
    for identifier in ids[::2]:
        execute(
            catalogue,
            "UPDATE records SET insert_date = '2019-03-01T12:00:00Z' WHERE identifier = :id",
            id=identifier,
        )
    return catalogue


@pytest.fixture(scope="module")
def node_count(node) -> int:
    return int(requests.get(f"{node.url}/healthz", timeout=10).json()["records"])


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('oaipmh-store') / 'unit.db'}"
    setup_repository(database, "records")
    return open_repository(database, "records")


@pytest.mark.parametrize(("prefix", "roots"), [("iso19139", {GMD, GMI}), ("oai_dc", {OAI_DC})])
def test_full_harvest_lists_every_record_once(node, node_count, repository, prefix, roots):
    client = RecordingClient()
    harvester = make_harvester(f"{node.url}/oaipmh", client, metadata_prefix=prefix)
    state = GatherState()
    refs = list(harvester.gather(state))
    identifiers = [ref.identifier for ref in refs]
    assert len(identifiers) == node_count > 3
    assert len(set(identifiers)) == node_count
    assert state.complete and state.checkpoint == {}
    listings = client.listings()
    assert len(listings) == -(-node_count // 3)  # pages of 3
    assert all(set(request) == {"verb", "resumptionToken"} for request in listings[1:])
    for ref in refs:
        raw = harvester.fetch(ref)
        assert parse_bytes(raw.payload).getroot().tag in roots
        assert raw.url and "verb=GetRecord" in raw.url
        # each payload is a document the catalogue stores, under the identifier the node serves
        rows = rows_of(repository, parse_bytes(raw.payload))
        assert [row.identifier for row in rows] == [ref.identifier]
    assert not [request for request in client.requests if request.get("verb") == "GetRecord"]


def test_oai_dc_from_a_node_keeps_bounding_boxes(node, repository):
    harvester = make_harvester(f"{node.url}/oaipmh", metadata_prefix="oai_dc")
    boxes = 0
    for ref in harvester.gather(GatherState()):
        row = rows_of(repository, parse_bytes(harvester.fetch(ref).payload))[0]
        boxes += row.wkt_geometry is not None
    assert boxes > 5


def test_set_filters(node, node_count):
    every = {ref.identifier for ref in make_harvester(f"{node.url}/oaipmh").gather(GatherState())}
    client = RecordingClient()
    harvester = make_harvester(f"{node.url}/oaipmh", client, metadata_prefix="oai_dc", set="type:dataset")
    refs = list(harvester.gather(GatherState()))
    assert 0 < len(refs) < node_count
    assert {ref.identifier for ref in refs} <= every
    for ref in refs:
        types = parse_bytes(ref.payload).getroot().findall(f"{{{DC}}}type")
        assert [element.text for element in types] == ["dataset"]
    assert client.listings()[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "type:dataset"}


def test_interrupted_listing_resumes_from_its_checkpoint(node, node_count):
    url = f"{node.url}/oaipmh"
    state = GatherState()
    broken = RecordingClient(fail=lambda params: "resumptionToken" in params)
    first: list[str] = []
    with pytest.raises(SourceUnreachable):
        for ref in make_harvester(url, broken).gather(state):
            first.append(ref.identifier)
    assert len(first) == 3
    token = state.checkpoint["resumptionToken"]
    assert state.checkpoint["listing"] == {"metadataPrefix": "iso19139"}

    client = RecordingClient()
    rest = [ref.identifier for ref in make_harvester(url, client).gather(state)]
    assert client.listings()[0] == {"verb": "ListRecords", "resumptionToken": token}
    assert not set(first) & set(rest)
    assert len(first) + len(rest) == len(set(first) | set(rest)) == node_count
    assert state.checkpoint == {} and state.complete


def test_refused_checkpoint_token_restarts_the_listing(node, node_count):
    state = GatherState(checkpoint={"listing": {"metadataPrefix": "iso19139"}, "resumptionToken": "expired"})
    client = RecordingClient()
    identifiers = [ref.identifier for ref in make_harvester(f"{node.url}/oaipmh", client).gather(state)]
    assert len(identifiers) == len(set(identifiers)) == node_count
    assert client.listings()[0] == {"verb": "ListRecords", "resumptionToken": "expired"}
    assert client.listings()[1] == {"verb": "ListRecords", "metadataPrefix": "iso19139"}
    assert state.checkpoint == {}


def test_checkpoint_of_another_listing_is_not_used(node, node_count):
    other = {"listing": {"metadataPrefix": "oai_dc", "set": "datasets"}, "resumptionToken": "whatever"}
    client = RecordingClient()
    refs = list(make_harvester(f"{node.url}/oaipmh", client).gather(GatherState(checkpoint=other)))
    assert len(refs) == node_count
    assert client.listings()[0] == {"verb": "ListRecords", "metadataPrefix": "iso19139"}


def test_watermark_sends_from_and_marks_the_listing_partial(node, node_count):
    client = RecordingClient()
    state = GatherState(watermark=datetime(2020, 1, 1, tzinfo=UTC))
    refs = list(make_harvester(f"{node.url}/oaipmh", client).gather(state))
    assert state.complete is False
    # the node's Identify declares YYYY-MM-DDThh:mm:ssZ
    assert client.requests[0] == {"verb": "Identify"}
    assert client.listings()[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "iso19139",
        "from": "2020-01-01T00:00:00Z",
    }
    assert 0 < len(refs) < node_count
    assert all(ref.modified is None or ref.modified >= state.watermark for ref in refs)


def test_future_watermark_is_an_empty_listing(node):
    client = RecordingClient()
    state = GatherState(watermark=datetime(2099, 1, 1, 12, 30, tzinfo=UTC))
    assert list(make_harvester(f"{node.url}/oaipmh", client).gather(state)) == []
    assert state.complete is False and state.checkpoint == {}
    assert client.listings()[0]["from"] == "2099-01-01T12:30:00Z"


def test_configured_from_and_until(node):
    client = RecordingClient()
    harvester = make_harvester(f"{node.url}/oaipmh", client, **{"from": "2018-01-01", "until": "2019-12-31"})
    state = GatherState()
    refs = list(harvester.gather(state))
    assert state.complete is False
    first = client.listings()[0]
    assert (first["from"], first["until"]) == ("2018-01-01", "2019-12-31")
    assert refs
    # a watermark later than the configured floor wins
    client = RecordingClient()
    later = GatherState(watermark=datetime(2019, 6, 1, tzinfo=UTC))
    list(make_harvester(f"{node.url}/oaipmh", client, **{"from": "2018-01-01"}).gather(later))
    assert client.listings()[0]["from"] == "2019-06-01T00:00:00Z"


def test_get_record_when_the_listing_had_no_payload(node):
    harvester = make_harvester(f"{node.url}/oaipmh")
    raw = harvester.fetch(RecordRef("NS06agg"))
    assert parse_bytes(raw.payload).getroot().tag in (GMD, GMI)
    assert "identifier=NS06agg" in raw.url


def test_options_are_checked_against_the_schema(node):
    for options in ({"metadata_prefix": "marc21"}, {"sets": "datasets"}, {"from": "1st of May"}):
        with pytest.raises(ConfigError):
            make_harvester(f"{node.url}/oaipmh", **options)


def test_unknown_format_on_a_real_node_is_a_typed_refusal(node, monkeypatch):
    harvester = make_harvester(f"{node.url}/oaipmh")
    monkeypatch.setattr(harvester, "prefix", "marc21")
    with pytest.raises(CannotDisseminateFormat) as caught:
        list(harvester.gather(GatherState()))
    assert caught.value.oai_code == "cannotDisseminateFormat"
    assert caught.value.code == "oai:cannotDisseminateFormat"


def test_unreachable_port():
    with pytest.raises(SourceUnreachable):
        list(make_harvester(f"http://127.0.0.1:{free_port()}/oaipmh").gather(GatherState()))


# -- recorded responses of real providers ------------------------------------------------


class Recorded:
    """What the recorded server was asked, and how it answers (params → body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.answer: Callable[[dict[str, str]], bytes] = lambda params: b""
        self.url = ""


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    state = Recorded()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            params = dict(parse_qsl(urlsplit(self.path).query))
            state.requests.append(params)
            body = state.answer(params)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/oai/provider"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def sickle_pages(params: dict[str, str]) -> bytes:
    token = params.get("resumptionToken")
    return data(f"sickle__{token}" if token else "sickle__ListRecords.xml")


def test_recorded_pages_with_deleted_records(recorded):
    recorded.answer = sickle_pages
    state = GatherState()
    refs = list(make_harvester(recorded.url, metadata_prefix="oai_dc").gather(state))
    # four pages; page 4's deleted record has neither identifier nor datestamp: skipped
    assert [(ref.identifier, ref.deleted) for ref in refs] == [
        ("oai:test.example.com:1585310", True),
        ("oai:test.example.com:1585322", False),
    ] * 3 + [("oai:test.example.com:1585322", False)]
    assert [request.get("resumptionToken") for request in recorded.requests] == [
        None,
        "ListRecords2.xml",
        "ListRecords3.xml",
        "ListRecords4.xml",
    ]
    deleted = refs[0]
    assert deleted.payload is None and deleted.modified == datetime(2011, 7, 18, 16, 31, tzinfo=UTC)
    live = refs[1]
    assert parse_bytes(live.payload).getroot().tag == OAI_DC
    assert live.modified == datetime(2011, 1, 10, 10, 19, 23, tzinfo=UTC)
    assert state.checkpoint == {}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("sickle__badArgument.xml", BadArgument),
        ("sickle__badResumptionToken.xml", BadResumptionToken),
        ("sickle__cannotDisseminateFormat.xml", CannotDisseminateFormat),
        ("sickle__idDoesNotExist.xml", IdDoesNotExist),
        ("sickle__noSetHierarchy.xml", NoSetHierarchy),
        ("pycsw__oaipmh__expected__get_bad_verb.xml", BadArgument),  # pycsw says badArgument
    ],
)
def test_recorded_errors_raise_typed_refusals(recorded, name, error):
    recorded.answer = lambda params: data(name)
    with pytest.raises(error) as caught:
        list(make_harvester(recorded.url).gather(GatherState()))
    assert isinstance(caught.value, SourceRefused)
    assert caught.value.oai_code == error.oai_code
    assert etree.fromstring(data(name)).find(f".//{{{OAI}}}error").get("code") == error.oai_code


def test_recorded_undefined_error_code_keeps_the_code(recorded):
    recorded.answer = lambda params: data("sickle__undefinedError.xml")
    with pytest.raises(OaiError) as caught:
        list(make_harvester(recorded.url).gather(GatherState()))
    assert type(caught.value) is OaiError and caught.value.oai_code == "undefinedError"


def test_recorded_no_records_match_is_an_empty_listing(recorded):
    recorded.answer = lambda params: data("sickle__noRecordsMatch.xml")
    state = GatherState()
    assert list(make_harvester(recorded.url).gather(state)) == []
    assert state.complete


def test_every_oai_error_code_has_its_class():
    codes = [
        "badArgument",
        "badResumptionToken",
        "badVerb",
        "cannotDisseminateFormat",
        "idDoesNotExist",
        "noRecordsMatch",
        "noSetHierarchy",
        "noMetadataFormats",
    ]
    assert sorted(OAI_ERRORS) == sorted(codes)
    for code, error in OAI_ERRORS.items():
        assert issubclass(error, OaiError) and issubclass(error, SourceRefused)
        assert error.oai_code == code and error("x").code == f"oai:{code}"
    assert len(set(OAI_ERRORS.values())) == len(codes)


def test_recorded_get_record_errors_are_typed(recorded):
    recorded.answer = lambda params: data("sickle__idDoesNotExist.xml")
    with pytest.raises(IdDoesNotExist):
        make_harvester(recorded.url).fetch(RecordRef("oai:lcoa1.loc.gov:loc.rbc/rbpe.00000111"))


def test_recorded_viringo_page_then_expired_token(recorded, repository):
    """DataCite's viringo: a page of oai_dc, then its token refused as expired."""

    def answer(params: dict[str, str]) -> bytes:
        if "resumptionToken" in params:
            return data("sickle__badResumptionToken.xml")
        return data("datacite-viringo__oai_listrecords_dc.xml")

    recorded.answer = answer
    state = GatherState()
    refs: list[RecordRef] = []
    with pytest.raises(BadResumptionToken):
        for ref in make_harvester(recorded.url, metadata_prefix="oai_dc").gather(state):
            refs.append(ref)
    assert [ref.identifier for ref in refs] == ["doi:10.5072/not-a-real-doi", "doi:10.5072/not-a-real-doi-2"]
    assert state.checkpoint["resumptionToken"].startswith("metadataPrefix%3Doai_dc")
    # the payload stands alone: the xsi prefix of the response is declared on it
    payload = parse_bytes(refs[0].payload).getroot()
    assert payload.tag == OAI_DC
    assert payload.nsmap["xsi"] == "http://www.w3.org/2001/XMLSchema-instance"
    [row] = rows_of(repository, parse_bytes(refs[0].payload))
    assert row.identifier == "doi:10.5072/not-a-real-doi"  # the first dc:identifier, as published
    assert 'xlink:href="https://doi.org/10.5072/not-a-real-doi"' in row.xml


@pytest.mark.parametrize(
    ("identify", "expected"),
    [("sickle__Identify.xml", "2011-07-18"), ("pangaea-oai__Identify.xml", "2011-07-18T16:31:00Z")],
)
def test_recorded_identify_sets_the_granularity_of_from(recorded, identify, expected):
    def answer(params: dict[str, str]) -> bytes:
        return data(identify) if params["verb"] == "Identify" else data("sickle__noRecordsMatch.xml")

    recorded.answer = answer
    paris_summer = timezone(timedelta(hours=2))
    state = GatherState(watermark=datetime(2011, 7, 18, 18, 31, tzinfo=paris_summer))
    assert list(make_harvester(recorded.url).gather(state)) == []
    assert recorded.requests[1]["from"] == expected
    assert state.complete is False


@pytest.mark.parametrize(
    ("name", "prefix", "root"),
    [
        ("pangaea-oai__GetRecord_oai_dc.xml", "oai_dc", OAI_DC),
        (
            "datacite-viringo__oai_getrecord_datacite.xml",
            "datacite",
            "{http://datacite.org/schema/kernel-4}resource",
        ),
        (
            "datacite-viringo__oai_getrecord_oaidatacite.xml",
            "oai_datacite",
            "{http://schema.datacite.org/oai/oai-1.1/}oai_datacite",
        ),
    ],
)
def test_recorded_get_record(recorded, repository, name, prefix, root):
    recorded.answer = lambda params: data(name)
    identifier = etree.fromstring(data(name)).findtext(f".//{{{OAI}}}header/{{{OAI}}}identifier")
    raw = make_harvester(recorded.url, metadata_prefix=prefix).fetch(RecordRef(identifier))
    assert recorded.requests == [{"verb": "GetRecord", "metadataPrefix": prefix, "identifier": identifier}]
    assert parse_bytes(raw.payload).getroot().tag == root
    rows = rows_of(repository, parse_bytes(raw.payload))
    assert len(rows) == 1 and rows[0].title


B2FIND = [
    "b2find-seanoe-oairecord-oai_dc__4aefaa20-ae37-5c89-bc7a-7574303850c3.xml",
    "b2find-seanoe-oairecord-oai_dc__7d8d61e8-c2c6-5a7e-bef1-24f5a1eb23b5.xml",
    "b2find-seanoe-oairecord-oai_dc__bbox_0a476c9c-47ab-51ed-aa7b-8607416cdc0c.xml",
    "b2find-pangaea-oairecord-datacite__5755f06f-a5a9-5794-9d05-ab23e51452be.xml",
    "b2find-pangaea-oairecord-datacite3__bbox_99eacce5-2984-588e-9ba3-f94c03978983.xml",
    "b2find-envidat-oairecord-datacite__point_list_9d490baa-18c7-569e-a393-2a5dbd63cec1.xml",
    "b2find-ess-oairecord-datacite__6f44650e-3943-54d0-8673-1ceadab50c67_broken_oai_id.xml",
]


def list_records_page(records: list[bytes], token: str | None) -> bytes:
    """A ListRecords answer (envelope written here) around real OAI records."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = "2020-06-10T00:00:00Z"
    etree.SubElement(root, f"{{{OAI}}}request", verb="ListRecords").text = "http://127.0.0.1/oai/provider"
    listing = etree.SubElement(root, f"{{{OAI}}}ListRecords")
    for record in records:
        listing.append(etree.fromstring(record))
    if token is not None:
        etree.SubElement(listing, f"{{{OAI}}}resumptionToken").text = token
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_recorded_b2find_records_in_two_pages(recorded, repository):
    records = [data(name) for name in B2FIND]

    def answer(params: dict[str, str]) -> bytes:
        if params.get("resumptionToken") == "page-2":
            return list_records_page(records[4:], None)
        return list_records_page(records[:4], "page-2")

    recorded.answer = answer
    harvester = make_harvester(recorded.url, metadata_prefix="oai_dc")
    refs = list(harvester.gather(GatherState()))
    # the ESS record's header has an empty identifier: skipped
    assert [ref.identifier for ref in refs] == [
        "oai:seanoe.org:41101",
        "oai:seanoe.org:41349",
        "oai:seanoe.org:59517",
        "oai:pangaea.de:doi:10.1594/PANGAEA.548413",
        "oai:pangaea.de:doi:10.1594/PANGAEA.887837",
        "oai:envidat.ch:c54a616a-4419-4ba8-840e-82f6ec5c05ff",
    ]
    assert refs[2].modified == datetime(2019, 5, 21, tzinfo=UTC)
    stored = [rows_of(repository, parse_bytes(ref.payload))[0] for ref in refs]
    assert stored[2].identifier == "DOI:10.17882/59517"  # oai_dc: the first dc:identifier
    assert stored[3].identifier == "10.1594/PANGAEA.548413"  # DataCite: its identifier, a DOI
    assert 'xlink:href="https://doi.org/10.17882/59517"' in stored[2].xml
    assert all(row.title for row in stored)


def test_recorded_answer_that_is_not_oai_pmh(recorded):
    recorded.answer = lambda params: data("marine-ie-nodc__ie_marine_data__dataset_2837.xml")
    with pytest.raises(ProtocolViolation):
        list(make_harvester(recorded.url).gather(GatherState()))
    recorded.answer = lambda params: b"<html><body>Service unavailable"
    with pytest.raises(ProtocolViolation):
        list(make_harvester(recorded.url).gather(GatherState()))
