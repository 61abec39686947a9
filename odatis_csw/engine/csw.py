"""CSW, OAI-PMH and OpenSearch requests, answered by a pycsw ``Csw`` we subclass."""

from __future__ import annotations

import gzip
from typing import Any

from pycsw import server

from odatis_csw.config import Settings
from odatis_csw.engine.oaipmh import PagingOAIPMH


class CatalogueCsw(server.Csw):  # type: ignore[misc]
    """pycsw's ``Csw`` on our repository, with working OAI-PMH paging and no write operation."""

    def __init__(self, rtconfig: dict[str, Any], env: dict[str, Any]) -> None:
        super().__init__(rtconfig, env)
        # pycsw sets its ORM flavour only for its default repository; ours is SQLAlchemy too,
        # and filters are translated with SQLAlchemy bind parameters only when told so.
        self.orm = "sqlalchemy"

    def _gen_manager(self) -> None:
        """Never advertise nor enable CSW-T Transaction and Harvest."""
        self.manager = False

    def oaipmh(self) -> PagingOAIPMH:
        """The OAI-PMH provider with working resumption tokens."""
        if not self.oaipmhobj:
            self.oaipmhobj = PagingOAIPMH(self.context, self.config)
        return self.oaipmhobj


#: WSGI environ flags pycsw reads to pick its mode (see pycsw/wsgi_flask.py).
MODE_FLAGS = {
    "csw": "PYCSW_IS_CSW",
    "oaipmh": "PYCSW_IS_OAIPMH",
    "opensearch": "PYCSW_IS_OPENSEARCH",
}


def dispatch(settings: Settings, environ: dict[str, Any], mode: str) -> tuple[str, dict[str, str], bytes]:
    """Answer one request in ``mode``; return status line, headers and body."""
    env = dict(environ)
    env[MODE_FLAGS[mode]] = True
    host = env.get("HTTP_HOST", "")
    if ":" in host:
        env["HTTP_HOST"] = host.split(":")[0]
    csw = CatalogueCsw(settings.pycsw_copy(), env)
    status, body = csw.dispatch_wsgi()
    if isinstance(body, str):
        body = body.encode(csw.encoding)
    headers = {"Content-Type": str(csw.contenttype)}
    level = settings.pycsw["server"].get("gzip_compresslevel")
    if level and "gzip" in env.get("HTTP_ACCEPT_ENCODING", ""):
        body = gzip.compress(body, compresslevel=int(level))
        headers["Content-Encoding"] = "gzip"
    return str(status), headers, body
