"""Datasets and the published records that describe them: one member per (source, source identifier).

Every record a source publishes (and every file ``odatis-csw load`` reads, source ``local``) is
a member of one dataset. One member per dataset, the *canonical* one, is served in the
records table, under the member's own identifier; the others stay in the archive and are
listed as its other publishers. ``record_id`` is the identifier a member is served under
when it is canonical: its fileIdentifier, or a derived one when another dataset holds that
fileIdentifier already (``derived``). ``sha256`` names its source document in the payload
archive (``harvest_payloads``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from odatis_csw.store.ledger import METADATA, payloads
from odatis_csw.store.sameness import LOCAL, Facts

members = Table(
    "dataset_members",
    METADATA,
    Column("source", String(40), primary_key=True),
    Column("source_id", Text, primary_key=True),
    Column("dataset", String(32), nullable=False, index=True),
    Column("record_id", Text, nullable=False, index=True),
    Column("file_identifier", Text, nullable=False, index=True),
    Column("derived", Boolean, nullable=False, default=False),
    Column("title", Text, nullable=False),
    Column("time_begin", String(40)),
    Column("time_end", String(40)),
    Column("precedence", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source_url", Text),
    Column("source_title", Text),
    Column("centre", Text),
    Column("canonical", Boolean, nullable=False, default=False),
)

member_keys = Table(
    "dataset_member_keys",
    METADATA,
    Column("source", String(40), primary_key=True),
    Column("source_id", Text, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True, index=True),
)


@dataclass(frozen=True)
class Member:
    """One published record of a dataset, as the catalogue keeps it."""

    facts: Facts
    dataset: str
    record_id: str
    sha256: str
    derived: bool = False
    source_url: str | None = None
    source_title: str | None = None
    centre: str | None = None
    canonical: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.facts.source, self.facts.source_id)


def new_dataset_id() -> str:
    return uuid.uuid4().hex


def _members(connection: Connection, condition: Any) -> list[Member]:
    rows = connection.execute(select(members).where(condition)).mappings().all()
    if not rows:
        return []
    found: dict[tuple[str, str], set[tuple[str, str]]] = {(r["source"], r["source_id"]): set() for r in rows}
    query = (
        select(member_keys)
        .join(
            members,
            and_(members.c.source == member_keys.c.source, members.c.source_id == member_keys.c.source_id),
        )
        .where(condition)
    )
    for key in connection.execute(query).mappings():
        owner = (key["source"], key["source_id"])
        if owner in found:
            found[owner].add((key["kind"], key["value"]))
    return sorted((_member(row, found[(row["source"], row["source_id"])]) for row in rows), key=_rank)


def _rank(member: Member) -> tuple[int, str, str]:
    return member.facts.rank


def _member(row: Any, keys: set[tuple[str, str]]) -> Member:
    facts = Facts(
        source=row["source"],
        source_id=row["source_id"],
        file_identifier=row["file_identifier"],
        title=row["title"],
        keys=frozenset(keys),
        begin=row["time_begin"],
        end=row["time_end"],
        precedence=row["precedence"],
    )
    return Member(
        facts,
        row["dataset"],
        row["record_id"],
        row["sha256"],
        bool(row["derived"]),
        row["source_url"],
        row["source_title"],
        row["centre"],
        bool(row["canonical"]),
    )


def member(connection: Connection, source: str, source_id: str) -> Member | None:
    found = _members(connection, and_(members.c.source == source, members.c.source_id == source_id))
    return found[0] if found else None


def members_of(connection: Connection, dataset: str) -> list[Member]:
    """The members of one dataset, best ranked first."""
    return _members(connection, members.c.dataset == dataset)


def candidates(connection: Connection, facts: Facts) -> list[Member]:
    """Members that may describe the same dataset: a shared key or fileIdentifier (``facts`` excluded)."""
    conditions = [members.c.file_identifier == facts.file_identifier]
    for kind, value in facts.keys:
        owners = select(member_keys.c.source, member_keys.c.source_id).where(
            member_keys.c.kind == kind, member_keys.c.value == value
        )
        holders = {tuple(row) for row in connection.execute(owners)}
        conditions += [and_(members.c.source == s, members.c.source_id == i) for s, i in holders]
    found = _members(connection, or_(*conditions))
    return [m for m in found if (m.facts.source, m.facts.source_id) != (facts.source, facts.source_id)]


def holders_of(connection: Connection, record_id: str) -> list[Member]:
    """Members that would be served under ``record_id``."""
    return _members(connection, members.c.record_id == record_id)


def put(connection: Connection, found: Member) -> None:
    """Insert or replace one member and its keys."""
    facts = found.facts
    key = and_(members.c.source == facts.source, members.c.source_id == facts.source_id)
    values = {
        "source": facts.source,
        "source_id": facts.source_id,
        "dataset": found.dataset,
        "record_id": found.record_id,
        "file_identifier": facts.file_identifier,
        "derived": found.derived,
        "title": facts.title,
        "time_begin": facts.begin,
        "time_end": facts.end,
        "precedence": facts.precedence,
        "sha256": found.sha256,
        "source_url": found.source_url,
        "source_title": found.source_title,
        "centre": found.centre,
        "canonical": found.canonical,
    }
    connection.execute(delete(members).where(key))
    connection.execute(insert(members).values(**values))
    keyed = and_(member_keys.c.source == facts.source, member_keys.c.source_id == facts.source_id)
    connection.execute(delete(member_keys).where(keyed))
    rows = [
        {"source": facts.source, "source_id": facts.source_id, "kind": kind, "value": value}
        for kind, value in sorted(facts.keys)
    ]
    if rows:
        connection.execute(insert(member_keys), rows)


def remove(connection: Connection, source: str, source_id: str) -> None:
    connection.execute(
        delete(members).where(and_(members.c.source == source, members.c.source_id == source_id))
    )
    connection.execute(
        delete(member_keys).where(and_(member_keys.c.source == source, member_keys.c.source_id == source_id))
    )


def local_members(engine: Engine) -> list[dict[str, Any]]:
    """The records loaded with ``odatis-csw load``: source, source_id, sha256, precedence."""
    query = select(members.c.source, members.c.source_id, members.c.sha256, members.c.precedence).where(
        members.c.source == LOCAL
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def mark_canonical(connection: Connection, dataset: str, chosen: Member | None) -> None:
    """Flag ``chosen`` as the served member of its dataset, and no other."""
    connection.execute(update(members).where(members.c.dataset == dataset).values(canonical=False))
    if chosen is not None:
        connection.execute(
            update(members)
            .where(
                and_(members.c.source == chosen.facts.source, members.c.source_id == chosen.facts.source_id)
            )
            .values(canonical=True)
        )


def with_precedence(connection: Connection, declared: dict[str, int]) -> set[str]:
    """Store the declared precedence of each source's members; return the datasets that changed."""
    changed: set[str] = set()
    for source, precedence in declared.items():
        query = select(members.c.dataset).where(
            members.c.source == source, members.c.precedence != precedence
        )
        datasets = {row[0] for row in connection.execute(query)}
        if datasets:
            connection.execute(
                update(members).where(members.c.source == source).values(precedence=precedence)
            )
            changed |= datasets
    return changed


# --- read side: what the served records show ------------------------------------------------------


def publishers(engine: Engine, record_ids: Iterable[str]) -> dict[str, list[Member]]:
    """Every member of the dataset each served record stands for, the served one first."""
    ids = list(set(record_ids))
    if not ids:
        return {}
    with engine.connect() as connection:
        served = connection.execute(
            select(members.c.record_id, members.c.dataset).where(
                members.c.canonical.is_(True), members.c.record_id.in_(ids)
            )
        ).all()
        by_dataset = {dataset: record_id for record_id, dataset in served}
        if not by_dataset:
            return {}
        found: dict[str, list[Member]] = {record_id: [] for record_id in by_dataset.values()}
        for each in _members(connection, members.c.dataset.in_(list(by_dataset))):
            found[by_dataset[each.dataset]].append(each)
    return {rid: sorted(group, key=lambda m: (not m.canonical, _rank(m))) for rid, group in found.items()}


def source_document(engine: Engine, record_id: str) -> tuple[bytes, str] | None:
    """The exact document the served record ``record_id`` was read from, with its media type."""
    query = (
        select(payloads.c.payload, payloads.c.media_type)
        .join(members, members.c.sha256 == payloads.c.sha256)
        .where(members.c.record_id == record_id, members.c.canonical.is_(True))
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return (bytes(row[0]), str(row[1])) if row else None


def source_media_types(engine: Engine, record_ids: Iterable[str]) -> dict[str, str]:
    """The media type of the source document of each served record (one query)."""
    ids = list(set(record_ids))
    if not ids:
        return {}
    query = (
        select(members.c.record_id, payloads.c.media_type)
        .join(members, members.c.sha256 == payloads.c.sha256)
        .where(members.c.record_id.in_(ids), members.c.canonical.is_(True))
    )
    with engine.connect() as connection:
        return {str(record_id): str(media_type) for record_id, media_type in connection.execute(query)}


def archive_payload(engine: Engine, sha256: str, payload: bytes, media_type: str) -> None:
    """Keep a source document in the payload archive (once per content)."""
    with engine.begin() as connection:
        if connection.execute(select(payloads.c.sha256).where(payloads.c.sha256 == sha256)).first() is None:
            connection.execute(
                insert(payloads).values(
                    sha256=sha256, media_type=media_type, size=len(payload), payload=payload
                )
            )
