"""Deleted records for OAI-PMH (§2.5.1): harvest tombstones that no source publishes any more.

A deleted record is a ``harvest_records`` row flagged deleted whose ``record_id`` has no
row left in pycsw's records table. Its OAI identifier is the ``record_id``; its datestamp
the latest ``deleted_at`` of its rows (the moment its last copy disappeared, already
``YYYY-MM-DDThh:mm:ssZ`` in UTC); its data centre the source it was harvested from.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, exists, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from odatis_csw.engine.oai_args import Window
from odatis_csw.store import ledger

#: Database URLs already seen holding the ledger (the table is never dropped once created).
_LEDGER_SEEN: set[str] = set()


@dataclass(frozen=True)
class Deleted:
    """One deleted record: identifier, deletion datestamp, and the source it came from."""

    identifier: str
    datestamp: str
    source: str


class Tombstones:
    """Deleted records of one catalogue database, read beside pycsw's records table."""

    def __init__(self, engine: Engine, live: Table) -> None:
        self.engine = engine
        self.live = live

    @classmethod
    def of(cls, engine: Engine, live: Table) -> Tombstones | None:
        """The tombstones of the database, or None if it has no harvest ledger."""
        key = str(engine.url)
        if key not in _LEDGER_SEEN and inspect(engine).has_table(ledger.records.name):
            _LEDGER_SEEN.add(key)
        return cls(engine, live) if key in _LEDGER_SEEN else None

    def select(self, bounds: Window, sources: Collection[str] | None = None) -> Select[Any]:
        """(record_id, datestamp, source) of the deleted records in ``bounds`` (and ``sources``)."""
        rows = ledger.records
        datestamp = func.max(rows.c.deleted_at)
        query = (
            select(rows.c.record_id, datestamp.label("datestamp"), func.min(rows.c.source).label("source"))
            .where(
                rows.c.deleted.is_(True),
                rows.c.record_id.is_not(None),
                rows.c.deleted_at.is_not(None),
                ~exists().where(self.live.c.identifier == rows.c.record_id),
            )
            .group_by(rows.c.record_id)
        )
        if sources is not None:
            query = query.where(rows.c.source.in_(list(sources)))
        if bounds.start is not None:
            query = query.having(datestamp >= bounds.start)
        if bounds.end is not None:
            query = query.having(datestamp <= bounds.end)
        return query

    def count(self, bounds: Window, sources: Collection[str] | None = None) -> int:
        query = select(func.count()).select_from(self.select(bounds, sources).subquery())
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def page(
        self, bounds: Window, after: str | None, limit: int, sources: Collection[str] | None = None
    ) -> list[Deleted]:
        """Up to ``limit`` deleted records whose identifier follows ``after``, in identifier order."""
        query = self.select(bounds, sources)
        if after is not None:
            query = query.where(ledger.records.c.record_id > after)
        query = query.order_by(ledger.records.c.record_id).limit(limit)
        with self.engine.connect() as connection:
            return [Deleted(str(row[0]), str(row[1]), str(row[2])) for row in connection.execute(query)]

    def get(self, identifier: str) -> Deleted | None:
        """The deleted record ``identifier``, if it is one."""
        query = self.select(Window()).where(ledger.records.c.record_id == identifier)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else Deleted(str(row[0]), str(row[1]), str(row[2]))

    def earliest(self) -> str | None:
        """The earliest deletion datestamp."""
        query = select(func.min(self.select(Window()).subquery().c.datestamp))
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        return None if value is None else str(value)

    def sources(self) -> list[str]:
        """The sources that deleted records came from."""
        query = select(func.distinct(self.select(Window()).subquery().c.source))
        with self.engine.connect() as connection:
            return sorted(str(value) for value in connection.execute(query).scalars() if value)
