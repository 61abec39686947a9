"""Query parameters of OGC API - Records ``/items``: checked and normalised, or refused.

Each check raises :class:`ParameterError` naming the parameter, which the API answers with
HTTP 400 (never 500, nor a silent 200).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

#: Values of ``f`` (the OpenAPI document's ``f`` parameter; an item may also be had as XML).
FORMATS = ("json", "html")
ITEM_FORMATS = ("json", "html", "xml", "dcat")

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
