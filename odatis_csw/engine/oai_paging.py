"""Resumption tokens (§3.5): opaque, exclusive and stable.

A token carries the whole selective-harvest state (metadataPrefix, from, until, set), the
number of records already listed (the next ``cursor``), the part of the list it stands in
(live records, then deleted ones) and the last identifier listed. The next page starts
right after that identifier (keyset paging), so records stored or removed meanwhile shift
nothing: no record is listed twice nor skipped because another one changed.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from typing import Any

from odatis_csw.engine.oai_args import OaiError, window

LIVE = "live"
DELETED = "deleted"
VERSION = 2


@dataclass(frozen=True)
class ListState:
    """Where a ListRecords/ListIdentifiers list stands."""

    prefix: str
    start: str | None = None  # ``from``, as the harvester gave it
    end: str | None = None  # ``until``, as the harvester gave it
    set: str | None = None
    cursor: int = 0
    part: str = LIVE
    after: str | None = None

    def encode(self) -> str:
        state = {key: value for key, value in asdict(self).items() if value is not None}
        raw = json.dumps({"v": VERSION, **state}, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> ListState:
    """The state a token carries; badResumptionToken for any token this provider did not issue."""
    refused = OaiError("badResumptionToken", "the resumptionToken is invalid or expired")
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise refused from err
    if not isinstance(state, dict) or state.pop("v", None) != VERSION:
        raise refused
    strings = ("prefix", "start", "end", "set", "after")
    if (
        set(state) - {*strings, "cursor", "part"}
        or not isinstance(state.get("prefix"), str)
        or any(key in state and not isinstance(state[key], str) for key in strings)
        or not _count(state.get("cursor"))
        or state.get("part") not in (LIVE, DELETED)
    ):
        raise refused
    try:
        window(state.get("start"), state.get("end"))
    except OaiError as err:
        raise refused from err
    return ListState(**state)


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0
