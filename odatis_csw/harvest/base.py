"""The harvester contract: ``gather`` lists what a source holds, ``fetch`` brings one record.

A harvester only talks to its source. Everything after ``fetch`` (parsing, change
detection, storage, provenance, tombstones, reports) is shared core code in
:mod:`odatis_csw.harvest.pipeline`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from odatis_csw.harvest.errors import HarvestError
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source

__all__ = ["GatherState", "HarvestError", "Harvester", "Outcome", "RawRecord", "RecordRef", "RunStatus"]


@dataclass(frozen=True)
class RecordRef:
    """One record a source says it holds, as listed by ``gather``.

    ``payload`` is set when the listing already carried the whole record (a CSW
    GetRecords page, an OAI-PMH ListRecords page): ``fetch`` then costs nothing.
    """

    identifier: str
    url: str | None = None
    modified: datetime | None = None
    deleted: bool = False
    payload: bytes | None = None
    validators: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawRecord:
    """A record as the source sent it, with what is needed to trace it."""

    identifier: str
    payload: bytes
    url: str | None = None
    media_type: str = "application/xml"
    validators: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False


@dataclass
class GatherState:
    """What a harvester may read and update across runs: watermark and protocol checkpoint."""

    watermark: datetime | None = None
    checkpoint: dict[str, Any] = field(default_factory=dict)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    complete: bool = True
    """False when the listing was selective (``from``): absent records are then not deleted."""


class Harvester(Protocol):
    """What every module of ``harvesters/`` provides (registered as an entry point)."""

    protocol: ClassVar[str]
    incremental: ClassVar[bool]

    def __init__(self, source: Source, http: HttpClient) -> None: ...

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        """List the source's records; raise :class:`HarvestError` when the listing fails."""
        ...

    def fetch(self, ref: RecordRef) -> RawRecord:
        """Bring one record; raise :class:`HarvestError` when it cannot."""
        ...


class Outcome(enum.Enum):
    """What a harvest run did with one record."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    REJECTED = "rejected"


class RunStatus(enum.Enum):
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    HELD = "held"
    """Deletions were withheld because they exceeded the configured share: an operator decides."""
