"""Temporal extents of records: how they are shown, and the ``datetime`` filter that agrees.

A record's temporal extent is its stored ``time_begin``/``time_end`` (ISO 8601 as the source
wrote it: a year, a year and month, a date or a date-time). It is shown as the Records
``time`` member, always an interval, ``..`` for an open end (a missing end, as in
``indeterminatePosition="now"``, is an ongoing extent):

* a value shown as a date covers the whole day; a year or a month is shown as its first day
  at the start of an extent and as its last day at its end (``1998``–``2010`` is
  ``["1998-01-01", "2010-12-31"]``);
* a date-time is shown in UTC (``Z``), a date-time without an offset being taken as UTC.

``datetime=`` selects the records whose extent intersects the requested instant or interval
(an instant being an interval of zero length, a date the whole day); records without an
extent are never selected. The filter compares the stored strings, which ISO 8601 makes
sort in time order; a coarser stored value (``2010``) is compared as the period it names.
Stored date-times with a non-zero UTC offset are compared as written (a difference of
hours at most; the loader does not normalise them).
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

from odatis_csw.engine.oarec_params import ParameterError, parse_instant

_YEAR = re.compile(r"(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:?\d{2})?"
)
OPEN = ".."


def _utc_text(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` of an aware date-time."""
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def parse_stored(value: str | None) -> tuple[str, datetime] | None:
    """(precision, first instant) of a stored ISO 8601 value: ``year``, ``month``, ``day`` or
    ``datetime``; None when absent or not understood."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if _YEAR.fullmatch(text):
            return "year", datetime(int(text), 1, 1, tzinfo=UTC)
        if match := _MONTH.fullmatch(text):
            return "month", datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)
        if _DAY.fullmatch(text):
            return "day", datetime.fromisoformat(text).replace(tzinfo=UTC)
        if match := _DATETIME.fullmatch(text):
            offset = (match["offset"] or "Z").upper().replace("Z", "+00:00")
            if len(offset) == 5:  # +0100
                offset = f"{offset[:3]}:{offset[3:]}"
            second = match["second"] or "00"
            if second == "60":  # a leap second
                second = "59"
            fraction = (match["fraction"] or "")[:7]
            moment = datetime.fromisoformat(
                f"{match['date']}T{match['hour']}:{match['minute']}:{second}{fraction}{offset}"
            )
            return "datetime", moment
    except ValueError:
        return None
    return None


def shown_bound(value: str | None, end: bool) -> str | None:
    """The Records ``time`` form of one stored bound (a date or a UTC timestamp), or None."""
    parsed = parse_stored(value)
    if parsed is None:
        return None
    precision, moment = parsed
    if precision == "datetime":
        return _utc_text(moment)
    if precision == "year":
        return f"{moment.year}-12-31" if end else f"{moment.year}-01-01"
    if precision == "month":
        last = calendar.monthrange(moment.year, moment.month)[1]
        return f"{moment.year}-{moment.month:02d}-{last if end else 1:02d}"
    return moment.strftime("%Y-%m-%d")


def record_time(time_begin: str | None, time_end: str | None) -> dict[str, list[str]] | None:
    """The Records ``time`` member of a record's temporal extent (None: no extent)."""
    begin = shown_bound(time_begin, end=False)
    end = shown_bound(time_end, end=True)
    if begin is None and end is None:
        return None
    return {"interval": [begin or OPEN, end or OPEN]}


def date_time_property(value: str | None) -> str | None:
    """An RFC 3339 date-time (``created``, ``updated``) from a stored value, or None.

    A date is taken at 00:00Z, a date-time without an offset as UTC; a year or a month alone
    is no date-time and is left out.
    """
    parsed = parse_stored(value)
    if parsed is None or parsed[0] in ("year", "month"):
        return None
    return _utc_text(parsed[1])


# --------------------------------------------------------------------------- the filter


def _lower(value: str) -> str:
    """The string every stored end at or after the instant ``value`` sorts at or above."""
    moment = parse_instant(value)
    if "T" not in value.upper():
        return moment.strftime("%Y-%m-%d")
    return _utc_text(moment)[:-1]  # without "Z": "…T10:00:00" ≤ "…T10:00:00" and "…T10:00:00Z"


def _upper(value: str) -> str:
    """The string every stored beginning at or before the instant ``value`` sorts at or below."""
    moment = parse_instant(value)
    if "T" not in value.upper():  # a date: the whole day
        return moment.strftime("%Y-%m-%d") + "T24:00:00Z"
    return _utc_text(moment)


def datetime_bounds(value: str) -> tuple[str | None, str | None]:
    """(lower, upper) comparison strings of a checked ``datetime`` value (None: open end)."""
    if "/" not in value:
        return _lower(value), _upper(value)
    start, end = value.split("/")
    return (None if start == OPEN else _lower(start)), (None if end == OPEN else _upper(end))


def _quoted(text: str) -> str:
    if "'" in text:  # never: the bounds are built from checked dates
        raise ParameterError("datetime", "unexpected quote")
    return f"'{text}'"


def datetime_cql(value: str) -> str:
    """CQL text selecting the records whose temporal extent intersects ``datetime=value``."""
    lower, upper = datetime_bounds(value)
    parts = ["(time_begin > '' OR time_end > '')"]  # an extent at all (NULL is never > '')
    if upper is not None:
        parts.append(f"(time_begin IS NULL OR time_begin <= {_quoted(upper)})")  # '' sorts first
    if lower is not None:
        # A coarser end (2010, 2010-06, 2010-06-15) covering the lower bound sorts below it.
        coarser = sorted({lower[:4], lower[:7], lower[:10]} - {lower})
        options = ", ".join(_quoted(text) for text in coarser)
        parts.append(
            f"(time_end IS NULL OR time_end = '' OR time_end >= {_quoted(lower)} OR time_end IN ({options}))"
        )
    return " AND ".join(parts)
