"""OGC API - Records catalogues: the items of one collection, page by page through ``next`` links.

``gather`` GETs ``{url}/collections/{collection}/items?f=json&limit=N`` and follows the
``rel=next`` link of each page (resolved against the page URL, never the same URL twice: a loop
is a :class:`ProtocolViolation`, not a silent end of listing).

- ``RecordRef.identifier`` is the record's ``id``.
- ``prefer: iso`` (default): when a record links an ISO 19139 alternate (``rel=alternate`` with
  an XML media type, or a title naming ISO/19139/gmd), ``fetch`` GETs it and returns XML;
  otherwise, and always with ``prefer: json``, the record itself is the payload, with media type
  ``application/geo+json``: the catalogue reads it (:mod:`odatis_csw.store.json_records`) and
  serves ISO 19139 written from it, the JSON kept as the source document.
- ``state.checkpoint`` holds the URL of the page being read and how many of its records were
  already handed out, so an interrupted run resumes where it stopped.

Full listings only (``incremental = False``): ``datetime`` is about the data, not the record,
and the ``updated`` queryable cannot be trusted for a ``filter=updated >= ...``: on pycsw 3 it
filters on the catalogue's insertion date while the records show their own ``updated`` (a
filter on 2018 returns records updated in 2011), and CQL2 support differs between servers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urljoin

from odatis_csw.errors import UnsafeXMLError
from odatis_csw.harvest.base import GatherState, RawRecord, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source
from odatis_csw.safexml import parse_bytes

LOGGER = logging.getLogger(__name__)

JSON_TYPES = "application/geo+json, application/json;q=0.9"
ISO_TYPES = frozenset(
    {
        "application/xml",
        "text/xml",
        "application/vnd.iso.19139+xml",
        "application/iso19139+xml",
        "application/vnd.iso.19139-2+xml",
    }
)
ISO_WORDS = ("iso", "19139", "gmd")


class OarecHarvester:
    """One collection of an OGC API - Records server, ISO 19139 alternates preferred."""

    protocol: ClassVar[str] = "oarec"
    incremental: ClassVar[bool] = False
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "collection": {"type": "string", "minLength": 1},
            "page_size": {"type": "integer", "minimum": 1, "maximum": 10000},
            "prefer": {"enum": ["iso", "json"]},
        },
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        options = source.options
        self.source = source
        self.http = http
        collection = quote(str(options.get("collection", "metadata:main")), safe=":")
        query = urlencode({"f": "json", "limit": int(options.get("page_size", 50))})
        self.start_url = f"{source.url.rstrip('/')}/collections/{collection}/items?{query}"
        self.prefer_iso = options.get("prefer", "iso") == "iso"

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        url: str | None = self.start_url
        skip = 0
        if state.checkpoint.get("start") == self.start_url and isinstance(state.checkpoint.get("page"), str):
            url, skip = state.checkpoint["page"], int(state.checkpoint.get("skip", 0))
        visited: set[str] = set()
        yielded: set[str] = set()
        while url is not None:
            visited.add(url)
            features, next_url = self._page(url)
            for position, feature in enumerate(features[skip:], start=skip + 1):
                state.checkpoint = {"start": self.start_url, "page": url, "skip": position}
                ref = self._ref(feature, url)
                if ref is not None and ref.identifier not in yielded:
                    yielded.add(ref.identifier)
                    yield ref
            if next_url is not None:
                if next_url in visited:
                    raise ProtocolViolation(f"{url}: the next link goes back to {next_url}, already read")
                if not features:
                    raise ProtocolViolation(f"{url}: a page without records has a next link")
                state.checkpoint = {"start": self.start_url, "page": next_url, "skip": 0}
            url, skip = next_url, 0
        state.checkpoint = {}

    def _page(self, url: str) -> tuple[list[dict[str, Any]], str | None]:
        fetched = self.http.get(url, accept=JSON_TYPES)
        try:
            page = json.loads(fetched.content)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ProtocolViolation(f"{url}: not a JSON document: {err}") from err
        if not isinstance(page, dict) or not isinstance(page.get("features"), list):
            raise ProtocolViolation(f"{url}: not an items response (no features array)")
        features = [feature for feature in page["features"] if isinstance(feature, dict)]
        if len(features) != len(page["features"]):
            raise ProtocolViolation(f"{url}: a feature is not a JSON object")
        next_url = None
        for link in _links(page):
            if link.get("rel") == "next" and isinstance(link.get("href"), str):
                next_url = urljoin(fetched.url, link["href"])
                break
        return features, next_url

    def _ref(self, feature: dict[str, Any], page_url: str) -> RecordRef | None:
        identifier = feature.get("id")
        if not isinstance(identifier, str | int) or isinstance(identifier, bool) or str(identifier) == "":
            LOGGER.warning("%s: a record without id is skipped", page_url)
            return None
        properties = feature.get("properties")
        updated = properties.get("updated") if isinstance(properties, dict) else None
        modified = _datetime(updated if isinstance(updated, str) else None)
        iso = _iso_alternate(feature) if self.prefer_iso else None
        if iso is not None:
            return RecordRef(str(identifier), urljoin(page_url, iso), modified=modified)
        payload = json.dumps(feature, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self_link = next(
            (
                link["href"]
                for link in _links(feature)
                if link.get("rel") == "self" and isinstance(link.get("href"), str)
            ),
            None,
        )
        url = urljoin(page_url, self_link) if self_link else page_url
        return RecordRef(str(identifier), url, modified=modified, payload=payload)

    def fetch(self, ref: RecordRef) -> RawRecord:
        if ref.payload is not None:
            return RawRecord(ref.identifier, ref.payload, url=ref.url, media_type="application/geo+json")
        if ref.url is None:
            raise ProtocolViolation(f"{ref.identifier}: neither a payload nor a URL")
        fetched = self.http.get(ref.url, accept="application/xml, text/xml;q=0.9")
        try:
            parse_bytes(fetched.content, source=ref.url, max_bytes=self.http.settings.max_bytes)
        except UnsafeXMLError as err:
            raise ProtocolViolation(f"ISO alternate of {ref.identifier!r}: {err}") from err
        return RawRecord(
            ref.identifier,
            fetched.content,
            url=fetched.url,
            media_type="application/xml",
            validators=fetched.validators,
        )


def _links(document: dict[str, Any]) -> list[dict[str, Any]]:
    links = document.get("links")
    return [link for link in links if isinstance(link, dict)] if isinstance(links, list) else []


def _iso_alternate(feature: dict[str, Any]) -> str | None:
    for link in _links(feature):
        href = link.get("href")
        if link.get("rel") != "alternate" or not isinstance(href, str) or not href:
            continue
        media_type = str(link.get("type") or "").split(";")[0].strip().lower()
        title = str(link.get("title") or "").lower()
        xml_or_unsaid = not media_type or media_type.endswith("xml")
        if media_type in ISO_TYPES or (xml_or_unsaid and any(word in title for word in ISO_WORDS)):
            return href
    return None


def _datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
