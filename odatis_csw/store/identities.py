"""What identifies the dataset each served record describes: DOIs and resource identifiers.

One row per (served record, kind, value), replaced whenever the record is stored. The
OAI-PMH provider lists the ``datacite`` format for records with a DOI; duplicate detection
looks records up by the same keys. Values are normalised so that equal keys compare equal:
DOIs lower-cased without resolver prefix, resource identifiers as ``namespace|code`` (the
namespace is the codespace, else the citing authority's title, lower-cased).

Generic codes identify nothing: a code that is a placeholder (``unknown``, ``dataset``...),
shorter than 3 characters or longer than 400 (a document pasted in), or, without a namespace,
neither a URI, a URN nor a UUID (a bare ``12`` or ``AVHRR`` names a different thing at every
centre) is not a key.
"""

from __future__ import annotations

import re
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


#: Codes that stand for no identifier at all.
PLACEHOLDERS = frozenset(
    {"unknown", "none", "n/a", "na", "null", "missing", "inapplicable", "dataset", "metadata", "record", "id"}
)
#: Longer codes are documents pasted into the field (JSON-LD, abstracts), not identifiers.
MAX_CODE = 400
#: Codes unique by their form, trusted without a namespace.
_GLOBAL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|urn:\S+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})$",
    re.IGNORECASE,
)


def resource_key(code: str, namespace: str | None) -> str | None:
    """The key of a resource identifier, or None when its code is too generic to identify a dataset."""
    code, space = code.strip(), (namespace or "").strip().lower()
    if len(code) < 3 or len(code) > MAX_CODE or code.lower() in PLACEHOLDERS:
        return None
    if not space and not _GLOBAL.match(code):
        return None
    return f"{space}|{code}"


def keys_of(record: Record) -> set[tuple[str, str]]:
    """The (kind, value) keys of a normalised record: its DOIs and distinctive resource identifiers."""
    keys = {(DOI, doi) for doi in record.dois}
    for identifier in record.identifiers:
        if identifier.doi is not None:
            continue
        key = resource_key(identifier.code, identifier.codespace or identifier.authority)
        if key is not None:
            keys.add((RESOURCE, key))
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
