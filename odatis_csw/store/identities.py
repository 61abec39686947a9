"""What identifies the dataset each served record describes: DOIs and resource identifiers.

One row per (served record, kind, value), replaced whenever the record is stored. The
OAI-PMH provider lists the ``datacite`` format for records with a DOI; duplicate detection
looks records up by the same keys. Values are normalised so that equal keys compare equal:
DOIs lower-cased without resolver prefix, resource identifiers as ``codespace|code``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select

from odatis_csw.model.record import Record
from odatis_csw.store.ledger import METADATA

DOI = "doi"
RESOURCE = "resource"

identities = Table(
    "record_identities",
    METADATA,
    Column("record_id", Text, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True),
)


def keys_of(record: Record) -> set[tuple[str, str]]:
    """The (kind, value) keys of a normalised record: its DOIs and resource identifiers."""
    keys = {(DOI, doi) for doi in record.dois}
    for identifier in record.identifiers:
        code = identifier.code.strip()
        if code and identifier.doi is None:
            keys.add((RESOURCE, f"{(identifier.codespace or '').strip().lower()}|{code}"))
    return keys


def replace(connection: Connection, record_id: str, keys: Iterable[tuple[str, str]]) -> None:
    """Store the keys of one served record in place of those it had."""
    connection.execute(delete(identities).where(identities.c.record_id == record_id))
    rows = [{"record_id": record_id, "kind": kind, "value": value} for kind, value in sorted(set(keys))]
    if rows:
        connection.execute(insert(identities), rows)


def forget(connection: Connection, record_id: str) -> None:
    """Drop the keys of a record that is no longer served."""
    connection.execute(delete(identities).where(identities.c.record_id == record_id))


def records_with(kind: str) -> Select:
    """A sub-select of the ids of served records having at least one key of ``kind``."""
    return select(identities.c.record_id).where(identities.c.kind == kind).distinct()


def records_by_key(engine: Engine, kind: str, value: str) -> list[str]:
    """Ids of the served records holding one key."""
    with engine.connect() as connection:
        query = select(identities.c.record_id).where(identities.c.kind == kind, identities.c.value == value)
        return sorted(connection.execute(query).scalars())
