"""The engine as shipped (pycsw 3.0.0-beta1 without our layer), run in-process.

Regression tests use it to show each engine defect we neutralise is real: the same request
fails on the bare engine and succeeds on our server.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from pycsw import server
from pycsw.core import admin
from pycsw.core import repository as pycsw_repository
from pycsw.core.config import StaticContext
from pycsw.ogc.api.records import API

REPO = Path(__file__).resolve().parents[1]


class BareEngine:
    """pycsw with its default repository on a SQLite file, loaded by pycsw's own loader."""

    def __init__(self, folder: Path, records: list[Path], **server_options: Any) -> None:
        database = f"sqlite:///{folder / 'bare.db'}"
        raw = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))
        raw.pop("odatis", None)
        raw["server"]["url"] = "http://localhost/"
        raw["server"].update(server_options)
        raw["repository"] = {"database": database, "table": "records"}
        raw["manager"] = {"transactions": False}
        self.config = raw
        pycsw_repository.setup(database, "records")
        for record in records:
            admin.load_records(StaticContext(), database, "records", str(record), recursive=True)

    def get(self, path: str, **params: str) -> str:
        """A GET to /csw, /oaipmh or /opensearch, answered by the bare ``Csw``."""
        environ = {
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": urlencode(params),
            "wsgi.url_scheme": "http",
            "HTTP_HOST": "localhost",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(),
            {"/csw": "PYCSW_IS_CSW", "/oaipmh": "PYCSW_IS_OAIPMH", "/opensearch": "PYCSW_IS_OPENSEARCH"}[
                path
            ]: True,
        }
        _, body = server.Csw(copy.deepcopy(self.config), environ).dispatch_wsgi()
        return body.decode() if isinstance(body, bytes) else str(body)

    def post(self, body: bytes) -> str:
        environ = {
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/xml",
            "QUERY_STRING": "",
            "wsgi.url_scheme": "http",
            "HTTP_HOST": "localhost",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "PATH_INFO": "/csw",
            "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(body),
            "PYCSW_IS_CSW": True,
        }
        _, answer = server.Csw(copy.deepcopy(self.config), environ).dispatch_wsgi()
        return answer.decode() if isinstance(answer, bytes) else str(answer)

    def records_api(self, **manager: Any) -> API:
        config = copy.deepcopy(self.config)
        config["manager"].update(manager)
        return API(config)
