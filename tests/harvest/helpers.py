"""Helpers shared by the end-to-end harvest tests: sources files, database look-ups, CSW counts."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import yaml
from lxml import etree
from sqlalchemy import create_engine, text


def write_sources(catalogue: Any, sources: list[dict[str, Any]], **harvest: object) -> None:
    """Write ``sources.yml`` beside the catalogue's configuration."""
    document = {
        "harvest": {"max_delete_share": 0.5, "retries": 0, "timeout": 10, **harvest},
        "sources": sources,
    }
    (catalogue.config.parent / "sources.yml").write_text(yaml.safe_dump(document), encoding="utf-8")


def source(name: str, protocol: str, url: str, **options: object) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"{name} ({protocol})",
        "centre": {"name": "Ifremer", "edmo": 486},
        "protocol": protocol,
        "url": url,
        "options": options,
        "schedule": "daily",
    }


def query(catalogue: Any, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = create_engine(catalogue.database)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def execute(catalogue: Any, sql: str, **params: object) -> None:
    engine = create_engine(catalogue.database)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def run_line(result: Any, source_name: str) -> dict[str, Any]:
    """The structured log line of one source's run."""
    for line in result.stderr.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == "harvest-run" and entry.get("source") == source_name:
                return dict(entry)
    raise AssertionError(f"no run line for {source_name}:\n{result.stdout}\n{result.stderr}")


def csw_ids(catalogue: Any) -> list[str]:
    """Every identifier the catalogue serves over CSW, page after page."""
    ids: list[str] = []
    start = 1
    while start:
        answer = requests.get(
            f"{catalogue.url}/csw",
            timeout=60,
            params={
                "service": "CSW",
                "version": "2.0.2",
                "request": "GetRecords",
                "typenames": "csw:Record",
                "resulttype": "results",
                "elementsetname": "brief",
                "startposition": str(start),
            },
        )
        root = etree.fromstring(answer.content)
        results = root.find("{http://www.opengis.net/cat/csw/2.0.2}SearchResults")
        assert results is not None, answer.text[:500]
        ids += [el.text for el in results.iter("{http://purl.org/dc/elements/1.1/}identifier")]
        start = int(results.get("nextRecord") or 0)
    return ids


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """A real HTTP server over a folder, on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers (a hung data centre)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


@functools.cache
def _scratch_repository() -> Any:
    from odatis_csw.store.repository import open_repository, setup_repository

    folder = Path(tempfile.mkdtemp(prefix="odatis-served-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    database = f"sqlite:///{folder / 'scratch.db'}"
    setup_repository(database, "records")
    return open_repository(database, "records")


def as_served(path: Path) -> etree._Element:
    """The ISO 19139 document a node serves for a record file it loaded (``odatis-csw load``).

    That is the publisher's document repaired and anchored, or written from its normalised record:
    what the catalogue stores for it, read in a scratch database.
    """
    from odatis_csw.safexml import parse_file
    from odatis_csw.store.loader import assessed_rows_of

    [(row, _)] = assessed_rows_of(_scratch_repository(), parse_file(path))
    return etree.fromstring(row.xml.encode("utf-8"))
