"""OGC API Records JSON records (a GeoJSON ``Feature``) into a catalogue row, and any payload into rows.

A JSON record is read by :func:`odatis_csw.model.readers.read_json`; the ISO 19139 document
served for it is written from that normalised record (:func:`odatis_csw.model.iso19139.write`),
then repaired and anchored like any ISO record. The publisher's JSON is kept as the source
document (archived with its JSON media type, answered so by ``GetRepositoryItem``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.iso19139 import write as write_iso19139
from odatis_csw.model.readers import read_json
from odatis_csw.quality import Repair
from odatis_csw.quality.paths import element_path
from odatis_csw.safexml import DEFAULT_MAX_BYTES, parse_bytes
from odatis_csw.store.records import Assessment, assessed_row, assessed_rows_of
from odatis_csw.store.rows import normalise_row

#: Media types of a JSON record; the first is the one given to a JSON payload of unsaid type.
MEDIA_TYPES = ("application/geo+json", "application/json")
Pair = tuple[Any, Assessment]


def is_json(payload: bytes) -> bool:
    """Does the payload look like a JSON object (rather than XML)?"""
    return payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def media_type_of(payload: bytes, said: str | None) -> str:
    """The media type to archive a payload with: the one said, unless it contradicts the content."""
    if is_json(payload):
        return said if said in MEDIA_TYPES else MEDIA_TYPES[0]
    return said or "application/xml"


def read_feature(
    payload: bytes, *, source: str = "record", max_bytes: int = DEFAULT_MAX_BYTES
) -> dict[str, Any]:
    """The JSON record of a payload; UnsupportedRecordError when too large, not JSON or not a Feature."""
    if len(payload) > max_bytes:
        raise UnsupportedRecordError(f"{source}: JSON record of {len(payload)} bytes, over {max_bytes}")
    try:
        feature = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise UnsupportedRecordError(f"{source}: not a JSON document: {err}") from err
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise UnsupportedRecordError(f"{source}: not an OGC API Records record (a GeoJSON Feature)")
    if not isinstance(feature.get("properties"), dict):
        raise UnsupportedRecordError(f"{source}: record without properties")
    return feature


def assessed_json_row(repository: Any, payload: bytes, fallback_identifier: str | None = None) -> Pair:
    """The row of one OGC API Records JSON record, served as ISO 19139 written from its model."""
    feature = read_feature(payload)
    try:
        record = read_json(feature)
    except Exception as err:  # noqa: BLE001 - a reader's failure on untrusted JSON is a rejection
        raise UnsupportedRecordError(f"JSON record not understood: {type(err).__name__}: {err}") from err
    if not record.file_identifier and fallback_identifier:
        record.file_identifier = fallback_identifier
    written = write_iso19139(record)
    row, assessment = assessed_row(repository.context, repository, written, fallback_identifier)
    why = "OGC API Records record served as ISO 19139 written from its normalised record; its JSON is kept"
    repairs = (*assessment.repairs, Repair("written-from-model", why, element_path(written)))
    source = payload.decode("utf-8-sig")
    return normalise_row(row), replace(assessment, repairs=repairs, source_document=source, record=record)


def payload_rows(
    repository: Any, payload: bytes, source: str, fallback_identifier: str | None = None
) -> list[Pair]:
    """The rows of a harvested or archived payload, XML or JSON, with their assessments."""
    if is_json(payload):
        return [assessed_json_row(repository, payload, fallback_identifier)]
    return assessed_rows_of(repository, parse_bytes(payload, source=source), fallback_identifier)
