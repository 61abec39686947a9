"""OGC API - Records, answered by pycsw's ``API`` bound to our repository.

The engine answers; this layer checks what it is asked (:mod:`.oarec_params`), turns CQL2
text and JSON filters and ``datetime`` into the CQL the engine evaluates (:mod:`.oarec_filter`,
:mod:`.oarec_time`), and makes its documents say what OGC API - Records 1.0 asks
(:mod:`.oarec_documents`).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pycsw.ogc.api.records import API
from pycsw.ogc.api.util import to_json
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from sqlalchemy import func
from sqlalchemy.exc import DataError, ProgrammingError
from sqlalchemy.orm import create_session

from odatis_csw.config import Settings
from odatis_csw.engine import antimeridian, dcat_output, oarec_documents
from odatis_csw.engine.alternates import add_feature_alternates
from odatis_csw.engine.oarec_filter import (
    Unwritable,
    check_tree,
    parse_json,
    parse_json_text,
    parse_text,
    to_ecql,
)
from odatis_csw.engine.oarec_params import (
    CONTROL,
    FILTER_LANGS,
    FORMATS,
    ITEM_FORMATS,
    ITEMS_PARAMETERS,
    LIKE_PARAMETERS,
    NOT_FILTERING,
    NOT_FOR_ENGINE,
    NOT_PARAMETERS,
    NOT_QUOTED,
    WHITESPACE_CONTROL,
    ParameterError,
    _shown,
    parse_bbox,
    parse_datetime,
    parse_limit,
    parse_offset,
)
from odatis_csw.engine.oarec_spatial import SpatialField
from odatis_csw.engine.oarec_time import datetime_cql
from odatis_csw.store import datasets
from odatis_csw.store.repository import CatalogueRepository

LOGGER = logging.getLogger(__name__)

JSON_TYPES = ("application/json", "application/geo+json", "application/schema+json")


class Search:
    """An items search being prepared for the engine."""

    def __init__(self, args: dict[str, str]) -> None:
        self.args = args  #: parameters for the engine
        self.conditions: list[str] = []  #: CQL text conditions, all to hold
        self.sources: list[str] = []  #: the parameters that made them
        self.cql_json: Any = None  #: a CQL2 JSON filter the engine's JSON path must read


class CatalogueRecordsAPI(API):  # type: ignore[misc]
    """pycsw's OGC API - Records with our repository and read-only."""

    def __init__(self, settings: Settings) -> None:
        config = settings.pycsw_copy()
        super().__init__(config)
        repository = config["repository"]
        self.repository = CatalogueRepository(
            self.context,
            repository.get("filter"),
            database=repository["database"],
            table=repository["table"],
        )
        mappings, dataset = self.repository.query_mappings, self.repository.dataset
        # ``updated`` and ``created`` as each record shows them (sorting, filtering)
        mappings["updated"] = func.coalesce(func.nullif(dataset.date_modified, ""), dataset.insert_date)
        mappings["created"] = dataset.date_creation
        mappings["geometry"] = SpatialField(self.repository)

    def fresh_session(self) -> None:
        """Start each request on a new session so no row is served from a stale cache."""
        self.repository.session.close()
        self.repository.session = create_session(self.repository.engine)

    @property
    def base_url(self) -> str:
        return str(self.config["server"]["url"]).rstrip("/")

    # ------------------------------------------------------------------ errors

    def get_exception(self, status: int, headers: Any, code: str, description: str) -> Any:
        """The engine's exception answer; escaped in HTML, whose templates do not escape."""
        if headers.get("Content-Type") == "text/html":
            description = html.escape(description)
        return super().get_exception(status, headers, code, description)

    def _bad_format(self, headers_: Any, args: Any, formats: tuple[str, ...]) -> Any:
        """A 400 answer when ``f`` names no format offered here, else None."""
        value = args.get("f")
        if value is None or value in formats:
            return None
        headers_["Content-Type"] = "application/json"
        return self.get_exception(
            400,
            headers_,
            "InvalidParameterValue",
            f"f: unknown format {_shown(value)}; use one of {', '.join(formats)}",
        )

    def _error_type(self, headers_: Any, args: Any) -> None:
        """Errors are HTML when HTML was asked for, else JSON (never JSON labelled XML)."""
        asked = self.get_content_type(headers_, args)
        headers_["Content-Type"] = "text/html" if asked == "text/html" else "application/json"

    def _unknown_collection(self, headers_: Any, args: Any, collection: str) -> Any:
        """A 404 answer when ``collection`` does not exist, else None."""
        if collection in self.get_all_collections():
            return None
        self._error_type(headers_, args)
        return self.get_exception(404, headers_, "NotFound", f"collection {_shown(collection)} not found")

    def _refused(self, headers_: Any, args: Any, error: ParameterError) -> Any:
        self._error_type(headers_, args)
        return self.get_exception(400, headers_, "InvalidParameterValue", str(error))

    # ------------------------------------------------------------------ JSON answers

    def _rewritten(self, result: Any, fix: Callable[[dict[str, Any]], Any]) -> Any:
        """The engine's answer with its JSON document passed through ``fix``."""
        headers, status, content = result
        if status != 200 or not isinstance(content, str):
            return result
        if str(headers.get("Content-Type", "")).split(";")[0] not in JSON_TYPES:
            return result
        try:
            document = json.loads(content)
        except ValueError:
            return result
        if not isinstance(document, dict):
            return result
        fix(document)
        pretty = str(self.config["server"].get("pretty_print", False)).lower() in ("true", "1", "yes")
        return headers, status, to_json(document, pretty)

    def _fix_records(self, features: list[Any]) -> None:
        """Records as the Records schema wants them, from their stored rows."""
        ids = [f["id"] for f in features if isinstance(f, dict) and isinstance(f.get("id"), str)]
        rows = {row.identifier: row for row in self.repository.query_ids(ids)} if ids else {}
        publishers = datasets.publishers(self.repository.engine, ids)
        media_types = datasets.source_media_types(self.repository.engine, ids)
        for feature in features:
            if isinstance(feature, dict):
                identifier = feature.get("id")
                oarec_documents.fix_record(feature, rows.get(identifier))
                add_feature_alternates(
                    feature, self.base_url, publishers.get(identifier), media_types.get(identifier)
                )

    # ------------------------------------------------------------------ resources

    def landing_page(self, headers_: Any, args: Any) -> Any:
        return self._bad_format(headers_, args, FORMATS) or self._rewritten(
            super().landing_page(headers_, args), oarec_documents.fix_landing_page
        )

    def openapi(self, headers_: Any, args: Any) -> Any:
        return self._bad_format(headers_, args, FORMATS) or super().openapi(headers_, args)

    def conformance(self, headers_: Any, args: Any) -> Any:
        """The conformance classes of this read-only searchable catalogue."""
        refused = self._bad_format(headers_, args, FORMATS)
        if refused:
            return refused
        headers_["Content-Type"] = self.get_content_type(headers_, args)
        document = {"conformsTo": list(oarec_documents.CONFORMANCE_CLASSES)}
        return self.get_response(200, headers_, document, "conformance.html")

    def collections(self, headers_: Any, args: Any) -> Any:
        def fix(document: dict[str, Any]) -> None:
            for collection in document.get("collections", []):
                oarec_documents.fix_collection(collection, self.base_url)

        return self._bad_format(headers_, args, FORMATS) or self._rewritten(
            super().collections(headers_, args), fix
        )

    def collection(self, headers_: Any, args: Any, collection: str = "metadata:main") -> Any:
        return (
            self._bad_format(headers_, args, FORMATS)
            or self._unknown_collection(headers_, args, collection)
            or self._rewritten(
                super().collection(headers_, args, collection),
                lambda document: oarec_documents.fix_collection(document, self.base_url),
            )
        )

    def queryables(self, headers_: Any, args: Any, collection: str = "metadata:main") -> Any:
        return (
            self._bad_format(headers_, args, FORMATS)
            or self._unknown_collection(headers_, args, collection)
            or self._rewritten(super().queryables(headers_, args, collection), oarec_documents.fix_queryables)
        )

    def sortables(self, headers_: Any, args: Any, collection: str = "metadata:main") -> Any:
        """``/collections/{id}/sortables``: the JSON schema of the properties ``sortby`` takes."""
        refused = self._bad_format(headers_, args, FORMATS) or self._unknown_collection(
            headers_, args, collection
        )
        if refused:
            return refused
        content_type = self.get_content_type(headers_, args)
        headers_["Content-Type"] = "text/html" if content_type == "text/html" else "application/schema+json"
        title = self.config["metadata"]["identification"]["title"]
        if collection != "metadata:main":
            title = self.repository.query_ids([collection])[0].title
        document = oarec_documents.sortables(self.base_url, collection, title)
        return self.get_response(200, headers_, document, "queryables.html")

    def items(
        self, headers_: Any, json_post_data: Any, args: dict[str, str], collection: str = "metadata:main"
    ) -> Any:
        """Items search on checked parameters, with CQL2, ``datetime`` and crossing boxes made CQL."""
        asked = dict(args)
        args = {key.lower(): value for key, value in args.items()}  # as the engine reads them
        refused = self._bad_format(headers_, args, FORMATS) or self._unknown_collection(
            headers_, args, collection
        )
        if refused:
            return refused
        try:
            search = self._checked_items_args(args)
            if json_post_data is not None:
                # an empty search body would make the engine drop every other condition
                json_post_data = self._checked_search(json_post_data, search) or None
            if search.cql_json is not None:
                if search.conditions or any(name not in NOT_FILTERING for name in search.args):
                    raise ParameterError(
                        "filter",
                        "this CQL2 JSON filter (a string holding a quote) cannot be combined "
                        "with other conditions",
                    )
                json_post_data = search.cql_json
        except ParameterError as error:
            return self._refused(headers_, args, error)
        engine_args = dict(search.args)
        if search.conditions:
            conditions = search.conditions
            engine_args["filter"] = (
                conditions[0] if len(conditions) == 1 else " AND ".join(f"({c})" for c in conditions)
            )
        try:
            result = super().items(headers_, json_post_data, engine_args, collection)
        except (DataError, ProgrammingError) as err:
            if "filter" not in engine_args and not json_post_data:
                raise
            # A filter comparing values of different types (PostgreSQL refuses to).
            LOGGER.info("filter refused by the database: %s", err)
            self.repository.session.rollback()
            parameter = "request body" if json_post_data and "filter" not in args else "filter"
            return self._refused(
                headers_,
                args,
                ParameterError(
                    parameter, "the database cannot evaluate this filter (values of different types?)"
                ),
            )
        headers, status, content = result
        if status == 200 and str(headers.get("Content-Type")).startswith("application/json"):
            headers["Content-Type"] = "application/geo+json"
        items_url = f"{self.base_url}/collections/{collection}/items"

        def fix(document: dict[str, Any]) -> None:
            self._fix_records(document.get("features", []))
            if json_post_data is None or search.cql_json is not None:
                oarec_documents.replay_links(document, items_url, asked)
            document["timeStamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        return self._rewritten((headers, status, content), fix)

    def _checked_items_args(self, args: dict[str, str]) -> Search:
        """The items parameters, checked and normalised, or ParameterError naming the first bad one."""
        known = ITEMS_PARAMETERS | {name.lower() for name in self.repository.query_mappings}
        for name, advice in NOT_PARAMETERS.items():
            if name in args:
                raise ParameterError(name, f"not a query parameter here: {advice}")
        unknown = sorted(name for name in args if name not in known)
        if unknown:
            raise ParameterError(
                unknown[0],
                "unknown query parameter; see the collection's queryables and the OpenAPI document",
            )
        checked = {name: value for name, value in args.items() if name not in NOT_FOR_ENGINE}
        for name, value in checked.items():
            if (WHITESPACE_CONTROL if name == "filter" else CONTROL).search(value):
                raise ParameterError(name, "control characters are not allowed")
            if name not in LIKE_PARAMETERS and name not in NOT_QUOTED and '"' in value:
                raise ParameterError(name, 'a double quote (") cannot be searched for in this parameter')
        for name in LIKE_PARAMETERS:
            if name in checked:  # a quote cannot be written: match any one character in its place
                checked[name] = checked[name].replace("'", "_")
        if "limit" in checked:
            checked["limit"] = str(parse_limit(checked["limit"], self.limit))
        if "offset" in checked:
            checked["offset"] = str(parse_offset(checked["offset"]))
        if "sortby" in checked:
            checked["sortby"] = self._checked_sortby(checked["sortby"])
        lang = checked.pop("filter-lang", None)
        if lang is not None and lang not in FILTER_LANGS:
            raise ParameterError(
                "filter-lang", f"unknown filter language {_shown(lang)}; use one of {', '.join(FILTER_LANGS)}"
            )
        search = Search(checked)
        if "filter" in checked:
            self._add_filter(search, checked.pop("filter"), lang or "cql2-text")
            search.sources.append("filter")
        if "bbox" in checked:
            west, south, east, north = parse_bbox(checked["bbox"])
            checked["bbox"] = ",".join(repr(n) for n in (west, south, east, north))
            if west > east:  # crossing the antimeridian: the two halves, as records are stored
                del checked["bbox"]
                search.conditions.append(antimeridian.cql_for_crossing_box((west, south, east, north)))
                search.sources.append("bbox")
        if "datetime" in checked:
            search.conditions.append(datetime_cql(parse_datetime(checked.pop("datetime"))))
            search.sources.append("datetime")
        return search

    def _known_properties(self) -> set[str]:
        return set(self.repository.query_mappings) - {"geometry"}

    def _add_filter(self, search: Search, value: str, lang: str) -> None:
        """The ``filter`` parameter as a CQL text condition (or, failing that, CQL2 JSON)."""
        if lang == "cql2-text":
            tree, as_ecql = parse_text(value)
            tree, changed = check_tree(tree, self._known_properties(), ecql=as_ecql)
            if as_ecql and not changed:
                search.conditions.append(value)
                return
            try:
                search.conditions.append(to_ecql(tree))
            except Unwritable as err:
                raise ParameterError("filter", f"cannot be evaluated: {err}") from None
            return
        document, tree = parse_json_text(value)
        tree, _ = check_tree(tree, self._known_properties())
        try:
            search.conditions.append(to_ecql(tree))
        except Unwritable as err:
            search.cql_json = self._engine_json(document, "filter", err)

    def _engine_json(self, document: Any, parameter: str, err: Exception) -> Any:
        """``document`` for the engine's own CQL2 JSON reader, when it reads it as we do."""
        try:
            tree = parse_cql2_json(document)
        except Exception:  # noqa: BLE001 - pygeofilter raises many kinds
            raise ParameterError(parameter, f"cannot be evaluated: {err}") from None
        _, changed = check_tree(tree, self._known_properties(), parameter)
        if changed:
            raise ParameterError(parameter, f"cannot be evaluated: {err}")
        return document

    def _checked_search(self, body: Any, search: Search) -> dict[str, Any]:
        """A POSTed search (CQL2 JSON, with limit, bbox, datetime, sortby) checked.

        The engine reads these members without checking them (HTTP 500 or a silent 200),
        ignores a ``limit`` in the body (so it is moved to the parameters), and drops the
        CQL2 JSON filter when anything else filters (so that combination is refused).
        """
        if not isinstance(body, dict):
            raise ParameterError("request body", "expected a JSON object (a CQL2 JSON search)")
        checked, args = dict(body), search.args
        if "collections" in checked:
            raise ParameterError("collections", f"not a search member here: {NOT_PARAMETERS['collections']}")
        if "limit" in checked:
            limit = checked.pop("limit")
            if isinstance(limit, bool) or not isinstance(limit, int | str):
                raise ParameterError("limit", "must be an integer")
            args["limit"] = str(parse_limit(str(limit), self.limit))
        if "bbox" in checked:
            box = checked["bbox"]
            if not isinstance(box, list) or not all(
                isinstance(n, int | float) and not isinstance(n, bool) for n in box
            ):
                raise ParameterError("bbox", "expected a list of 4 or 6 numbers")
            west, south, east, north = parse_bbox(",".join(repr(n) for n in box))
            if west > east:
                raise ParameterError("bbox", "a box crossing the antimeridian is searched with GET bbox=")
            checked["bbox"] = [west, south, east, north]
        if "datetime" in checked and not isinstance(checked["datetime"], str):
            raise ParameterError("datetime", "expected a string")
        datetime_value = parse_datetime(checked["datetime"]) if "datetime" in checked else None
        if "sortby" in checked:
            sortby = checked["sortby"]
            if (
                not isinstance(sortby, list)
                or len(sortby) != 1
                or not isinstance(sortby[0], dict)
                or not isinstance(sortby[0].get("field"), str)
                or sortby[0].get("direction", "asc") not in ("asc", "desc")
            ):
                shape = '[{"field": <property>, "direction": "asc" or "desc"}]'
                raise ParameterError("sortby", f"expected {shape}")
            self._checked_sortby(sortby[0]["field"])
        cql = {name: checked[name] for name in checked if name not in ("bbox", "datetime", "sortby")}
        filtering = [name for name in args if name not in NOT_FILTERING] + search.sources
        filtering += [name for name in ("bbox", "datetime") if name in checked]
        if cql and filtering:
            raise ParameterError(
                filtering[0], "cannot be combined with a CQL2 JSON search body: write it into the CQL2 JSON"
            )
        if datetime_value is not None:
            del checked["datetime"]
            search.conditions.append(datetime_cql(datetime_value))
        if cql:
            tree, _ = check_tree(parse_json(cql, "request body"), self._known_properties(), "request body")
            try:
                search.conditions.append(to_ecql(tree))
            except Unwritable as err:
                return {**self._engine_json(cql, "request body", err), **checked}
            checked = {name: value for name, value in checked.items() if name not in cql}
        return checked

    def _checked_sortby(self, value: str) -> str:
        fields = [field.strip() for field in value.split(",")]
        if len(fields) != 1:
            raise ParameterError("sortby", "sorting on one property only is supported")
        field = fields[0]
        descending = field.startswith("-")
        name = field.lstrip("+-").strip()  # "+" may reach here as a space, stripped above
        if name not in oarec_documents.SORTABLES:
            known = ", ".join(oarec_documents.SORTABLES)
            raise ParameterError(
                "sortby", f"unknown sortable {_shown(name)}; use one of {known} (see /sortables)"
            )
        mapping = oarec_documents.SORTABLES[name][0]
        return f"-{mapping}" if descending else mapping

    def item(self, headers_: Any, args: Any, collection: str, item: str) -> Any:
        refused = self._bad_format(headers_, args, ITEM_FORMATS) or self._unknown_collection(
            headers_, args, collection
        )
        if refused:
            return refused
        if args.get("f") == "dcat":
            rows = self.repository.query_ids([item])
            if rows:
                headers_["Content-Type"] = dcat_output.MEDIA_TYPE
                return headers_, 200, dcat_output.rdf_of(rows[0], self.base_url)
        headers, status, content = super().item(headers_, args, collection, item)
        if status != 200 and headers.get("Content-Type") == "application/xml":
            headers["Content-Type"] = "application/json"  # the engine's error body is JSON
        return self._rewritten((headers, status, content), lambda document: self._fix_records([document]))

    def manage_collection_item(
        self, headers_: Any, action: str = "create", item: Any = None, data: Any = None
    ) -> Any:
        """Writes are refused: records enter through ``odatis-csw load`` and the harvester."""
        return self.get_exception(405, headers_, "MethodNotAllowed", "this catalogue is read-only over HTTP")
