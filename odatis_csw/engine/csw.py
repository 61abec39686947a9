"""CSW, OAI-PMH and OpenSearch requests, answered by a pycsw ``Csw`` we subclass."""

from __future__ import annotations

import gzip
from typing import Any

from pycsw import server

from odatis_csw.config import Settings


class CatalogueCsw(server.Csw):  # type: ignore[misc]
    """pycsw's ``Csw`` with write operations removed whatever the configuration says."""

    def _gen_manager(self) -> None:
        """Never advertise nor enable CSW-T Transaction and Harvest."""
        self.manager = False


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
