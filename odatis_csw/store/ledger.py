"""The harvest ledger: runs, provenance, raw payload archive, rejections, per-source state.

Tables live in the catalogue's own database (SQLite or PostgreSQL), beside pycsw's
records table, and are created by ``odatis-csw db setup``.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine

METADATA = MetaData()

runs = Table(
    "harvest_runs",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False, index=True),
    Column("started_at", String(32), nullable=False),
    Column("ended_at", String(32)),
    Column("status", String(16), nullable=False),
    Column("full_listing", Boolean, nullable=False),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("message", Text),
)

records = Table(
    "harvest_records",
    METADATA,
    Column("source", String(40), primary_key=True),
    Column("source_id", Text, primary_key=True),
    Column("record_id", Text, index=True),
    Column("source_url", Text),
    Column("fetched_at", String(32), nullable=False),
    Column("validators", Text),
    Column("sha256", String(64), nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("deleted_at", String(32)),
    Column("deleted_run_id", Integer),
)

payloads = Table(
    "harvest_payloads",
    METADATA,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(80), nullable=False),
    Column("size", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

rejections = Table(
    "harvest_rejections",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("source_id", Text),
    Column("code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("location", Text),
)

states = Table(
    "harvest_state",
    METADATA,
    Column("source", String(40), primary_key=True),
    Column("watermark", String(32)),
    Column("last_full_listing", String(32)),
    Column("checkpoint", Text),
    Column("cycle_run_id", Integer),
    Column("lock_owner", String(120)),
    Column("lock_expires", String(32)),
    Column("held", Boolean, nullable=False, default=False),
)

seen = Table(
    "harvest_seen",
    METADATA,
    Column("source", String(40), primary_key=True),
    Column("cycle_run_id", Integer, primary_key=True),
    Column("source_id", Text, primary_key=True),
)


quality = Table(
    "record_quality",
    METADATA,
    Column("record_id", Text, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("run_id", Integer),
    Column("checked_at", String(32), nullable=False),
    Column("valid_xsd", Boolean, nullable=False),
    Column("xsd_scope", String(8), nullable=False),
    Column("completeness", Integer, nullable=False),
    Column("repair_count", Integer, nullable=False),
    Column("problems", Text, nullable=False),
    Column("repairs", Text, nullable=False),
)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if value else None


def create_tables(engine: Engine) -> None:
    METADATA.create_all(engine, checkfirst=True)


@dataclass(frozen=True)
class Provenance:
    """What the ledger knows of one harvested record."""

    source: str
    source_id: str
    record_id: str | None
    sha256: str
    validators: dict[str, str]
    deleted: bool


def save_quality(engine: Engine, record_id: str, source: str, run_id: int | None, assessment: Any) -> None:
    """Store (replace) the repairs and quality of one served record."""
    found = assessment.quality
    values = {
        "record_id": record_id,
        "source": source,
        "run_id": run_id,
        "checked_at": iso(now()),
        "valid_xsd": found.valid_xsd,
        "xsd_scope": found.xsd_scope,
        "completeness": found.completeness,
        "repair_count": sum(1 for repair in assessment.repairs if repair.changed),
        **assessment.to_json(),
    }
    values["problems"] = values.pop("quality")
    with engine.begin() as connection:
        connection.execute(delete(quality).where(quality.c.record_id == record_id))
        connection.execute(insert(quality).values(**values))


def quality_rows(
    engine: Engine, record_id: str | None = None, invalid_only: bool = False
) -> list[dict[str, Any]]:
    query = select(quality).order_by(quality.c.record_id)
    if record_id is not None:
        query = query.where(quality.c.record_id == record_id)
    if invalid_only:
        query = query.where(quality.c.valid_xsd.is_(False))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def run_quality(engine: Engine, run_id: int) -> dict[str, Any]:
    """Quality of the records stored by one run: how many checked, valid, repaired; mean completeness."""
    query = select(
        func.count(),
        func.sum(case((quality.c.valid_xsd.is_(True), 1), else_=0)),
        func.sum(case((quality.c.repair_count > 0, 1), else_=0)),
        func.avg(quality.c.completeness),
    ).where(and_(quality.c.run_id == run_id, quality.c.xsd_scope != "none"))
    with engine.connect() as connection:
        checked, valid, repaired, mean = connection.execute(query).one()
    return {
        "checked": int(checked or 0),
        "valid": int(valid or 0),
        "repaired": int(repaired or 0),
        "completeness": round(float(mean or 0)),
    }


class Ledger:
    """Reads and writes the harvest tables of one database."""

    def __init__(self, database: str) -> None:
        self.engine = create_engine(database, pool_pre_ping=True)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def close(self) -> None:
        self.engine.dispose()

    # --- locking -----------------------------------------------------------------------------

    def acquire(self, source: str, ttl: timedelta = timedelta(hours=6)) -> bool:
        """Take the source's run lock; False when another live run holds it."""
        with self.engine.begin() as connection:
            if connection.execute(select(states.c.source).where(states.c.source == source)).first() is None:
                connection.execute(insert(states).values(source=source, held=False))
        moment = now()
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(states)
                .where(
                    and_(
                        states.c.source == source,
                        or_(states.c.lock_owner.is_(None), states.c.lock_expires < iso(moment)),
                    )
                )
                .values(lock_owner=self.owner, lock_expires=iso(moment + ttl))
            ).rowcount
        return bool(taken)

    def release(self, source: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(states)
                .where(and_(states.c.source == source, states.c.lock_owner == self.owner))
                .values(lock_owner=None, lock_expires=None)
            )

    # --- state -------------------------------------------------------------------------------

    def state(self, source: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(states).where(states.c.source == source)).mappings().first()
        if row is None:
            return {
                "watermark": None,
                "last_full_listing": None,
                "checkpoint": {},
                "cycle_run_id": None,
                "held": False,
            }
        return {
            "watermark": parse_iso(row["watermark"]),
            "last_full_listing": parse_iso(row["last_full_listing"]),
            "checkpoint": json.loads(row["checkpoint"]) if row["checkpoint"] else {},
            "cycle_run_id": row["cycle_run_id"],
            "held": bool(row["held"]),
        }

    def save_state(self, source: str, **values: Any) -> None:
        encoded = dict(values)
        for key in ("watermark", "last_full_listing"):
            if key in encoded and isinstance(encoded[key], datetime):
                encoded[key] = iso(encoded[key])
        if "checkpoint" in encoded:
            encoded["checkpoint"] = json.dumps(encoded["checkpoint"]) if encoded["checkpoint"] else None
        with self.engine.begin() as connection:
            connection.execute(update(states).where(states.c.source == source).values(**encoded))

    # --- runs --------------------------------------------------------------------------------

    def start_run(self, source: str, full_listing: bool) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                insert(runs).values(
                    source=source,
                    started_at=iso(now()),
                    status="running",
                    full_listing=full_listing,
                    new=0,
                    updated=0,
                    unchanged=0,
                    deleted=0,
                    rejected=0,
                )
            )
            return int(result.inserted_primary_key[0])

    def end_run(self, run_id: int, status: str, counts: dict[str, int], message: str | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(ended_at=iso(now()), status=status, message=message, **counts)
            )

    def run(self, run_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        return dict(row) if row else None

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest run of every source."""
        latest = select(runs.c.source, func.max(runs.c.id).label("id")).group_by(runs.c.source).subquery()
        with self.engine.connect() as connection:
            rows = connection.execute(select(runs).join(latest, runs.c.id == latest.c.id)).mappings().all()
        return {row["source"]: dict(row) for row in rows}

    def rejections(self, run_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(rejections).where(rejections.c.run_id == run_id).order_by(rejections.c.id)
            ).mappings()
            return [dict(row) for row in rows]

    def reject(
        self, run_id: int, source: str, source_id: str | None, code: str, reason: str, location: str | None
    ) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(rejections).values(
                    run_id=run_id,
                    source=source,
                    source_id=source_id,
                    code=code,
                    reason=reason,
                    location=location,
                )
            )

    # --- provenance and archive -------------------------------------------------------------

    def provenance(self, source: str) -> dict[str, Provenance]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(records).where(records.c.source == source)).mappings().all()
        return {
            row["source_id"]: Provenance(
                row["source"],
                row["source_id"],
                row["record_id"],
                row["sha256"],
                json.loads(row["validators"]) if row["validators"] else {},
                bool(row["deleted"]),
            )
            for row in rows
        }

    def archive(self, sha256: str, payload: bytes, media_type: str) -> None:
        with self.engine.begin() as connection:
            if (
                connection.execute(select(payloads.c.sha256).where(payloads.c.sha256 == sha256)).first()
                is None
            ):
                connection.execute(
                    insert(payloads).values(
                        sha256=sha256, media_type=media_type, size=len(payload), payload=payload
                    )
                )

    def payload(self, sha256: str) -> bytes | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(payloads.c.payload).where(payloads.c.sha256 == sha256)).first()
        return bytes(row[0]) if row else None

    def record_provenance(self, entry: dict[str, Any]) -> None:
        """Insert or replace the provenance row of (source, source_id)."""
        key = and_(records.c.source == entry["source"], records.c.source_id == entry["source_id"])
        with self.engine.begin() as connection:
            if connection.execute(select(records.c.source).where(key)).first() is None:
                connection.execute(insert(records).values(**entry))
            else:
                connection.execute(update(records).where(key).values(**entry))

    def update_validators(self, source: str, source_id: str, validators: dict[str, str]) -> None:
        key = and_(records.c.source == source, records.c.source_id == source_id)
        with self.engine.begin() as connection:
            connection.execute(update(records).where(key).values(validators=json.dumps(validators)))

    def mark_deleted(self, source: str, source_id: str, run_id: int) -> None:
        key = and_(records.c.source == source, records.c.source_id == source_id)
        with self.engine.begin() as connection:
            connection.execute(
                update(records).where(key).values(deleted=True, deleted_at=iso(now()), deleted_run_id=run_id)
            )

    def live_sources_of(self, record_id: str) -> set[str]:
        """The sources whose live records are stored under ``record_id``."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(records.c.source).where(
                    and_(records.c.record_id == record_id, records.c.deleted.is_(False))
                )
            )
            return {row[0] for row in rows}

    def live_records(self) -> list[dict[str, Any]]:
        """Every harvested record not deleted, for re-import."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(records).where(records.c.deleted.is_(False))).mappings().all()
        return [dict(row) for row in rows]

    # --- listing cycles (which records a full listing has seen) -------------------------------

    def mark_seen(self, source: str, cycle: int, source_ids: list[str]) -> None:
        if not source_ids:
            return
        with self.engine.begin() as connection:
            existing = {
                row[0]
                for row in connection.execute(
                    select(seen.c.source_id).where(
                        and_(
                            seen.c.source == source,
                            seen.c.cycle_run_id == cycle,
                            seen.c.source_id.in_(source_ids),
                        )
                    )
                )
            }
            fresh = [
                {"source": source, "cycle_run_id": cycle, "source_id": i} for i in set(source_ids) - existing
            ]
            if fresh:
                connection.execute(insert(seen), fresh)

    def seen_ids(self, source: str, cycle: int) -> set[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(seen.c.source_id).where(and_(seen.c.source == source, seen.c.cycle_run_id == cycle))
            )
            return {row[0] for row in rows}

    def forget_cycles(self, source: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(seen).where(seen.c.source == source))
