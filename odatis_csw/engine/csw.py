"""CSW, OAI-PMH and OpenSearch requests, answered by a pycsw ``Csw`` we subclass."""

from __future__ import annotations

import gzip
from typing import Any

from lxml import etree
from pycsw import opensearch, server

from odatis_csw.config import Settings
from odatis_csw.engine import antimeridian
from odatis_csw.engine.oaipmh import PagingOAIPMH
from odatis_csw.safexml import safe_parser

#: HTTP status of each OWS exception code (OGC 06-121r9 OWS Common 2.0, Table 28; CSW 3.0 §7.3.6).
OWS_EXCEPTION_STATUS = {
    "OK": "200 OK",
    "NotFound": "404 Not Found",
    "InvalidValue": "400 Bad Request",
    "OperationParsingFailed": "400 Bad Request",
    "OperationProcessingFailed": "500 Internal Server Error",
    "OperationNotSupported": "501 Not Implemented",
    "MissingParameterValue": "400 Bad Request",
    "InvalidParameterValue": "400 Bad Request",
    "VersionNegotiationFailed": "400 Bad Request",
    "InvalidUpdateSequence": "400 Bad Request",
    "OptionNotSupported": "501 Not Implemented",
    "NoApplicableCode": "500 Internal Server Error",
}

#: CSW 3.0 conformance classes of write operations, never offered here.
WRITE_CONFORMANCE = ("/conf/Transaction", "/conf/Harvest-")


class CatalogueCsw(server.Csw):  # type: ignore[misc]
    """pycsw's ``Csw`` on our repository, with working OAI-PMH paging and no write operation."""

    def __init__(self, rtconfig: dict[str, Any], env: dict[str, Any]) -> None:
        super().__init__(rtconfig, env)
        # pycsw sets its ORM flavour only for its default repository; ours is SQLAlchemy too,
        # and filters are translated with SQLAlchemy bind parameters only when told so.
        self.orm = "sqlalchemy"
        self.context.response_codes = dict(OWS_EXCEPTION_STATUS)

    def _gen_manager(self) -> None:
        """Never advertise nor enable CSW-T Transaction and Harvest."""
        self.manager = False
        for name, constraint in self.context.model.get("constraints", {}).items():
            if any(marker in name for marker in WRITE_CONFORMANCE):
                constraint["values"] = ["FALSE"]

    def oaipmh(self) -> PagingOAIPMH:
        """The OAI-PMH provider with working resumption tokens."""
        if not self.oaipmhobj:
            self.oaipmhobj = PagingOAIPMH(self.context, self.config)
        return self.oaipmhobj

    def dispatch(self, writer: Any = None, write_headers: bool = True) -> Any:
        """Split query boxes crossing the antimeridian, then let the engine answer."""
        try:
            if self.requesttype == "POST" and b"BBOX" in self.request:
                self._split_post_boxes()
            elif self.requesttype == "GET":
                self._split_kvp_boxes()
        except (etree.XMLSyntaxError, ValueError, IndexError, AttributeError, TypeError):
            pass  # a request we cannot read is left for the engine to refuse precisely
        return super().dispatch()

    def _split_post_boxes(self) -> None:
        root = etree.fromstring(self.request, safe_parser())
        if antimeridian.split_filter_boxes(root, self.context.namespaces):
            self.request = etree.tostring(root)

    def _split_kvp_boxes(self) -> None:
        lowered = {key.lower(): value for key, value in self.kvp.items()}
        if antimeridian.crossing_bbox_param(lowered.get("bbox", "")):
            # the filter CSW 3.0 / OpenSearch would build from bbox=, with the box split
            profiles = {"plugins": {"APISO": 1}} if "apiso" in self.config.get("profiles", []) else None
            filter_xml = opensearch.kvp2filterxml(dict(lowered), self.context, profiles, "2.0")
            root = etree.fromstring(filter_xml, safe_parser())
            antimeridian.split_filter_boxes(root, self.context.namespaces)
            self.kvp = {k: v for k, v in self.kvp.items() if k.lower() not in opensearch.QUERY_PARAMETERS}
            self.kvp["constraintlanguage"] = "FILTER"
            self.kvp["constraint"] = etree.tostring(root).decode()
        for key, value in list(self.kvp.items()):
            if key.lower() == "constraint" and "BBOX" in value and "<" in value:
                root = etree.fromstring(value.encode(), safe_parser())
                if antimeridian.split_filter_boxes(root, self.context.namespaces):
                    self.kvp[key] = etree.tostring(root).decode()

    def _write_response(self) -> Any:
        """Show crossing boxes as west > east rather than as the world-wide envelope."""
        response = getattr(self, "response", None)
        if response is not None and hasattr(response, "iter") and hasattr(self, "repository"):
            records = antimeridian.record_identifiers(response)
            if records:
                stored = self.repository.query_ids([identifier for identifier, _ in records])
                boxes = {row.identifier: antimeridian.crossing_box(row.wkt_geometry) for row in stored}
                for identifier, element in records:
                    box = boxes.get(identifier)
                    if box is not None:
                        antimeridian.fix_record_boxes(element, box)
        return super()._write_response()


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
