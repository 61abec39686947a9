"""The CSW harvester against real odatis-csw nodes, and against tiny local servers that misbehave."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

import pytest
import requests
from lxml import etree

from harvesters.csw import CswHarvester
from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import PayloadTooLarge, ProtocolViolation, SourceRefused, SourceUnreachable
from odatis_csw.harvest.http import HttpClient, HttpSettings
from odatis_csw.harvest.registry import check_source
from odatis_csw.harvest.sources import Centre, Source
from tests.conftest import RECORDS, free_port
from tests.harvest.helpers import as_served

NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gmi": "http://www.isotc211.org/2005/gmi",
    "gco": "http://www.isotc211.org/2005/gco",
}
ISO_ROOTS = {"{http://www.isotc211.org/2005/gmd}MD_Metadata", "{http://www.isotc211.org/2005/gmi}MI_Metadata"}
VERSIONS = ["2.0.2", "3.0.0"]

# -- tiny local servers -------------------------------------------------------------------------

Answer = Callable[[str, str, bytes], tuple[int, str, bytes]]
"""(method, path with query, request body) -> (status, content type, body)."""


@contextmanager
def tiny_server(answer: Answer) -> Iterator[str]:
    """An http.server on a free port, in a thread; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, content_type, body = answer(self.command, self.path, self.rfile.read(length))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def proxy(
    upstream: str, transform: Callable[[str, str, bytes, bytes], bytes], seen: list[bytes] | None = None
):
    """An answer relaying to ``upstream``; ``transform(method, path, request, body)`` edits the body."""

    def answer(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        if seen is not None:
            seen.append(body)
        headers = {"Content-Type": "application/xml"} if body else {}
        relayed = requests.request(method, upstream + path, data=body or None, headers=headers, timeout=60)
        content_type = relayed.headers.get("Content-Type", "application/xml")
        return relayed.status_code, content_type, transform(method, path, body, relayed.content)

    return answer


def full_page(method: str, body: bytes) -> bool:
    return method == "POST" and b">full</" in body


# -- helpers ----------------------------------------------------------------------------------


def iso_files(*folders: str) -> dict[str, Path]:
    """The records of these test folders, by fileIdentifier."""
    found = {}
    for folder in folders:
        for path in sorted((RECORDS / folder).glob("*.xml")):
            root = etree.parse(str(path)).getroot()
            found[root.xpath("string(gmd:fileIdentifier/gco:CharacterString)", namespaces=NS).strip()] = path
    return found


def shape(root: etree._Element) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Elements, texts and attributes in document order (namespace declarations aside)."""
    return [
        (element.tag, (element.text or "").strip(), tuple(sorted(element.attrib.items())))
        for element in root.iter()
        if isinstance(element.tag, str)
    ]


def csw(url: str, http: HttpClient | None = None, **options: object) -> CswHarvester:
    source = Source("test", "Test node", Centre("Ifremer", 486), "csw", url, dict(options))
    check_source(source)
    return CswHarvester(source, http or HttpClient(HttpSettings(timeout=30, retries=0)))


def identifiers(refs: list[RecordRef]) -> list[str]:
    return [ref.identifier for ref in refs]


# -- nodes ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paged_node(make_catalogue):
    """ISO 19139 records, at most 3 records per answer."""
    return make_catalogue("csw-src-19139", RECORDS / "iso19139", server__maxrecords=3)


@pytest.fixture(scope="module")
def other_node(make_catalogue):
    """ISO 19115-2 records, default page limit."""
    return make_catalogue("csw-src-19115-2", RECORDS / "iso19115-2")


# -- listings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("node", "folder"), [("paged_node", "iso19139"), ("other_node", "iso19115-2")])
def test_every_record_once_as_iso_matching_the_node(request, node, folder, version):
    catalogue = request.getfixturevalue(node)
    expected = iso_files(folder)
    assert len(expected) > 3
    state = GatherState()
    refs = list(csw(f"{catalogue.url}/csw", version=version, page_size=2).gather(state))

    assert sorted(identifiers(refs)) == sorted(expected)
    assert state.complete is True and state.checkpoint == {}
    for ref in refs:
        assert ref.payload is not None
        payload = etree.fromstring(ref.payload)
        assert payload.tag in ISO_ROOTS
        assert shape(payload) == shape(as_served(expected[ref.identifier]))  # as the node stored it
        assert ref.modified is not None and ref.modified.tzinfo is not None
        assert ref.url and "GetRecordById" in ref.url
    harvester = csw(f"{catalogue.url}/csw", version=version)
    assert harvester.fetch(refs[0]).payload == refs[0].payload


@pytest.mark.parametrize("version", VERSIONS)
def test_dublin_core_output_schema(paged_node, version):
    refs = list(csw(f"{paged_node.url}/csw", version=version, outputschema="csw").gather(GatherState()))
    namespace = (
        "http://www.opengis.net/cat/csw/2.0.2" if version == "2.0.2" else "http://www.opengis.net/cat/csw/3.0"
    )
    assert sorted(identifiers(refs)) == sorted(iso_files("iso19139"))
    assert {etree.fromstring(ref.payload).tag for ref in refs} == {f"{{{namespace}}}Record"}


@pytest.mark.parametrize("version", VERSIONS)
def test_constraint_limits_the_listing(paged_node, version):
    services = {
        identifier
        for identifier, path in iso_files("iso19139").items()
        if etree.parse(str(path)).xpath("string(gmd:hierarchyLevel/*/@codeListValue)", namespaces=NS)
        == "service"
    }
    assert 0 < len(services) < len(iso_files("iso19139"))
    harvester = csw(
        f"{paged_node.url}/csw", version=version, constraint="apiso:Type = 'service'", page_size=1
    )
    assert sorted(identifiers(list(harvester.gather(GatherState())))) == sorted(services)


def test_options_are_checked():
    for options in ({"version": "2.0"}, {"page_size": 0}, {"outputschema": "iso"}, {"pagesize": 10}):
        with pytest.raises(ConfigError):
            csw("http://127.0.0.1:1/csw", **options)


# -- checkpoints and watermarks ---------------------------------------------------------------


@pytest.mark.parametrize("taken", [3, 2])
def test_interrupted_gather_resumes_from_checkpoint(paged_node, taken):
    everything = set(iso_files("iso19139"))
    state = GatherState()
    first = list(islice(csw(f"{paged_node.url}/csw", page_size=3).gather(state), taken))
    assert state.checkpoint["start"] == taken + 1

    rest = list(csw(f"{paged_node.url}/csw", page_size=3).gather(state))
    assert set(identifiers(first)).isdisjoint(identifiers(rest))
    assert sorted(identifiers(first) + identifiers(rest)) == sorted(everything)
    assert state.checkpoint == {}


def test_checkpoint_of_another_query_is_ignored(paged_node):
    state = GatherState()
    list(islice(csw(f"{paged_node.url}/csw", page_size=3).gather(state), 3))
    services = csw(f"{paged_node.url}/csw", constraint="apiso:Type = 'service'")
    fresh = identifiers(list(services.gather(GatherState())))
    assert identifiers(list(services.gather(state))) == fresh


@pytest.mark.parametrize("version", VERSIONS)
def test_watermark_sends_a_date_filter_and_marks_the_listing_incomplete(paged_node, version):
    seen: list[bytes] = []
    with tiny_server(proxy(paged_node.url, lambda m, p, b, body: body, seen)) as url:
        state = GatherState(watermark=datetime(2019, 1, 1, tzinfo=UTC))
        refs = list(csw(f"{url}/csw", version=version).gather(state))
    assert state.complete is False
    assert all(b"apiso:Modified" in body and b"2018-12-31" in body for body in seen)
    recent = {
        identifier
        for identifier, path in iso_files("iso19139").items()
        if etree.parse(str(path)).xpath("string(gmd:dateStamp/*)", namespaces=NS).strip() >= "2018-12-31"
    }
    assert 0 < len(recent) < len(iso_files("iso19139"))
    assert sorted(identifiers(refs)) == sorted(recent)

    future = GatherState(watermark=datetime(2100, 1, 1, tzinfo=UTC))
    assert list(csw(f"{paged_node.url}/csw", version=version).gather(future)) == []
    assert future.complete is False
    with_constraint = csw(f"{paged_node.url}/csw", version=version, constraint="apiso:Type = 'service'")
    assert list(with_constraint.gather(GatherState(watermark=datetime(2100, 1, 1, tzinfo=UTC)))) == []


# -- failures ---------------------------------------------------------------------------------


def test_unreachable_port():
    with pytest.raises(SourceUnreachable):
        list(csw(f"http://127.0.0.1:{free_port()}/csw").gather(GatherState()))


def test_http_500_is_refused():
    with (
        tiny_server(lambda method, path, body: (500, "text/plain", b"Internal Server Error")) as url,
        pytest.raises(SourceRefused, match="HTTP 500"),
    ):
        list(csw(f"{url}/csw").gather(GatherState()))


def test_exception_report_is_refused_with_its_text(paged_node):
    with pytest.raises(SourceRefused, match="Invalid CQL"):
        list(csw(f"{paged_node.url}/csw", constraint="nonsense ((").gather(GatherState()))


@pytest.mark.parametrize("version", VERSIONS)
def test_truncated_pages_fall_back_to_get_record_by_id(paged_node, version):
    def cut(method: str, path: str, body: bytes, content: bytes) -> bytes:
        return content[: len(content) // 2] if full_page(method, body) else content

    expected = iso_files("iso19139")
    with tiny_server(proxy(paged_node.url, cut)) as url:
        harvester = csw(f"{url}/csw", version=version, page_size=3)
        refs = list(harvester.gather(GatherState()))
        assert sorted(identifiers(refs)) == sorted(expected)
        assert all(ref.payload is None for ref in refs)
        for ref in refs:
            raw = harvester.fetch(ref)
            assert "GetRecordById" in (raw.url or "")
            assert shape(etree.fromstring(raw.payload)) == shape(as_served(expected[ref.identifier]))


def test_record_without_identifier_sends_its_page_to_the_fallback(paged_node):
    def drop_first_identifier(method: str, path: str, body: bytes, content: bytes) -> bytes:
        if not full_page(method, body) or b'startPosition="4"' not in body:
            return content
        return re.sub(rb"<gmd:fileIdentifier>.*?</gmd:fileIdentifier>", b"", content, count=1, flags=re.S)

    with tiny_server(proxy(paged_node.url, drop_first_identifier)) as url:
        refs = list(csw(f"{url}/csw", page_size=3).gather(GatherState()))
    assert sorted(identifiers(refs)) == sorted(iso_files("iso19139"))
    assert [ref.payload is None for ref in refs] == [False] * 3 + [True] * 3 + [False]


def test_unusable_page_and_fallback_is_a_protocol_violation_without_partial_yield(paged_node):
    def cut_everything(method: str, path: str, body: bytes, content: bytes) -> bytes:
        return content[: len(content) // 2]

    yielded: list[RecordRef] = []
    with (
        tiny_server(proxy(paged_node.url, cut_everything)) as url,
        pytest.raises(ProtocolViolation, match="startPosition 1"),
    ):
        for ref in csw(f"{url}/csw").gather(GatherState()):
            yielded.append(ref)
    assert yielded == []


def test_server_that_never_advances(paged_node):
    def stuck(method: str, path: str, body: bytes, content: bytes) -> bytes:
        return re.sub(rb'nextRecord="\d+"', b'nextRecord="1"', content)

    with (
        tiny_server(proxy(paged_node.url, stuck)) as url,
        pytest.raises(ProtocolViolation, match="does not advance"),
    ):
        list(csw(f"{url}/csw", page_size=3).gather(GatherState()))


def test_payload_size_limit(paged_node):
    tiny = HttpClient(HttpSettings(timeout=30, retries=0, max_bytes=500))
    with pytest.raises(PayloadTooLarge):
        list(csw(f"{paged_node.url}/csw", tiny).gather(GatherState()))

    # Pages of full records are too large but identifiers fit: each record is then fetched alone.
    small = HttpClient(HttpSettings(timeout=30, retries=0, max_bytes=6000))
    harvester = csw(f"{paged_node.url}/csw", small)
    refs = list(harvester.gather(GatherState()))
    assert sorted(identifiers(refs)) == sorted(iso_files("iso19139"))
    assert all(ref.payload is None for ref in refs)
    with pytest.raises(PayloadTooLarge):
        harvester.fetch(refs[0])
