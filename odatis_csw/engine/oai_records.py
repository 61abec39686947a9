"""The live records an OAI-PMH request selects, read in SQL from pycsw's records table.

A record's datestamp is its ``insert_date`` column (when this catalogue last stored it),
shown as ``YYYY-MM-DDThh:mm:ssZ``. The catalogue writes that form; a day alone or a
space before the time (older rows) is read as the same UTC moment, by the same rule in
SQL (for ``from``/``until``) and in Python (for the header), so that the two always agree.
Lists are read in identifier order, one bounded page at a time (keyset paging).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, literal, select
from sqlalchemy.engine import Engine, Row
from sqlalchemy.sql import ColumnElement

from odatis_csw.engine.oai_args import Window

#: Columns a header needs (ListIdentifiers reads nothing else).
HEADER_COLUMNS = ("identifier", "insert_date", "mdsource", "type")
#: Columns the metadata formats read (see oai_dc, oai_datacite, oai_formats).
RECORD_COLUMNS = (
    *HEADER_COLUMNS,
    *("typename", "xml", "title", "creator", "organization", "keywords", "topicategory", "abstract"),
    *("publisher", "contributor", "date", "date_publication", "date_creation", "date_modified"),
    *("format", "source", "language", "parentidentifier", "relation", "wkt_geometry"),
    *("time_begin", "time_end", "accessconstraints", "otherconstraints", "conditionapplyingtoaccessanduse"),
)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
#: The datestamp of a row whose ``insert_date`` cannot be read (never seen: the column is NOT NULL).
UNKNOWN = "1970-01-01T00:00:00Z"


def datestamp_sql(table: Table) -> ColumnElement[Any]:
    """``insert_date`` as ``YYYY-MM-DDThh:mm:ss`` (no ``Z``), for comparisons in SQL."""
    padded = func.coalesce(table.c.insert_date, "") + literal("T00:00:00")
    return func.substr(func.replace(padded, " ", "T"), 1, 19)


def datestamp(value: str | None) -> str:
    """``insert_date`` as an OAI-PMH datestamp: the same reading as :func:`datestamp_sql`, plus ``Z``."""
    stamp = ((value or "") + "T00:00:00").replace(" ", "T")[:19]
    return stamp + "Z" if _STAMP.fullmatch(stamp) else UNKNOWN


class LiveRecords:
    """Selections of pycsw's records table for OAI-PMH."""

    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table

    def conditions(
        self, bounds: Window, extra: Sequence[ColumnElement[Any]] = ()
    ) -> list[ColumnElement[Any]]:
        stamp = datestamp_sql(self.table)
        found = list(extra)
        if bounds.start is not None:
            found.append(stamp >= bounds.start.rstrip("Z"))
        if bounds.end is not None:
            found.append(stamp <= bounds.end.rstrip("Z"))
        return found

    def count(self, conditions: Sequence[ColumnElement[Any]]) -> int:
        query = select(func.count()).select_from(self.table).where(*conditions)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def page(
        self, conditions: Sequence[ColumnElement[Any]], after: str | None, limit: int, full: bool
    ) -> list[Row[Any]]:
        """Up to ``limit`` rows following identifier ``after``: every column, or the header's only."""
        query = select(*self._columns(RECORD_COLUMNS if full else HEADER_COLUMNS)).where(*conditions)
        if after is not None:
            query = query.where(self.table.c.identifier > after)
        query = query.order_by(self.table.c.identifier).limit(limit)
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def get(self, identifier: str, conditions: Sequence[ColumnElement[Any]] = ()) -> Row[Any] | None:
        query = select(*self._columns(RECORD_COLUMNS)).where(
            self.table.c.identifier == identifier, *conditions
        )
        with self.engine.connect() as connection:
            return connection.execute(query).first()

    def exists(self, identifier: str, conditions: Sequence[ColumnElement[Any]]) -> bool:
        query = select(self.table.c.identifier).where(self.table.c.identifier == identifier, *conditions)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def _columns(self, names: Sequence[str]) -> list[Any]:
        return [self.table.c[name] for name in names]

    def earliest(self) -> str | None:
        query = select(func.min(datestamp_sql(self.table)))
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        return None if not value else datestamp(str(value))

    def distinct(self, column: str) -> list[str]:
        """The distinct non-empty values of ``column`` (an indexed, short column: type, mdsource)."""
        query = select(self.table.c[column]).where(self.table.c[column].is_not(None)).distinct()
        with self.engine.connect() as connection:
            return sorted(str(value) for value in connection.execute(query).scalars() if value)
