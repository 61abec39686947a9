"""The WSGI application: pycsw's CSW, OAI-PMH, OpenSearch and OGC API - Records, read-only."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask, Response, request
from pycsw.ogc.api.util import STATIC
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from odatis_csw import __version__
from odatis_csw.config import Settings
from odatis_csw.engine import csw as csw_engine
from odatis_csw.engine.oaipmh import OaiProvider
from odatis_csw.engine.records import CatalogueRecordsAPI
from odatis_csw.errors import RepositoryError
from odatis_csw.store.repository import ping

#: Largest request body accepted (a CSW POST query), in bytes.
MAX_REQUEST_BYTES = 2 * 1024 * 1024


#: Request headers pycsw's OGC API reads (content negotiation); it is given nothing else.
ENGINE_REQUEST_HEADERS = ("Accept",)
#: Response headers the engine sets on purpose. pycsw answers with the headers dict it was
#: given, so anything else there (Host, Cache-Control...) would be a request header echoed.
ENGINE_RESPONSE_HEADERS = ("content-type", "content-language", "link")


def _engine_headers() -> dict[str, str]:
    """A fresh headers dict for the engine, holding only the request headers it reads."""
    return {name: request.headers[name] for name in ENGINE_REQUEST_HEADERS if name in request.headers}


def _response(result: tuple[Any, int, Any]) -> Response:
    headers, status, content = result
    response = Response(content, status)
    # Content-Length is left out too: the body may have been rewritten since.
    for key, value in (headers or {}).items():
        if key.lower() in ENGINE_RESPONSE_HEADERS:
            response.headers[key] = value
    response.vary.add("Accept")  # the engine negotiates the format on it
    return response


class _ItemIdConverter(PathConverter):
    """A record identifier in a path: anything, slashes included, even a leading one."""

    regex = ".+?"
    part_isolating = False


def _json_error(status: int, code: str, description: str, allow: list[str] | None = None) -> Response:
    body = json.dumps({"code": code, "description": description})
    response = Response(body, status, mimetype="application/json")
    if allow:
        response.headers["Allow"] = ", ".join(sorted(allow))
    return response


READ_ONLY = "this catalogue is read-only over HTTP: records enter through its harvester"
#: OAI-PMH 2.0 §3.1.1.2: arguments of a POST request are a form in the body.
OAI_FORM = "application/x-www-form-urlencoded"


def _bounded_body(environ: dict[str, Any]) -> bytes | None:
    """The request body (also when sent chunked), or None when it exceeds the limit."""
    declared = environ.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        return None
    stream = environ["wsgi.input"]
    body = (
        stream.read(int(declared)) if declared and declared.isdigit() else stream.read(MAX_REQUEST_BYTES + 1)
    )
    return None if len(body) > MAX_REQUEST_BYTES else bytes(body)


def create_app(settings: Settings) -> Flask:
    """Build the catalogue application from validated settings."""
    app = Flask("odatis_csw", static_folder=STATIC, static_url_path="/static")
    app.url_map.strict_slashes = False
    app.url_map.converters["item_id"] = _ItemIdConverter
    app.config["ODATIS_SETTINGS"] = settings
    records = CatalogueRecordsAPI(settings)
    oai_provider = OaiProvider(settings)

    def engine_call(mode: str) -> Response:
        environ = request.environ
        if request.method == "POST":
            body = _bounded_body(environ)
            if body is None:
                text = f"the request body is larger than {MAX_REQUEST_BYTES} bytes"
                report = csw_engine.exception_report("NoApplicableCode", "request", text)
                return Response(report, 413, mimetype="application/xml")
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        status, headers, body = csw_engine.dispatch(settings, environ, mode)
        return Response(body, status, headers=headers)

    @app.before_request
    def _fresh_session() -> None:
        records.fresh_session()

    @app.route("/csw", methods=["GET", "POST"])
    def csw() -> Response:
        return engine_call("csw")

    @app.route("/oaipmh", methods=["GET", "POST"])
    def oaipmh() -> Response:
        """OAI-PMH 2.0: GET with a query, or POST with a form (the raw pairs: repeats are seen)."""
        if request.method == "POST":
            if request.mimetype != OAI_FORM:
                # the arguments cannot be read at all: an HTTP-level refusal, not an OAI-PMH error
                text = f"OAI-PMH POST requests carry their arguments as {OAI_FORM} (OAI-PMH 2.0 §3.1.1.2)"
                return Response(text, 415, mimetype="text/plain", headers={"Accept-Post": OAI_FORM})
            request.max_content_length = MAX_REQUEST_BYTES  # larger: 413, by the error handler
            pairs = list(request.form.items(multi=True))
        else:
            pairs = list(request.args.items(multi=True))
        return Response(oai_provider.answer(pairs), 200, mimetype="text/xml")

    @app.route("/opensearch", methods=["GET"])
    def opensearch() -> Response:
        return engine_call("opensearch")

    @app.route("/healthz")
    def healthz() -> Response:
        try:
            state = ping(settings.database, settings.table)
        except RepositoryError as err:
            return Response(
                json.dumps({"status": "unavailable", "reason": err.user_msg}),
                503,
                mimetype="application/json",
            )
        body = {"status": "ok", "version": __version__, **state}
        return Response(json.dumps(body), 200, mimetype="application/json")

    @app.route("/")
    def landing_page() -> Response:
        return _response(records.landing_page(_engine_headers(), request.args))

    @app.route("/openapi")
    def openapi() -> Response:
        return _response(records.openapi(_engine_headers(), request.args))

    @app.route("/conformance")
    def conformance() -> Response:
        return _response(records.conformance(_engine_headers(), request.args))

    @app.route("/collections")
    def collections() -> Response:
        return _response(records.collections(_engine_headers(), request.args))

    @app.route("/collections/<collection>")
    def collection(collection: str) -> Response:
        return _response(records.collection(_engine_headers(), request.args, collection))

    @app.route("/collections/<collection>/queryables")
    def queryables(collection: str) -> Response:
        return _response(records.queryables(_engine_headers(), request.args, collection))

    @app.route("/collections/<collection>/sortables")
    def sortables(collection: str) -> Response:
        return _response(records.sortables(_engine_headers(), request.args, collection))

    @app.route("/collections/<collection>/items", methods=["GET", "POST"])
    def items(collection: str) -> Response:
        if request.method == "POST" and request.mimetype not in ("", "application/json"):
            return _json_error(405, "MethodNotAllowed", READ_ONLY, allow=["GET", "HEAD", "OPTIONS"])
        search = None
        if request.method == "POST":
            request.max_content_length = MAX_REQUEST_BYTES  # larger: 413, by the error handler
            if request.get_data():
                search = request.get_json(force=True, silent=True)
                if search is None:
                    description = "request body: expected a JSON object (a CQL2 JSON search)"
                    return _json_error(400, "InvalidParameterValue", description)
        return _response(records.items(_engine_headers(), search, dict(request.args), collection))

    # merge_slashes=False: an identifier may start with "/" ("%2F" arrives decoded), which
    # Werkzeug would otherwise answer with a redirect to the path with merged slashes.
    @app.route("/collections/<collection>/items/<item_id:item>", merge_slashes=False)
    def item(collection: str, item: str) -> Response:
        return _response(records.item(_engine_headers(), request.args, collection, item))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if error.code == 405:
            allowed = list(getattr(error, "valid_methods", None) or ["GET", "HEAD", "OPTIONS"])
            return _json_error(405, "MethodNotAllowed", READ_ONLY, allow=allowed)
        return _json_error(error.code or 500, error.name.replace(" ", ""), error.description or "")

    return app
