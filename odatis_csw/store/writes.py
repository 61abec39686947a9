"""Writing one row into pycsw's records table: insert, update, or nothing when it is the same."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from odatis_csw.store.repository import CatalogueRepository


class Outcome(enum.Enum):
    LOADED = "loaded"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


def store_row(repository: CatalogueRepository, row: Any, source: str = "local") -> Outcome:
    """Insert or update a row; UNCHANGED when the stored document is the same (no write)."""
    existing = repository.query_ids([row.identifier])
    row.mdsource = source
    if existing and existing[0].xml == row.xml and existing[0].mdsource == source:
        return Outcome.UNCHANGED
    row.insert_date = utc_now()
    if not existing:
        repository.insert(row, source, row.insert_date)
        return Outcome.LOADED
    # the engine updates only the columns its parser set: clear the others, or a field the
    # new version no longer has (keywords, links, a box) would survive from the old one
    for column in repository.dataset.__table__.columns:
        if column.name not in row.__dict__:
            setattr(row, column.name, None)
    repository.update(row)
    return Outcome.UPDATED


def utc_now() -> str:
    """Now in UTC as ``YYYY-MM-DDThh:mm:ssZ``: the ``insert_date`` OAI-PMH datestamps are read from.

    pycsw's ``get_today_and_now()`` writes local time labelled ``Z``, wrong on a server not on UTC.
    """
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unstore_row(repository: CatalogueRepository, identifier: str) -> None:
    """Remove a row from the records table (search, CSW, OAI-PMH live lists)."""
    repository.delete({"where": "identifier = :pvalue0", "values": [identifier]})
