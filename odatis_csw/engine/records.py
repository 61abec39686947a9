"""OGC API - Records, answered by pycsw's ``API`` bound to our repository."""

from __future__ import annotations

import html
import logging
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from pycsw.ogc.api.records import API, CONFORMANCE_CLASSES
from pygeofilter import ast
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.ecql import parse as parse_ecql
from sqlalchemy.exc import DataError, ProgrammingError
from sqlalchemy.orm import create_session

from odatis_csw.config import Settings
from odatis_csw.engine import antimeridian
from odatis_csw.engine.alternates import add_alternate_links
from odatis_csw.store.repository import CatalogueRepository

LOGGER = logging.getLogger(__name__)

#: OGC API - Features Part 4 conformance class of write operations, never offered here.
WRITE_CONFORMANCE = "/conf/create-replace-delete"

#: Values of ``f`` (the OpenAPI document's ``f`` parameter; an item may also be had as XML).
FORMATS = ("json", "html")
ITEM_FORMATS = ("json", "html", "xml")

#: Parameters of ``/collections/{id}/items`` besides the queryables: those the OpenAPI
#: document declares, those pycsw's ``items()`` reads, and ``lang`` (OGC API - Common).
ITEMS_PARAMETERS = frozenset(
    {
        "bbox",
        "datetime",
        "limit",
        "offset",
        "sortby",
        "filter",
        "filter-lang",
        "f",
        "q",
        "ids",
        "type",
        "externalid",
        "lang",
        "facets",
        "distributed",
        "anytext",
        "keywords",
    }
)
#: Parameters accepted but not handed to the engine, which would read them as property filters.
NOT_FOR_ENGINE = ("lang",)
#: Names the engine reads as queryables but mishandles as query parameters.
NOT_PARAMETERS = {
    "geometry": "select by area with bbox or filter",
    "collections": "each collection has its own items (/collections/{collectionId}/items)",
}
#: The engine writes parameter values into CQL text, which (as pygeofilter reads it) has no
#: escape for a quote inside a string: these it writes inside '...' (a LIKE pattern), those of
#: NOT_QUOTED it checks or reads otherwise, and every other one it writes inside "...".
LIKE_PARAMETERS = ("q", "anytext", "keywords")
NOT_QUOTED = ("filter", "filter-lang", "bbox", "limit", "offset", "sortby", "f", "facets", "distributed")
#: Parameters the engine does not turn into a filter.
NOT_FILTERING = ("distributed", "f", "facets", "filter-lang", "limit", "sortby", "offset")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
WHITESPACE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FILTER_LANGS = ("cql2-text", "cql2-json")
#: Largest ``offset`` a database takes (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1

_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_TIME = r"(?:[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2}))?"
RFC3339 = re.compile(rf"{_DATE}{_TIME}", re.ASCII)
INTEGER = re.compile(r"[+-]?[0-9]+")


def _nodes(node: Any) -> Any:
    """Every node of a pygeofilter syntax tree."""
    if isinstance(node, ast.Node):
        yield node
        for sub in node.get_sub_nodes():
            yield from _nodes(sub)
    elif isinstance(node, list | tuple):
        for sub in node:
            yield from _nodes(sub)


def _attributes(tree: Any) -> Any:
    """The property names a pygeofilter syntax tree refers to."""
    return (node.name for node in _nodes(tree) if isinstance(node, ast.Attribute))


#: A bind parameter to SQLAlchemy's ``text()`` (its own pattern).
SQL_BIND = re.compile(r"(?<![:\w\\]):\w")


def _unsafe_for_sql(node: Any) -> str | None:
    """Why the engine would write ``node`` into SQL text unescaped, if it would.

    On PostgreSQL the engine writes an ``anytext`` LIKE pattern without ``%`` (a full-text
    search) and a BBOX's CRS into SQL as they are: a quote there is SQL injection, a
    ``:name`` a missing bind parameter (HTTP 500).
    """
    if (
        isinstance(node, ast.Like)
        and isinstance(node.lhs, ast.Attribute)
        and node.lhs.name == "anytext"
        and isinstance(node.pattern, str)
        and "%" not in node.pattern
        and ("'" in node.pattern or SQL_BIND.search(node.pattern))
    ):
        return "a pattern on anytext without % cannot hold a quote or ':' followed by a letter"
    if isinstance(node, ast.BBox) and node.crs is not None and not re.fullmatch(r"[0-9]{1,9}", str(node.crs)):
        return "the CRS of BBOX is an EPSG code number (4326, the default)"
    return None


class ParameterError(ValueError):
    """A query parameter the catalogue cannot answer: HTTP 400, naming the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def _shown(value: Any, limit: int = 80) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _integer(name: str, value: str, minimum: int) -> int:
    text = value.strip()
    if not INTEGER.fullmatch(text):
        raise ParameterError(name, f"{_shown(value)} is not an integer")
    digits = text.lstrip("+-").lstrip("0") or "0"
    sign = -1 if text.startswith("-") else 1
    number = sign * (int(digits) if len(digits) <= 30 else 10**30)  # 10**30: beyond any int64
    if number < minimum:
        raise ParameterError(name, f"must be an integer of at least {minimum}, got {_shown(value)}")
    return number


def parse_limit(value: str, maximum: int) -> int:
    """``limit``: an integer ≥ 1; above the server maximum it is clamped (OGC API - Features)."""
    return min(_integer("limit", value, 1), maximum)


def parse_offset(value: str) -> int:
    number = _integer("offset", value, 0)
    if number > MAX_OFFSET:
        raise ParameterError("offset", f"must be at most {MAX_OFFSET}")
    return number


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """``bbox``: west,south,east,north (or with heights, 6 numbers) in CRS84.

    West > east is a box crossing the antimeridian, which is legal.
    """
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise ParameterError("bbox", f"expected 4 or 6 comma-separated numbers, got {len(parts)}")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ParameterError("bbox", f"{_shown(value)} is not a list of numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ParameterError("bbox", "coordinates must be finite numbers")
    if len(numbers) == 6:
        west, south, low, east, north, high = numbers
        if low > high:
            raise ParameterError("bbox", "the lower height is above the upper height")
    else:
        west, south, east, north = numbers
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ParameterError("bbox", "latitudes must lie between -90 and 90")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ParameterError("bbox", "longitudes must lie between -180 and 180")
    if south > north:
        raise ParameterError("bbox", "the southern latitude is north of the northern one")
    return west, south, east, north


def parse_instant(value: str) -> datetime:
    """An RFC 3339 full-date or date-time, as an aware datetime (a date is taken at 00:00Z)."""
    match = RFC3339.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        day = date.fromisoformat(match["date"])
        if match["time"] is None:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        clock = match["time"]
        if clock.endswith(":60"):  # a leap second
            clock = clock[:-2] + "59"
        offset = match["offset"].upper().replace("Z", "+00:00")
        return datetime.fromisoformat(f"{match['date']}T{clock}{match['fraction'] or ''}{offset}")
    except ValueError:
        raise ParameterError(
            "datetime",
            f"{_shown(value)} is not an RFC 3339 date or date-time "
            "(such as 2020-01-31 or 2020-01-31T12:00:00Z)",
        ) from None


def parse_datetime(value: str) -> str:
    """``datetime``: an instant, or an interval ``start/end`` with ``..`` (or nothing) for an open end.

    Returns the value the engine is given, open ends written ``..``.
    """
    if "/" not in value:
        parse_instant(value)
        return value
    parts = value.split("/")
    if len(parts) != 2:
        raise ParameterError("datetime", "an interval has exactly one '/'")
    start, end = (part if part not in ("", "..") else ".." for part in parts)
    bounds = [None if part == ".." else parse_instant(part) for part in (start, end)]
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise ParameterError("datetime", "the interval starts after it ends")
    return f"{start}/{end}"


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

    def fresh_session(self) -> None:
        """Start each request on a new session so no row is served from a stale cache."""
        self.repository.session.close()
        self.repository.session = create_session(self.repository.engine)

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

    # ------------------------------------------------------------------ resources

    def landing_page(self, headers_: Any, args: Any) -> Any:
        return self._bad_format(headers_, args, FORMATS) or super().landing_page(headers_, args)

    def openapi(self, headers_: Any, args: Any) -> Any:
        return self._bad_format(headers_, args, FORMATS) or super().openapi(headers_, args)

    def conformance(self, headers_: Any, args: Any) -> Any:
        """The engine's conformance classes, less create-replace-delete."""
        refused = self._bad_format(headers_, args, FORMATS)
        if refused:
            return refused
        headers_["Content-Type"] = self.get_content_type(headers_, args)
        classes = [uri for uri in CONFORMANCE_CLASSES if not uri.endswith(WRITE_CONFORMANCE)]
        return self.get_response(200, headers_, {"conformsTo": classes}, "conformance.html")

    def collections(self, headers_: Any, args: Any) -> Any:
        return self._bad_format(headers_, args, FORMATS) or super().collections(headers_, args)

    def collection(self, headers_: Any, args: Any, collection: str = "metadata:main") -> Any:
        return (
            self._bad_format(headers_, args, FORMATS)
            or self._unknown_collection(headers_, args, collection)
            or super().collection(headers_, args, collection)
        )

    def queryables(self, headers_: Any, args: Any, collection: str = "metadata:main") -> Any:
        return (
            self._bad_format(headers_, args, FORMATS)
            or self._unknown_collection(headers_, args, collection)
            or super().queryables(headers_, args, collection)
        )

    def items(
        self, headers_: Any, json_post_data: Any, args: dict[str, str], collection: str = "metadata:main"
    ) -> Any:
        """Items search on checked parameters; a ``bbox`` crossing the antimeridian is split in two."""
        args = {key.lower(): value for key, value in args.items()}  # as the engine reads them
        refused = self._bad_format(headers_, args, FORMATS) or self._unknown_collection(
            headers_, args, collection
        )
        if refused:
            return refused
        try:
            args = self._checked_items_args(args)
            if json_post_data is not None:
                json_post_data, args = self._checked_search(json_post_data, args)
        except ParameterError as error:
            return self._refused(headers_, args, error)
        box = antimeridian.crossing_bbox_param(args.get("bbox", ""))
        if box is not None:
            del args["bbox"]
            split = antimeridian.cql_for_crossing_box(box)
            args["filter"] = f"({args['filter']}) AND ({split})" if args.get("filter") else split
        try:
            headers, status, content = super().items(headers_, json_post_data, args, collection)
        except (DataError, ProgrammingError) as err:
            if "filter" not in args and not json_post_data:
                raise
            # A filter comparing values of different types (PostgreSQL refuses to).
            LOGGER.info("filter refused by the database: %s", err)
            self.repository.session.rollback()
            parameter = "filter" if "filter" in args else "request body"
            return self._refused(
                headers_,
                args,
                ParameterError(
                    parameter, "the database cannot evaluate this filter (values of different types?)"
                ),
            )
        return headers, status, self._fix_geometries(content)

    def _checked_items_args(self, args: dict[str, str]) -> dict[str, str]:
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
        if "bbox" in checked:
            checked["bbox"] = ",".join(repr(n) for n in parse_bbox(checked["bbox"]))
        if "datetime" in checked:
            checked["datetime"] = parse_datetime(checked["datetime"])
        if "sortby" in checked:
            checked["sortby"] = self._checked_sortby(checked["sortby"])
        if "filter-lang" in checked and checked["filter-lang"] not in FILTER_LANGS:
            raise ParameterError(
                "filter-lang", f"unknown filter language {_shown(checked['filter-lang'])}; use cql2-text"
            )
        if "filter" in checked:
            if checked.get("filter-lang", "cql2-text") != "cql2-text":
                raise ParameterError("filter-lang", "a filter in the query string is read as cql2-text")
            self._check_filter("filter", "CQL2 text", parse_ecql, checked["filter"])
        return checked

    def _checked_search(self, body: Any, args: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """A POSTed search (CQL2 JSON, with limit, bbox, datetime, sortby) checked, and the args.

        The engine reads these members without checking them (HTTP 500 or a silent 200),
        ignores a ``limit`` in the body (so it is moved to the parameters), and drops the
        CQL2 JSON filter when anything else filters (so that combination is refused).
        """
        if not isinstance(body, dict):
            raise ParameterError("request body", "expected a JSON object (a CQL2 JSON search)")
        checked, args = dict(body), dict(args)
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
        if "datetime" in checked:
            if not isinstance(checked["datetime"], str):
                raise ParameterError("datetime", "expected a string")
            checked["datetime"] = parse_datetime(checked["datetime"])
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
        cql = [name for name in checked if name not in ("bbox", "datetime", "sortby")]
        filtering = [name for name in args if name not in NOT_FILTERING] + [
            name for name in ("bbox", "datetime") if name in checked
        ]
        if cql and filtering:
            raise ParameterError(
                filtering[0], "cannot be combined with a CQL2 JSON search body: write it into the CQL2 JSON"
            )
        if cql:
            self._check_filter("request body", "CQL2 JSON", parse_cql2_json, {k: checked[k] for k in cql})
        return checked, args

    def _checked_sortby(self, value: str) -> str:
        fields = [field.strip() for field in value.split(",")]
        if len(fields) != 1:
            raise ParameterError("sortby", "sorting on one property only is supported")
        field = fields[0]
        descending = field.startswith("-")
        name = field.lstrip("+-")  # "+" may reach here as a space, stripped above
        if name not in self.repository.query_mappings:
            known = ", ".join(sorted(self.repository.query_mappings))
            raise ParameterError("sortby", f"unknown property {_shown(name)}; use one of {known}")
        return f"-{name}" if descending else name

    def _check_filter(self, parameter: str, language: str, parse: Any, cql: Any) -> None:
        """Parse the filter as the engine will, and check it names known properties only.

        The engine's own parse error can fail to print (HTTP 500), and the engine reads a
        property it does not know as a string literal (a silent, empty 200).
        """
        try:
            tree = parse(cql)
        except Exception as err:  # noqa: BLE001 - pygeofilter/lark raise many kinds
            try:
                reason = " ".join(str(err).split())
            except Exception:  # noqa: BLE001 - lark's message itself may fail
                reason = type(err).__name__
            raise ParameterError(parameter, f"not a valid {language} filter ({reason[:200]})") from None
        for node in _nodes(tree):
            unsafe = _unsafe_for_sql(node)
            if unsafe:
                raise ParameterError(parameter, unsafe)
        known = set(self.repository.query_mappings) | {"geometry"}
        unknown = sorted(set(_attributes(tree)) - known)
        if unknown:
            names = ", ".join(sorted(known))
            raise ParameterError(parameter, f"unknown property {_shown(unknown[0])}; use one of {names}")

    def item(self, headers_: Any, args: Any, collection: str, item: str) -> Any:
        refused = self._bad_format(headers_, args, ITEM_FORMATS) or self._unknown_collection(
            headers_, args, collection
        )
        if refused:
            return refused
        headers, status, content = super().item(headers_, args, collection, item)
        if status != 200 and headers.get("Content-Type") == "application/xml":
            headers["Content-Type"] = "application/json"  # the engine's error body is JSON
        return headers, status, self._fix_geometries(content)

    def _fix_geometries(self, content: Any) -> Any:
        """Crossing boxes as published, and alternate links to the record's other forms."""
        if not isinstance(content, str):
            return content
        content = antimeridian.fix_feature_geometries(content, self._stored_geometries)
        return add_alternate_links(content, self.config["server"]["url"].rstrip("/"))

    def _stored_geometries(self, ids: list[str]) -> dict[str, Any]:
        return {row.identifier: row.wkt_geometry for row in self.repository.query_ids(ids)}

    def manage_collection_item(
        self, headers_: Any, action: str = "create", item: Any = None, data: Any = None
    ) -> Any:
        """Writes are refused: records enter through ``odatis-csw load`` and the harvester."""
        return self.get_exception(405, headers_, "MethodNotAllowed", "this catalogue is read-only over HTTP")
