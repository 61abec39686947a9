"""Deleted records for OAI-PMH (§2.5.1): harvest tombstones that no source publishes any more.

A deleted record is a ``harvest_records`` row flagged deleted whose ``record_id`` has no
row left in pycsw's records table. Its OAI identifier is the ``record_id``; its datestamp
the latest ``deleted_at`` of its rows (the moment its last copy disappeared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, inspect, select
from sqlalchemy.sql import Select

from odatis_csw.store import ledger

#: OAI-PMH 2.0 §3.3: the two granularities a harvester may use in ``from``/``until``.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

#: Database URLs already seen holding the ledger (the table is never dropped once created).
_LEDGER_SEEN: set[str] = set()


@dataclass(frozen=True)
class Window:
    """Inclusive bounds on the deletion datestamp, as 'YYYY-MM-DDThh:mm:ssZ' strings."""

    start: str | None = None
    end: str | None = None


def window(state: dict[str, Any]) -> Window | None:
    """The deletion-time window of a listing, or None when it selects no deleted record.

    Deleted records belong to no set, and bounds that are not OAI-PMH datestamps select
    nothing (the live part then answers as the engine always did).
    """
    if "set" in state:
        return None
    bounds = []
    for key, time_of_day in (("from", "T00:00:00Z"), ("until", "T23:59:59Z")):
        value = state.get(key)
        if value is None or SECOND.fullmatch(value):
            bounds.append(value)
        elif DAY.fullmatch(value):
            bounds.append(value + time_of_day)
        else:
            return None
    return Window(*bounds)


class Tombstones:
    """Deleted records of one catalogue database, read beside pycsw's repository."""

    def __init__(self, repository: Any) -> None:
        self.engine = repository.engine
        self.live = repository.dataset.__table__

    @classmethod
    def of(cls, repository: Any) -> Tombstones | None:
        """The tombstones of ``repository``'s database, or None if it has no harvest ledger."""
        tombstones = cls(repository)
        return tombstones if tombstones.ledger_exists() else None

    def ledger_exists(self) -> bool:
        key = str(self.engine.url)
        if key not in _LEDGER_SEEN and inspect(self.engine).has_table(ledger.records.name):
            _LEDGER_SEEN.add(key)
        return key in _LEDGER_SEEN

    def _select(self, bounds: Window) -> Select[Any]:
        rows = ledger.records
        datestamp = func.max(rows.c.deleted_at)
        query = (
            select(rows.c.record_id, datestamp.label("datestamp"))
            .where(
                rows.c.deleted.is_(True),
                rows.c.record_id.is_not(None),
                rows.c.deleted_at.is_not(None),
                ~exists().where(self.live.c.identifier == rows.c.record_id),
            )
            .group_by(rows.c.record_id)
        )
        if bounds.start is not None:
            query = query.having(datestamp >= bounds.start)
        if bounds.end is not None:
            query = query.having(datestamp <= bounds.end)
        return query

    def count(self, bounds: Window) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(self._select(bounds).subquery())).scalar()
            )

    def page(self, bounds: Window, offset: int, limit: int) -> list[tuple[str, str]]:
        """``limit`` deleted records from ``offset``, ordered by identifier: (identifier, datestamp)."""
        query = self._select(bounds).order_by(ledger.records.c.record_id).offset(offset).limit(limit)
        with self.engine.connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(query)]

    def datestamp(self, identifier: str) -> str | None:
        """The deletion datestamp of ``identifier`` if it is a deleted record."""
        query = self._select(Window()).where(ledger.records.c.record_id == identifier)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else str(row[1])

    def earliest(self) -> str | None:
        """The earliest deletion datestamp."""
        query = select(func.min(self._select(Window()).subquery().c.datestamp))
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar()
        return None if value is None else str(value)
