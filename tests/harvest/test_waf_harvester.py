"""WAF harvester against a real ``http.server`` on 127.0.0.1, and its listing parser on real listings."""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harvesters.waf import WafHarvester, scan_listing
from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import SourceRefused, SourceUnreachable, UnsafeUrl
from odatis_csw.harvest.http import HttpClient, HttpSettings
from odatis_csw.harvest.registry import harvester_for
from odatis_csw.harvest.sources import Centre, Source

DATA = Path(__file__).resolve().parents[1] / "data"
WAF = DATA / "waf"
SITE = WAF / "site"
LISTINGS = WAF / "listings"
ALL_FILES = {
    "datagov-harvester-waf__valid_iso2.xml",
    "pycsw-apiso__3e9a8c05.xml",
    "coops/ncei-onestop__COOPS__C1.xml",
    "coops/more/owslib__iso_keywords_anchor.xml",
}


class Handler(SimpleHTTPRequestHandler):
    """The standard library's file server, with canned answers for some paths, logging requests."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        canned = self.server.canned.get(self.path)  # type: ignore[attr-defined]
        if canned is None:
            super().do_GET()
            return
        status, headers, body = canned
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class FileServer:
    """A ThreadingHTTPServer serving ``root`` on a free port of 127.0.0.1, in a background thread."""

    def __init__(self, root: Path) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.httpd.canned = {}  # type: ignore[attr-defined]
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def canned(self) -> dict[str, tuple[int, dict[str, str], bytes]]:
        return self.httpd.canned  # type: ignore[attr-defined,no-any-return]

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.httpd.requests  # type: ignore[attr-defined,no-any-return]

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)


@pytest.fixture
def www(tmp_path: Path) -> Path:
    """A copy of the test WAF under /waf/, a file outside it, a non-XML file inside it."""
    root = tmp_path / "www"
    shutil.copytree(SITE, root / "waf")
    (root / "outside.xml").write_bytes((SITE / "pycsw-apiso__3e9a8c05.xml").read_bytes())
    (root / "waf" / "README.txt").write_text("not metadata\n")
    return root


@pytest.fixture
def server(www: Path) -> Iterator[FileServer]:
    running = FileServer(www)
    yield running
    running.stop()


def http_client() -> HttpClient:
    return HttpClient(HttpSettings(timeout=5, retries=1, backoff=0), sleep=lambda _seconds: None)


def waf_source(url: str, **options: object) -> Source:
    return Source(
        name="test-waf", title="Test WAF", centre=Centre("ODATIS"), protocol="waf", url=url, options=options
    )


def harvest(harvester: WafHarvester, state: GatherState) -> dict[str, tuple[RecordRef, object]]:
    return {ref.identifier: (ref, harvester.fetch(ref)) for ref in harvester.gather(state)}


# --- the listing parser on listings captured from real servers ----------------------------------------

CAPTURED = {
    "apache-noaa-waf": (
        "https://data.noaa.gov/waf/NOAA/nmfs/garfo/iso/xml/",
        [
            ("https://data.noaa.gov/waf/NOAA/nmfs/garfo/iso/xml/1463.xml", datetime(2026, 7, 12, 2, 23)),
            ("https://data.noaa.gov/waf/NOAA/nmfs/garfo/iso/xml/1503.xml", datetime(2026, 7, 12, 2, 23)),
        ],
    ),
    "nginx-dggs-waf": (
        "https://dggs.alaska.gov/webpubs/metadata/",
        [
            ("https://dggs.alaska.gov/webpubs/metadata/AOF125.xml", datetime(2025, 10, 2, 11, 47)),
            ("https://dggs.alaska.gov/webpubs/metadata/AOF134.xml", datetime(2026, 7, 30, 16, 1)),
        ],
    ),
    "ms-iis-waf": (
        "https://edg.epa.gov/WAFer_harvest/ISO/",
        [
            (
                "https://edg.epa.gov/WAFer_harvest/ISO/"
                "enviroatlas-metadata-waf_ACS_Demographics_by_Tract_2008_2012_EA.xml",
                datetime(2021, 6, 17, 12, 20),
            ),
            (
                "https://edg.epa.gov/WAFer_harvest/ISO/enviroatlas-metadata-waf_Ag_On_Slopes.xml",
                datetime(2025, 7, 23, 17, 33),
            ),
        ],
    ),
    "bts-waf": (
        "https://transtats.bts.gov/NTADmetadata/",
        [
            (
                "https://transtats.bts.gov/NTADmetadata/USDOT_BTS_NTAD_119th_Congressional_Districts.xml",
                datetime(2026, 7, 31, 16, 53),
            ),
            (
                "https://transtats.bts.gov/NTADmetadata/USDOT_BTS_NTAD_1991_FAP.xml",
                datetime(2026, 7, 15, 16, 23),
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CAPTURED))
def test_listing_parser_finds_exactly_the_xml_links_of_real_listings(name: str) -> None:
    url, expected = CAPTURED[name]
    content = (LISTINGS / f"datagov-harvester-waf-listing__{name}.html").read_bytes()
    listing = scan_listing(content, url, url)
    assert [entry.url for entry in listing.files] == [file_url for file_url, _ in expected]
    assert [entry.identifier for entry in listing.files] == [u.rsplit("/", 1)[1] for u, _ in expected]
    assert [entry.modified for entry in listing.files] == [when.replace(tzinfo=UTC) for _, when in expected]
    assert listing.folders == []  # parent directory and sort links are not sub-folders


def test_listing_parser_pattern_selects_other_files() -> None:
    url = CAPTURED["nginx-dggs-waf"][0]
    content = (LISTINGS / "datagov-harvester-waf-listing__nginx-dggs-waf.html").read_bytes()
    assert [e.identifier for e in scan_listing(content, url, url, "*.txt").files] == [
        "AOF125.txt",
        "AOF134.txt",
    ]
    assert [e.identifier for e in scan_listing(content, url, url, "AOF134.*").files] == [
        "AOF134.faq.html",
        "AOF134.txt",
        "AOF134.xml",
    ]


def test_listing_parser_keeps_only_links_under_the_source() -> None:
    base = "http://waf.example.org/iso/"
    html = b"""<html><body><pre>
    <a href="../">../</a> <a href="/">/</a> <a href="?C=M;O=A">Last modified</a> <a href="#top">top</a>
    <a href="file:///etc/passwd">passwd</a> <a href="file:///etc/passwd.xml">passwd.xml</a>
    <a href="http://evil.example.org/iso/stolen.xml">off-site</a> <a href="//evil.example.org/x.xml">x</a>
    <a href="javascript:alert(1)">js</a> <a href="mailto:a@b.c">mail</a> <a href="ftp://waf.example.org/iso/f.xml">ftp</a>
    <a href="../outside.xml">outside</a> <a href="/iso/../secret.xml">dot segments</a>
    <a href="sub/../../up.xml">up</a> <a href="../iso2/">sibling folder</a> <a href="/iso/">itself</a>
    <a href="good.xml">good</a> <a href="/iso/absolute.xml">absolute</a> <a href="sub/">sub</a>
    <a href="http://waf.example.org/iso/deep/">deep</a> <a href="a%20b.xml">spaced</a>
    <a href="good.xml">again</a>
    </pre></body></html>"""
    listing = scan_listing(html, base, base)
    assert [e.identifier for e in listing.files] == ["good.xml", "absolute.xml", "a b.xml"]
    assert listing.folders == ["http://waf.example.org/iso/sub/", "http://waf.example.org/iso/deep/"]


# --- harvesting a real http.server ---------------------------------------------------------------------


def test_waf_harvests_every_file_recursively(server: FileServer, www: Path) -> None:
    state = GatherState()
    harvester = WafHarvester(waf_source(f"{server.url}/waf/"), http_client())
    found = harvest(harvester, state)
    assert set(found) == ALL_FILES
    for identifier, (ref, record) in found.items():
        assert ref.url == f"{server.url}/waf/{identifier}"
        assert record.identifier == identifier
        assert record.payload == (SITE / identifier).read_bytes()
        assert not record.not_modified
        assert "Last-Modified" in record.validators
        assert state.validators[identifier] == record.validators
    assert state.complete
    assert not any(path.startswith("/outside") or path.endswith(".txt") for path, _ in server.requests)


def test_waf_options_recursion_depth_pattern_and_url_without_slash(server: FileServer) -> None:
    def identifiers(**options: object) -> set[str]:
        harvester = WafHarvester(waf_source(f"{server.url}/waf", **options), http_client())
        return {ref.identifier for ref in harvester.gather(GatherState())}

    assert identifiers() == ALL_FILES
    assert identifiers(recursive=False) == {
        "datagov-harvester-waf__valid_iso2.xml",
        "pycsw-apiso__3e9a8c05.xml",
    }
    assert identifiers(max_depth=1) == ALL_FILES - {"coops/more/owslib__iso_keywords_anchor.xml"}
    assert identifiers(pattern="*.txt") == {"README.txt"}


def test_second_run_with_saved_validators_is_not_modified_until_a_file_is_touched(
    server: FileServer, www: Path
) -> None:
    state = GatherState()
    harvest(WafHarvester(waf_source(f"{server.url}/waf/"), http_client()), state)
    saved = {identifier: dict(validators) for identifier, validators in state.validators.items()}

    server.requests.clear()
    second = harvest(WafHarvester(waf_source(f"{server.url}/waf/"), http_client()), state)
    assert set(second) == ALL_FILES
    for identifier, (_ref, record) in second.items():
        assert record.not_modified and record.payload == b""
        assert record.validators == saved[identifier]
    sent = {path: headers for path, headers in server.requests}
    for identifier in ALL_FILES:
        assert sent[f"/waf/{identifier}"]["If-Modified-Since"] == saved[identifier]["Last-Modified"]

    touched = www / "waf" / "coops" / "ncei-onestop__COOPS__C1.xml"
    later = touched.stat().st_mtime + 120
    os.utime(touched, (later, later))
    third = harvest(WafHarvester(waf_source(f"{server.url}/waf/"), http_client()), state)
    changed = {identifier for identifier, (_ref, record) in third.items() if not record.not_modified}
    assert changed == {"coops/ncei-onestop__COOPS__C1.xml"}
    assert third["coops/ncei-onestop__COOPS__C1.xml"][1].payload == touched.read_bytes()
    assert state.validators["coops/ncei-onestop__COOPS__C1.xml"] != saved["coops/ncei-onestop__COOPS__C1.xml"]


def test_server_stopped_mid_way_is_unreachable(server: FileServer) -> None:
    harvester = WafHarvester(waf_source(f"{server.url}/waf/"), http_client())
    refs = harvester.gather(GatherState())
    first = next(refs)
    server.stop()
    with pytest.raises(SourceUnreachable):
        list(refs)  # the sub-folder listing cannot be read
    with pytest.raises(SourceUnreachable):
        harvester.fetch(first)


def test_failing_listings_raise(server: FileServer) -> None:
    server.canned["/waf/coops/"] = (500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>")
    harvester = WafHarvester(waf_source(f"{server.url}/waf/"), http_client())
    with pytest.raises(SourceRefused, match="HTTP 500"):
        list(harvester.gather(GatherState()))
    server.canned["/waf/"] = (404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")
    with pytest.raises(SourceRefused, match="HTTP 404"):
        list(harvester.gather(GatherState()))


def test_unreachable_source() -> None:
    lonely = FileServer(SITE)
    url = lonely.url
    lonely.stop()
    with pytest.raises(SourceUnreachable):
        list(WafHarvester(waf_source(f"{url}/waf/"), http_client()).gather(GatherState()))


def test_hostile_links_are_ignored(server: FileServer) -> None:
    server.canned["/waf/"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        (
            f'<html><body><ul><li><a href="file:///etc/passwd">passwd</a></li>'
            f'<li><a href="file:///etc/passwd.xml">passwd.xml</a></li>'
            f'<li><a href="http://evil.example.org/waf/stolen.xml">stolen.xml</a></li>'
            f'<li><a href="{server.url}/outside.xml">outside.xml</a></li>'
            f'<li><a href="../outside.xml">up</a></li>'
            f'<li><a href="pycsw-apiso__3e9a8c05.xml">pycsw-apiso__3e9a8c05.xml</a></li></ul></body></html>'
        ).encode(),
    )
    harvester = WafHarvester(waf_source(f"{server.url}/waf/"), http_client())
    found = harvest(harvester, GatherState())
    assert set(found) == {"pycsw-apiso__3e9a8c05.xml"}
    assert {path for path, _ in server.requests} == {"/waf/", "/waf/pycsw-apiso__3e9a8c05.xml"}


def test_redirect_to_a_non_http_scheme_is_refused(server: FileServer) -> None:
    server.canned["/waf/moved.xml"] = (302, {"Location": "file:///etc/passwd"}, b"")
    server.canned["/waf/coops/"] = (301, {"Location": "file:///etc/"}, b"")
    harvester = WafHarvester(waf_source(f"{server.url}/waf/"), http_client())
    with pytest.raises(UnsafeUrl):
        harvester.fetch(RecordRef(identifier="moved.xml", url=f"{server.url}/waf/moved.xml"))
    with pytest.raises(UnsafeUrl):
        list(harvester.gather(GatherState()))


def test_registered_with_an_options_schema() -> None:
    http = http_client()
    assert isinstance(harvester_for(waf_source("http://127.0.0.1:9/waf/", max_depth=2), http), WafHarvester)
    for bad in ({"max_depth": -1}, {"recursive": "yes"}, {"pattern": ""}, {"follow": True}):
        with pytest.raises(ConfigError):
            harvester_for(waf_source("http://127.0.0.1:9/waf/", **bad), http)


@pytest.mark.parametrize("folder", ["waf", "erddap", "thredds"])
def test_test_data_provenance(folder: str) -> None:
    """Every file of the folder is listed with its sha256; copies of real files name their origin."""
    root = DATA / folder
    with (root / "PROVENANCE.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))
    listed = {row["file"] for row in rows}
    present = {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "PROVENANCE.tsv"
    }
    assert listed == present
    for row in rows:
        assert hashlib.sha256((root / row["file"]).read_bytes()).hexdigest() == row["sha256"], row["file"]
        assert row["repository"] and row["commit"] and row["source_path"] and row["licence"]
