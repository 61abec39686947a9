"""ERDDAP and THREDDS harvesters against small real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from harvesters.erddap import ErddapHarvester
from harvesters.thredds import ThreddsHarvester
from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import GatherState
from odatis_csw.harvest.errors import ProtocolViolation, SourceRefused, SourceUnreachable
from odatis_csw.harvest.http import HttpClient, HttpSettings
from odatis_csw.harvest.registry import harvester_for
from odatis_csw.harvest.sources import Centre, Source

DATA = Path(__file__).resolve().parents[1] / "data"
ERDDAP = DATA / "erddap"
THREDDS = DATA / "thredds"
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)

Answer = tuple[int, dict[str, str], bytes]
App = Callable[[str, dict[str, str]], Answer]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        headers = dict(self.headers)
        self.server.requests.append((self.path, headers))  # type: ignore[attr-defined]
        status, answer_headers, body = self.server.app(self.path, headers)  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in answer_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class AppServer:
    """A ThreadingHTTPServer on a free port of 127.0.0.1 answering with ``app(path, headers)``."""

    def __init__(self, app: App) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.app = app  # type: ignore[attr-defined]
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.httpd.requests]  # type: ignore[attr-defined]

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.httpd.requests  # type: ignore[attr-defined,no-any-return]

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def serve_file(body: bytes, headers: dict[str, str], content_type: str = "text/xml") -> Answer:
    """A static file with an ETag and a Last-Modified, answering conditional requests with 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
    if headers.get("If-None-Match") == etag:
        return 304, validators, b""
    return 200, {"Content-Type": content_type, **validators}, body


def not_found(path: str) -> Answer:
    return 404, {"Content-Type": "text/plain"}, f"Not Found: {path}".encode()


@pytest.fixture
def run_server() -> Iterator[Callable[[App], AppServer]]:
    servers: list[AppServer] = []

    def start(app: App) -> AppServer:
        servers.append(AppServer(app))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def http_client() -> HttpClient:
    return HttpClient(HttpSettings(timeout=5, retries=1, backoff=0), sleep=lambda _seconds: None)


def source(protocol: str, url: str, **options: object) -> Source:
    return Source(
        name=f"test-{protocol}",
        title="Test",
        centre=Centre("ODATIS"),
        protocol=protocol,
        url=url,
        options=options,
    )


# --- ERDDAP ---------------------------------------------------------------------------------------------

ISO_FILES = {"SMA_bay_of_exploits", "nss06_agg"}


def erddap_app(with_iso_column: bool = True) -> App:
    """allDatasets.json (asked columns; 400 for an unknown one, as ERDDAP), ISO records, ISO listing."""
    table = json.loads((ERDDAP / "allDatasets.json").read_text(encoding="utf-8"))["table"]
    if not with_iso_column:  # an older ERDDAP
        keep = [i for i, name in enumerate(table["columnNames"]) if name != "iso19115"]
        table = {key: [[row[i] for i in keep] for row in value] if key == "rows" else [value[i] for i in keep]
                 for key, value in table.items()}  # fmt: skip

    def app(path: str, headers: dict[str, str]) -> Answer:
        parts = urlsplit(path)
        if parts.path == "/erddap/tabledap/allDatasets.json":
            columns = unquote(parts.query).split(",") if parts.query else table["columnNames"]
            unknown = [name for name in columns if name not in table["columnNames"]]
            if unknown:
                message = f'Error {{\n    code=400;\n    message="Bad Request: Query error: Unrecognized variable=\\"{unknown[0]}\\".";\n}}\n'  # noqa: E501
                return 400, {"Content-Type": "text/plain"}, message.encode()
            index = [table["columnNames"].index(name) for name in columns]
            answer = {
                "table": {
                    "columnNames": columns,
                    "columnTypes": [table["columnTypes"][i] for i in index],
                    "rows": [[row[i] for i in index] for row in table["rows"]],
                }
            }
            return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(answer).encode()
        prefix = "/erddap/metadata/iso19115/xml/"
        if parts.path == prefix:
            rows = "".join(
                f'<tr><td><a href="{name}_iso19115.xml">{name}_iso19115.xml</a></td>'
                f'<td align="right">14-Nov-2023 22:13</td><td align="right">64K</td></tr>\n'
                for name in sorted(ISO_FILES)
            )
            listing = (
                '<html><body><table><tr><th><a href="?C=N;O=D">Name</a></th>'
                '<th><a href="?C=M;O=A">Last modified</a></th></tr>\n'
                f'<tr><td><a href="/erddap/metadata/iso19115/">Parent Directory</a></td></tr>\n{rows}'
                "</table></body></html>"
            )
            return 200, {"Content-Type": "text/html;charset=UTF-8"}, listing.encode()
        if parts.path.startswith(prefix) and (ERDDAP / parts.path[len(prefix) :]).is_file():
            return serve_file((ERDDAP / parts.path[len(prefix) :]).read_bytes(), headers)
        return not_found(path)

    return app


def test_erddap_lists_datasets_publishing_iso_and_fetches_them(
    run_server: Callable[[App], AppServer],
) -> None:
    server = run_server(erddap_app())
    state = GatherState()
    harvester = ErddapHarvester(source("erddap", server.url), http_client())
    refs = list(harvester.gather(state))
    assert [ref.identifier for ref in refs] == ["SMA_bay_of_exploits", "nss06_agg"]
    assert server.paths == ["/erddap/tabledap/allDatasets.json?datasetID,iso19115"]
    for ref in refs:
        assert ref.url == f"{server.url}/erddap/metadata/iso19115/xml/{ref.identifier}_iso19115.xml"
        record = harvester.fetch(ref)
        assert record.payload == (ERDDAP / f"{ref.identifier}_iso19115.xml").read_bytes()
        assert set(record.validators) == {"ETag", "Last-Modified"}
        assert state.validators[ref.identifier] == record.validators

    again = ErddapHarvester(source("erddap", f"{server.url}/erddap/"), http_client())
    for ref in again.gather(state):
        record = again.fetch(ref)
        assert record.not_modified and record.payload == b""
    sent = dict(server.requests)
    assert (
        sent["/erddap/metadata/iso19115/xml/nss06_agg_iso19115.xml"]["If-None-Match"]
        == (state.validators["nss06_agg"]["ETag"])
    )


def test_erddap_datasets_option_restricts(run_server: Callable[[App], AppServer]) -> None:
    server = run_server(erddap_app())
    harvester = ErddapHarvester(source("erddap", server.url, datasets=["nss06_agg", "absent"]), http_client())
    assert [ref.identifier for ref in harvester.gather(GatherState())] == ["nss06_agg"]


def test_erddap_waf_listing_gives_the_same_records(run_server: Callable[[App], AppServer]) -> None:
    server = run_server(erddap_app())
    harvester = ErddapHarvester(source("erddap", f"{server.url}/erddap", listing="waf"), http_client())
    refs = list(harvester.gather(GatherState()))
    assert {ref.identifier for ref in refs} == ISO_FILES
    assert all(
        ref.url == f"{server.url}/erddap/metadata/iso19115/xml/{ref.identifier}_iso19115.xml" for ref in refs
    )
    assert server.paths == ["/erddap/metadata/iso19115/xml/"]


def test_erddap_without_the_iso19115_column(run_server: Callable[[App], AppServer]) -> None:
    server = run_server(erddap_app(with_iso_column=False))
    harvester = ErddapHarvester(source("erddap", server.url), http_client())
    refs = {ref.identifier: ref for ref in harvester.gather(GatherState())}
    assert set(refs) == ISO_FILES | {"imi_feas_obs"}  # no way to know which datasets publish ISO
    assert server.paths == [
        "/erddap/tabledap/allDatasets.json?datasetID,iso19115",
        "/erddap/tabledap/allDatasets.json?datasetID",
    ]
    with pytest.raises(SourceRefused, match="HTTP 404"):
        harvester.fetch(refs["imi_feas_obs"])


def test_erddap_failures(run_server: Callable[[App], AppServer]) -> None:
    broken = run_server(lambda path, headers: (500, {"Content-Type": "text/html"}, b"<h1>down</h1>"))
    with pytest.raises(SourceRefused, match="HTTP 500"):
        list(ErddapHarvester(source("erddap", broken.url), http_client()).gather(GatherState()))
    html = run_server(lambda path, headers: (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"))
    with pytest.raises(ProtocolViolation, match="not an ERDDAP JSON table"):
        list(ErddapHarvester(source("erddap", html.url), http_client()).gather(GatherState()))
    url = broken.url
    broken.stop()
    with pytest.raises(SourceUnreachable):
        list(ErddapHarvester(source("erddap", url), http_client()).gather(GatherState()))


# --- THREDDS --------------------------------------------------------------------------------------------

ISO_RECORD = (THREDDS / "testgrid1.iso.xml").read_bytes()
DATASETS = ["testgrids/testgrid1.nc", "testgrids/testgrid2.nc", "ocean/mooring_2023.nc", "ocean/gliders.nc"]


def thredds_app(catalogs: dict[str, bytes] | None = None) -> App:
    """The two catalogs under /thredds/catalog/, and ncISO answering testgrid1.iso.xml for every dataset."""
    if catalogs is None:
        catalogs = {
            "catalog.xml": (THREDDS / "catalog.xml").read_bytes(),
            "ocean/catalog.xml": (THREDDS / "ocean" / "catalog.xml").read_bytes(),
        }

    def app(path: str, headers: dict[str, str]) -> Answer:
        parts = urlsplit(path)
        if parts.path.startswith("/thredds/catalog/") and parts.path[17:] in catalogs:
            return 200, {"Content-Type": "application/xml"}, catalogs[parts.path[17:]]
        if parts.path.startswith("/thredds/iso/") and parts.path[13:] in DATASETS:
            return serve_file(ISO_RECORD, headers)
        return not_found(path)

    return app


def test_thredds_crawls_catalog_refs_and_builds_ncISO_urls(run_server: Callable[[App], AppServer]) -> None:
    server = run_server(thredds_app())
    state = GatherState()
    harvester = ThreddsHarvester(
        source("thredds", f"{server.url}/thredds/catalog/catalog.xml"), http_client()
    )
    refs = list(harvester.gather(state))
    assert [ref.identifier for ref in refs] == DATASETS
    assert [ref.url for ref in refs] == [f"{server.url}/thredds/iso/{path}" for path in DATASETS]
    assert refs[0].modified == datetime(2023, 9, 20, 10, 0, tzinfo=UTC)
    # each catalog read once (the sub-catalog links back to the top); the other server is not visited
    assert server.paths == ["/thredds/catalog/catalog.xml", "/thredds/catalog/ocean/catalog.xml"]
    for ref in refs:
        record = harvester.fetch(ref)
        assert record.payload == ISO_RECORD and not record.not_modified
    again = ThreddsHarvester(source("thredds", f"{server.url}/thredds/catalog/catalog.xml"), http_client())
    assert all(again.fetch(ref).not_modified for ref in again.gather(state))


def test_thredds_max_depth(run_server: Callable[[App], AppServer]) -> None:
    server = run_server(thredds_app())
    url = f"{server.url}/thredds/catalog/catalog.xml"
    harvester = ThreddsHarvester(source("thredds", url, max_depth=0), http_client())
    assert [ref.identifier for ref in harvester.gather(GatherState())] == DATASETS[:2]


def test_thredds_sub_catalog_uses_the_parent_iso_service(run_server: Callable[[App], AppServer]) -> None:
    top = (THREDDS / "catalog.xml").read_bytes()
    ocean = (THREDDS / "ocean" / "catalog.xml").read_bytes()
    ocean = ocean.replace(b'<service name="iso" serviceType="ISO" base="/thredds/iso/"/>', b"")
    server = run_server(thredds_app({"catalog.xml": top, "ocean/catalog.xml": ocean}))
    harvester = ThreddsHarvester(
        source("thredds", f"{server.url}/thredds/catalog/catalog.xml"), http_client()
    )
    assert [ref.url for ref in harvester.gather(GatherState())] == [
        f"{server.url}/thredds/iso/{path}" for path in DATASETS
    ]


def test_thredds_failures(run_server: Callable[[App], AppServer]) -> None:
    top = (THREDDS / "catalog.xml").read_bytes()
    missing_sub = run_server(thredds_app({"catalog.xml": top}))
    url = f"{missing_sub.url}/thredds/catalog/catalog.xml"
    with pytest.raises(SourceRefused, match="HTTP 404"):
        list(ThreddsHarvester(source("thredds", url), http_client()).gather(GatherState()))

    no_iso = top.replace(b'<service name="iso" serviceType="ISO" base="/thredds/iso/"/>', b"")
    server = run_server(thredds_app({"catalog.xml": no_iso}))
    url = f"{server.url}/thredds/catalog/catalog.xml"
    with pytest.raises(ProtocolViolation, match="no ISO service"):
        list(ThreddsHarvester(source("thredds", url), http_client()).gather(GatherState()))

    for body in (b"<html><body>Not a catalog</body></html>", b"<catalog><unclosed></catalog>", b""):
        server = run_server(thredds_app({"catalog.xml": body}))
        url = f"{server.url}/thredds/catalog/catalog.xml"
        with pytest.raises(ProtocolViolation):
            list(ThreddsHarvester(source("thredds", url), http_client()).gather(GatherState()))


def test_registered_with_options_schemas() -> None:
    http = http_client()
    assert isinstance(
        harvester_for(source("erddap", "http://127.0.0.1:9", datasets=["a"]), http), ErddapHarvester
    )
    assert isinstance(
        harvester_for(source("thredds", "http://127.0.0.1:9/c.xml", max_depth=1), http), ThreddsHarvester
    )
    for protocol, bad in (
        ("erddap", {"datasets": []}),
        ("erddap", {"datasets": "a"}),
        ("erddap", {"listing": "rss"}),
        ("thredds", {"max_depth": -1}),
        ("thredds", {"depth": 1}),
    ):
        with pytest.raises(ConfigError):
            harvester_for(source(protocol, "http://127.0.0.1:9/", **bad), http)
