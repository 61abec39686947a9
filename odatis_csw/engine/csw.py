"""CSW and OpenSearch requests, answered by a pycsw ``Csw`` we subclass."""

from __future__ import annotations

import gzip
import logging
from typing import Any

from lxml import etree
from pycsw import opensearch, server
from pycsw.ogc.csw import csw2, csw3

from odatis_csw.config import Settings
from odatis_csw.engine import antimeridian, csw_filters, dcat_output, kvp
from odatis_csw.engine.csw3 import CatalogueCsw3
from odatis_csw.engine.csw_iface import CatalogueCsw2
from odatis_csw.engine.outputschemas import SAFE_OUTPUT_SCHEMAS
from odatis_csw.safexml import safe_parser

CSW30 = "http://www.opengis.net/cat/csw/3.0"
OWS20 = "http://www.opengis.net/ows/2.0"
INSPIRE_DS = "http://inspire.ec.europa.eu/schemas/inspire_ds/1.0"
LOGGER = logging.getLogger(__name__)

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
    """pycsw's ``Csw`` on our repository, with no write operation."""

    def __init__(self, rtconfig: dict[str, Any], env: dict[str, Any]) -> None:
        super().__init__(rtconfig, env)
        # pycsw sets its ORM flavour only for its default repository; ours is SQLAlchemy too,
        # and filters are translated with SQLAlchemy bind parameters only when told so.
        self.orm = "sqlalchemy"
        #: text of a bad POST constraint the engine reported under another locator
        self.constraint_problem: str | None = None
        #: GetRepositoryItem: the source document found and its media type, written as they are
        self.source_document: tuple[bytes, str] | None = None
        self.context.response_codes = dict(OWS_EXCEPTION_STATUS)
        if type(self.iface) is csw3.Csw3:  # dispatch() swaps it only for CSW 2.0.2
            self.iface = CatalogueCsw3(server_csw=self)
        for namespace, schema in SAFE_OUTPUT_SCHEMAS.items():
            if namespace in self.outputschemas:
                self.outputschemas[namespace] = schema
        self.outputschemas[dcat_output.NAMESPACE] = dcat_output

    def _gen_manager(self) -> None:
        """Never advertise nor enable CSW-T Transaction and Harvest.

        The engine calls this right after choosing the CSW 2.0.2 interface: ours replaces it.
        """
        if type(self.iface) is csw2.Csw2:
            self.iface = CatalogueCsw2(server_csw=self)
        self.manager = False
        for name, constraint in self.context.model.get("constraints", {}).items():
            if any(marker in name for marker in WRITE_CONFORMANCE):
                constraint["values"] = ["FALSE"]

    def dispatch(self, writer: Any = None, write_headers: bool = True) -> Any:
        """Check and repair the request, then let the engine answer."""
        if self.requesttype == "GET" and self.environ.get("PYCSW_IS_CSW"):
            refusal = self._refuse_bad_kvp()
            if refusal is not None:
                return refusal
        try:
            if self.requesttype == "POST":
                self._rewrite_post_filters()
                if b"BBOX" in self.request:
                    self._split_post_boxes()
                self._hide_csw202_namespace_in_csw30_request()
            elif self.requesttype == "GET":
                self._rewrite_kvp_filters()
                self._split_kvp_boxes()
        except (etree.XMLSyntaxError, ValueError, IndexError, AttributeError, TypeError):
            pass  # a request we cannot read is left for the engine to refuse precisely
        return super().dispatch()

    def _refuse_bad_kvp(self) -> Any:
        """Answer an exception report for KVP values the engine would mishandle."""
        params = self.normalize_kvp(self.kvp)
        if (
            params.get("request") == "GetCapabilities"
            and not params.get("version")
            and not params.get("acceptversions")
        ):
            # no version asked: answer 2.0.2, which GDAL, QGIS and INSPIRE clients speak
            self.kvp["acceptversions"] = "2.0.2,3.0.0"
        # no version at all: answer as the 2.0.2 service GetCapabilities defaults to
        two = (
            params.get("version") == "2.0.2"
            or "2.0.2" in params.get("acceptversions", "")
            or not (params.get("version") or params.get("acceptversions"))
        )
        problem = kvp.check(params, "2.0.2" if two else "3.0.0")
        if problem is None:
            return None
        if two:
            self.iface = csw2.Csw2(server_csw=self)
            self.context.set_model("csw")
        self.kvp = {key: value for key, value in params.items() if key != "outputformat"}
        self.response = self.iface.exceptionreport(problem.code, problem.locator, problem.text)
        return self._write_response()

    def _hide_csw202_namespace_in_csw30_request(self) -> None:
        """The engine takes any POST mentioning the CSW 2.0.2 namespace for a 2.0.2 request.

        A CSW 3.0 request may name that namespace (an output schema, a resource type); a
        character reference hides it from the engine's substring test, not from the parser.
        """
        if b"cat/csw/2.0.2" in self.request:
            root = etree.fromstring(self.request, safe_parser())
            if etree.QName(root).namespace == CSW30:
                self.request = self.request.replace(b"cat/csw/2.0.2", b"cat/csw/2.0&#46;2")

    def _rewrite_post_filters(self) -> None:
        """Case-insensitive comparisons the engine can translate; GML 3.2 in CSW 3.0 filters."""
        if b"Filter" not in self.request:
            return
        root = etree.fromstring(self.request, safe_parser())
        changed = csw_filters.fold_case_insensitive_comparisons(root)
        if etree.QName(root).namespace == CSW30:
            changed = csw_filters.gml32_filters(root) or changed
        if changed:
            self.request = etree.tostring(root)

    def _rewrite_kvp_filters(self) -> None:
        lowered = {key.lower(): value for key, value in self.kvp.items()}
        if str(lowered.get("constraintlanguage", "")).upper() != "FILTER":
            return
        for key, value in list(self.kvp.items()):
            if key.lower() == "constraint" and "<" in value:
                root = etree.fromstring(value.encode(), safe_parser())
                changed = csw_filters.fold_case_insensitive_comparisons(root)
                if lowered.get("version") == "3.0.0":
                    changed = csw_filters.gml32_filters(root) or changed
                if changed:
                    self.kvp[key] = etree.tostring(root).decode()

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
        """Show crossing boxes as west > east; place INSPIRE capabilities where OWS 2.0 wants them.

        A source document (GetRepositoryItem) is answered byte for byte, with its media type.
        """
        if self.source_document is not None and not self.exception:
            payload, media_type = self.source_document
            self.contenttype = media_type
            return [self.context.response_codes["OK"], payload]
        if self.constraint_problem is not None and self.exception:
            # OGC 07-006r1 and 12-176r7: a bad constraint is an invalid value of that parameter
            self.response = self.iface.exceptionreport(
                "InvalidParameterValue", "constraint", self.constraint_problem
            )
        response = getattr(self, "response", None)
        if response is not None and hasattr(response, "iter"):
            wrap_inspire_capabilities(response)
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


def wrap_inspire_capabilities(response: etree._Element) -> None:
    """CSW 3.0: INSPIRE extended capabilities belong inside ``ows20:ExtendedCapabilities``."""
    if response.tag != f"{{{CSW30}}}Capabilities":
        return
    for operations in response.iter(f"{{{OWS20}}}OperationsMetadata"):
        for extended in operations.findall(f"{{{INSPIRE_DS}}}ExtendedCapabilities"):
            wrapper = etree.Element(f"{{{OWS20}}}ExtendedCapabilities")
            operations.replace(extended, wrapper)
            wrapper.append(extended)


#: WSGI environ flags pycsw reads to pick its mode (see pycsw/wsgi_flask.py).
MODE_FLAGS = {
    "csw": "PYCSW_IS_CSW",
    "opensearch": "PYCSW_IS_OPENSEARCH",
}


def exception_report(code: str, locator: str, text: str) -> bytes:
    """An OWS 1.1 exception report, for refusals made before the engine runs."""
    ows = "http://www.opengis.net/ows"
    root = etree.Element(f"{{{ows}}}ExceptionReport", nsmap={"ows": ows}, version="1.2.0", language="en")
    exception = etree.SubElement(root, f"{{{ows}}}Exception", exceptionCode=code, locator=locator)
    etree.SubElement(exception, f"{{{ows}}}ExceptionText").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def dispatch(settings: Settings, environ: dict[str, Any], mode: str) -> tuple[str, dict[str, str], bytes]:
    """Answer one request in ``mode``; return status line, headers and body."""
    env = dict(environ)
    env[MODE_FLAGS[mode]] = True
    host = env.get("HTTP_HOST", "")
    if ":" in host:
        env["HTTP_HOST"] = host.split(":")[0]
    try:
        csw = CatalogueCsw(settings.pycsw_copy(), env)
        status, body = csw.dispatch_wsgi()
    except Exception:  # noqa: BLE001 - whatever the engine raises, the client gets a report
        LOGGER.exception("the engine failed on %s %s", env.get("REQUEST_METHOD"), env.get("QUERY_STRING"))
        report = exception_report("NoApplicableCode", "request", "the server failed to answer this request")
        return "500 Internal Server Error", {"Content-Type": "application/xml"}, report
    if isinstance(body, str):
        body = body.encode(csw.encoding)
    headers = {"Content-Type": str(csw.contenttype)}
    level = settings.pycsw["server"].get("gzip_compresslevel")
    if level and "gzip" in env.get("HTTP_ACCEPT_ENCODING", ""):
        body = gzip.compress(body, compresslevel=int(level))
        headers["Content-Encoding"] = "gzip"
    return str(status), headers, body
