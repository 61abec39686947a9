"""The OGC API - Records harvester against real odatis-csw nodes, directly and through local proxies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import quote

import pytest
from lxml import etree

from harvesters.oarec import OarecHarvester
from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import PayloadTooLarge, ProtocolViolation, SourceRefused, SourceUnreachable
from odatis_csw.harvest.http import HttpClient, HttpSettings
from odatis_csw.harvest.registry import check_source
from odatis_csw.harvest.sources import Centre, Source
from tests.conftest import RECORDS, free_port
from tests.harvest.helpers import as_served
from tests.harvest.test_csw_harvester import iso_files, proxy, shape, tiny_server


def oarec(url: str, http: HttpClient | None = None, **options: object) -> OarecHarvester:
    source = Source("test", "Test node", Centre("Ifremer", 486), "oarec", url, dict(options))
    check_source(source)
    return OarecHarvester(source, http or HttpClient(HttpSettings(timeout=30, retries=0)))


def identifiers(refs: list[RecordRef]) -> list[str]:
    return [ref.identifier for ref in refs]


class Relay:
    """A local proxy in front of a node, its links pointing back to itself; ``edit`` edits JSON pages."""

    def __init__(self, upstream: str, edit=None, cut_xml: bool = False) -> None:
        self.upstream = upstream
        self.edit = edit
        self.cut_xml = cut_xml
        self.url = ""
        self.paths: list[str] = []

    def transform(self, method: str, path: str, body: bytes, content: bytes) -> bytes:
        self.paths.append(path)
        if self.cut_xml and "f=xml" in path:
            return content[: len(content) // 2]
        content = content.replace(self.upstream.encode(), self.url.encode())
        if self.edit is None or not path.split("?")[0].endswith("/items"):
            return content
        page = json.loads(content)
        self.edit(self, path, page)
        return json.dumps(page).encode()

    def __enter__(self) -> Relay:
        self._server = tiny_server(proxy(self.upstream, self.transform))
        self.url = self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)


def drop_alternates(relay: Relay, path: str, page: dict) -> None:
    """A catalogue that publishes JSON records only (the nodes link each record to its ISO form)."""
    for feature in page["features"]:
        feature["links"] = [link for link in feature.get("links", []) if link.get("rel") != "alternate"]


def add_iso_alternates(relay: Relay, path: str, page: dict) -> None:
    """Replace the node's own alternates by ISO links served through the relay."""
    drop_alternates(relay, path, page)
    for feature in page["features"]:
        href = f"{relay.url}/collections/metadata:main/items/{quote(feature['id'], safe=':')}?f=xml"
        feature["links"].append(
            {"rel": "alternate", "type": "application/xml", "title": "ISO 19139", "href": href}
        )


@pytest.fixture(scope="module")
def paged_node(make_catalogue):
    """ISO 19139 records, at most 3 records per answer."""
    return make_catalogue("oarec-src-19139", RECORDS / "iso19139", server__maxrecords=3)


@pytest.fixture(scope="module")
def other_node(make_catalogue):
    """ISO 19115-2 records, default page limit."""
    return make_catalogue("oarec-src-19115-2", RECORDS / "iso19115-2")


@pytest.mark.parametrize("prefer", ["iso", "json"])
def test_pages_through_next_links_with_json_records_when_no_iso_alternate(paged_node, prefer):
    expected = iso_files("iso19139")
    with Relay(paged_node.url, drop_alternates) as relay:
        harvester = oarec(relay.url, page_size=5, prefer=prefer)
        state = GatherState(watermark=datetime(2100, 1, 1, tzinfo=UTC))
        refs = list(harvester.gather(state))
        raws = [harvester.fetch(ref) for ref in refs]
    items = [path for path in relay.paths if path.split("?")[0].endswith("/items")]
    assert len(items) == 3  # 7 records, 3 per answer
    assert sorted(identifiers(refs)) == sorted(expected)
    assert state.complete is True and state.checkpoint == {}
    for ref, raw in zip(refs, raws, strict=True):
        assert raw.media_type == "application/geo+json"
        feature = json.loads(raw.payload)
        assert feature["id"] == ref.identifier and feature["type"] == "Feature"
        assert ref.url == f"{relay.url}/collections/metadata:main/items/{ref.identifier}"
        assert ref.modified is not None


def test_fetches_the_iso_alternates_a_node_publishes(other_node):
    expected = iso_files("iso19115-2")
    harvester = oarec(other_node.url, page_size=2)
    refs = list(harvester.gather(GatherState()))
    assert sorted(identifiers(refs)) == sorted(expected)
    for ref in refs:
        raw = harvester.fetch(ref)
        assert raw.media_type == "application/xml"
        assert etree.fromstring(raw.payload).findtext(".//{http://www.isotc211.org/2005/gco}CharacterString")


def test_fetches_iso_alternates_when_present(other_node):
    expected = iso_files("iso19115-2")
    with Relay(other_node.url, add_iso_alternates) as relay:
        harvester = oarec(relay.url, page_size=2)
        refs = list(harvester.gather(GatherState()))
        assert sorted(identifiers(refs)) == sorted(expected)
        assert all(ref.payload is None and "f=xml" in (ref.url or "") for ref in refs)
        for ref in refs:
            raw = harvester.fetch(ref)
            assert raw.media_type == "application/xml"
            root = etree.fromstring(raw.payload)
            assert root.tag == "{http://www.isotc211.org/2005/gmi}MI_Metadata" or root.tag.endswith(
                "MD_Metadata"
            )
            assert shape(root) == shape(as_served(expected[ref.identifier]))  # as the node stored it

        json_refs = list(oarec(relay.url, page_size=2, prefer="json").gather(GatherState()))
        assert all(ref.payload is not None for ref in json_refs)


@pytest.mark.parametrize("taken", [3, 2])
def test_interrupted_gather_resumes_from_checkpoint(paged_node, taken):
    state = GatherState()
    first = list(islice(oarec(paged_node.url, page_size=3).gather(state), taken))
    assert state.checkpoint["skip"] == taken

    rest = list(oarec(paged_node.url, page_size=3).gather(state))
    assert set(identifiers(first)).isdisjoint(identifiers(rest))
    assert sorted(identifiers(first) + identifiers(rest)) == sorted(iso_files("iso19139"))
    assert state.checkpoint == {}

    # A checkpoint of another listing (other collection or page size) is not used.
    state = GatherState()
    list(islice(oarec(paged_node.url, page_size=3).gather(state), 3))
    assert len(list(oarec(paged_node.url, page_size=2).gather(state))) == len(iso_files("iso19139"))


def test_next_link_back_to_a_read_page_is_a_protocol_violation(paged_node):
    def loop(relay: Relay, path: str, page: dict) -> None:
        for link in page["links"]:
            if link["rel"] == "next":
                link["href"] = relay.url + path

    with Relay(paged_node.url, loop) as relay, pytest.raises(ProtocolViolation, match="already read"):
        list(oarec(relay.url).gather(GatherState()))


def test_failures():
    with pytest.raises(SourceUnreachable):
        list(oarec(f"http://127.0.0.1:{free_port()}").gather(GatherState()))
    with (
        tiny_server(lambda method, path, body: (500, "text/plain", b"Internal Server Error")) as url,
        pytest.raises(SourceRefused, match="HTTP 500"),
    ):
        list(oarec(url).gather(GatherState()))
    with (
        tiny_server(
            lambda method, path, body: (200, "application/geo+json", b'{"type": "FeatureCollection", "fea')
        ) as url,
        pytest.raises(ProtocolViolation, match="not a JSON document"),
    ):
        list(oarec(url).gather(GatherState()))
    with (
        tiny_server(lambda method, path, body: (200, "application/json", b'{"collections": []}')) as url,
        pytest.raises(ProtocolViolation, match="no features"),
    ):
        list(oarec(url).gather(GatherState()))


def test_truncated_iso_alternate_is_refused_for_that_record(other_node):
    with Relay(other_node.url, add_iso_alternates, cut_xml=True) as relay:
        harvester = oarec(relay.url)
        refs = list(harvester.gather(GatherState()))
        with pytest.raises(ProtocolViolation, match="not well-formed"):
            harvester.fetch(refs[0])


def test_payload_size_limit(paged_node):
    with pytest.raises(PayloadTooLarge):
        list(
            oarec(paged_node.url, HttpClient(HttpSettings(timeout=30, retries=0, max_bytes=1000))).gather(
                GatherState()
            )
        )


def test_options_are_checked():
    for options in ({"prefer": "xml"}, {"page_size": 0}, {"limit": 10}, {"collection": ""}):
        with pytest.raises(ConfigError):
            oarec("http://127.0.0.1:1", **options)
