"""Web-accessible folder (WAF): an HTML directory listing of metadata files.

ERDDAP (``/erddap/metadata/iso19115/xml/``), THREDDS/ncISO exports and many data
centres publish their ISO records this way. Apache, nginx and IIS listings (and
Python's ``http.server``) are read with :mod:`lxml.html`; only links that stay under
the source URL are followed. Records are fetched with conditional GETs: the HTTP
validators of the previous run (``state.validators[identifier]``) are sent back and a
``304 Not Modified`` gives ``RawRecord(not_modified=True)``.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from odatis_csw.harvest.base import GatherState, RawRecord, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source

__all__ = ["ConditionalFetcher", "Listing", "ListingEntry", "WafHarvester", "directory_url", "scan_listing"]

LISTING_ROW = "listing"
"""Key of :attr:`RecordRef.validators`: what the listing shows next to a dated link (date, size)."""

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
_LONG_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
# Apache (2026-07-12 02:23), nginx and ERDDAP (02-Oct-2025 11:47), IIS (6/17/2021 12:20 PM),
# IIS long date (Friday, July 31, 2026  4:53 PM).
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_NGINX_DATE = re.compile(r"\b(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")
_LONG_DATE = re.compile(r"\b([A-Za-z]+) (\d{1,2}), (\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")


@dataclass(frozen=True)
class ListingEntry:
    """A file link of a listing, with the modification date shown next to it (if any)."""

    url: str
    identifier: str
    modified: datetime | None = None
    shown: str | None = None
    """The text of the link's row (date, size...), when it shows a date."""


@dataclass(frozen=True)
class Listing:
    files: list[ListingEntry]
    folders: list[str]


def directory_url(url: str) -> str:
    """The URL as a folder: no query nor fragment, a trailing slash."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _normalised(url: str) -> str:
    """Remove dot segments (``/a/b/../c`` → ``/a/c``) whatever the link looked like."""
    parts = urlsplit(url)
    path = posixpath.normpath(parts.path) if parts.path else "/"
    path = "/" + path.lstrip("/")
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _below(url: str, folder: str) -> bool:
    """``url`` is an http(s) URL on the same server as ``folder`` and inside it."""
    link, base = urlsplit(url), urlsplit(folder)
    if link.scheme.lower() not in ("http", "https") or link.netloc.lower() != base.netloc.lower():
        return False
    return unquote(link.path).startswith(unquote(base.path))


def _parse_date(text: str) -> datetime | None:
    """The first listing-style date found in ``text``, read as UTC (listings do not say)."""
    try:
        if match := _ISO_DATE.search(text):
            y, mo, d, h, mi, s = match.groups()
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=UTC)
        if (match := _NGINX_DATE.search(text)) and match.group(2).lower() in _MONTHS:
            d, mon, y, h, mi, s = match.groups()
            return datetime(int(y), _MONTHS[mon.lower()], int(d), int(h), int(mi), int(s or 0), tzinfo=UTC)
        if match := _US_DATE.search(text):
            mo, d, y, h, mi, s, half = match.groups()
            return datetime(int(y), int(mo), int(d), _hour(int(h), half), int(mi), int(s or 0), tzinfo=UTC)
        if (match := _LONG_DATE.search(text)) and match.group(1).lower() in _LONG_MONTHS:
            month, d, y, h, mi, s, half = match.groups()
            return datetime(
                int(y),
                _LONG_MONTHS[month.lower()],
                int(d),
                _hour(int(h), half),
                int(mi),
                int(s or 0),
                tzinfo=UTC,
            )
    except ValueError:
        return None
    return None


def _hour(hour: int, half: str | None) -> int:
    if half is None:
        return hour
    return hour % 12 + (12 if half.upper() == "PM" else 0)


def _row_text(anchor: Any) -> str:
    """The text shown on the same line as a link: its table row, or its line of a ``<pre>``."""
    row = next(anchor.iterancestors("tr"), None)
    if row is not None:
        own = anchor.text_content()
        return " ".join(text for text in row.itertext() if text != own)
    previous = anchor.getprevious()
    before = (previous.tail if previous is not None else anchor.getparent().text) or ""
    after = anchor.tail or ""
    return before.rsplit("\n", 1)[-1] + " " + after.split("\n", 1)[0]


def scan_listing(content: bytes, listing_url: str, base_url: str, pattern: str = "*.xml") -> Listing:
    """The file links (matching ``pattern``) and sub-folder links of an HTML directory listing.

    Links are resolved against ``listing_url``. Kept: http(s) links on the same server,
    files under ``base_url`` and folders strictly below ``listing_url``. Dropped: parent
    directories, sort links (``?C=M;O=A``), other schemes (``file:``, ``javascript:``...),
    other servers. A file's identifier is its path relative to ``base_url``.
    """
    if not content.strip():
        raise ProtocolViolation(f"{listing_url}: empty directory listing")
    try:
        document = lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError) as err:
        raise ProtocolViolation(f"{listing_url}: not an HTML directory listing: {err}") from err
    base_url, listing_url = directory_url(base_url), _normalised(directory_url(listing_url))
    base_path = unquote(urlsplit(base_url).path)
    files: dict[str, ListingEntry] = {}
    folders: dict[str, None] = {}
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(listing_url, href)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            continue
        url = _normalised(url)
        parts = urlsplit(url)
        if parts.query:
            continue
        if parts.path.endswith("/"):
            if _below(url, listing_url) and url != listing_url:
                folders.setdefault(url)
            continue
        name = unquote(posixpath.basename(parts.path))
        if not fnmatch.fnmatchcase(name.lower(), pattern.lower()) or not _below(url, base_url):
            continue
        identifier = unquote(parts.path)[len(base_path) :]
        if identifier in files:
            continue
        shown = " ".join(_row_text(anchor).split())
        modified = _parse_date(shown)
        files[identifier] = ListingEntry(url, identifier, modified, shown if modified else None)
    return Listing(list(files.values()), list(folders))


class ConditionalFetcher:
    """``fetch`` by conditional GET, keeping ``state.validators`` up to date.

    ``gather`` must call :meth:`_remember` with the run's state: ``fetch`` reads the
    validators of the previous run there and writes the new ones back.
    """

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        self._state = GatherState()

    def _remember(self, state: GatherState) -> None:
        self._state = state

    def fetch(self, ref: RecordRef) -> RawRecord:
        if not ref.url:
            raise ProtocolViolation(f"{ref.identifier}: no URL to fetch")
        previous = dict(self._state.validators.get(ref.identifier, {}))
        fetched = self.http.get(ref.url, validators=previous)
        if fetched.not_modified:
            if not previous:
                raise ProtocolViolation(f"GET {ref.url}: 304 Not Modified to an unconditional request")
            validators = {**previous, **fetched.validators}
            self._state.validators[ref.identifier] = validators
            return RawRecord(ref.identifier, b"", url=fetched.url, validators=validators, not_modified=True)
        validators = fetched.validators
        if validators:
            self._state.validators[ref.identifier] = validators
        else:
            self._state.validators.pop(ref.identifier, None)
        return RawRecord(ref.identifier, fetched.content, url=fetched.url, validators=validators)


class WafHarvester(ConditionalFetcher):
    """Every file matching ``pattern`` in a web-accessible folder, recursively by default.

    The identifier is the file's path relative to the source URL (``sub/record.xml``).
    """

    protocol: ClassVar[str] = "waf"
    incremental: ClassVar[bool] = False
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "pattern": {"type": "string", "minLength": 1},
            "recursive": {"type": "boolean"},
            "max_depth": {"type": "integer", "minimum": 0, "maximum": 50},
        },
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        super().__init__(http)
        self.source = source
        self.base = directory_url(source.url)
        self.pattern = str(source.options.get("pattern", "*.xml"))
        self.recursive = bool(source.options.get("recursive", True))
        self.max_depth = int(source.options.get("max_depth", 5))

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        self._remember(state)
        state.complete = True
        yield from self._walk(self.base)

    def _walk(self, root: str) -> Iterator[RecordRef]:
        """Breadth-first over the folders; a listing that cannot be read raises."""
        seen_files: set[str] = set()
        seen_folders = {_normalised(root)}
        queue = [(root, 0)]
        while queue:
            folder, depth = queue.pop(0)
            fetched = self.http.get(folder, accept="text/html")
            listing = scan_listing(fetched.content, fetched.url, self.base, self.pattern)
            for entry in listing.files:
                if entry.identifier in seen_files:
                    continue
                seen_files.add(entry.identifier)
                yield RecordRef(
                    identifier=entry.identifier,
                    url=entry.url,
                    modified=entry.modified,
                    validators={LISTING_ROW: entry.shown} if entry.shown else {},
                )
            if self.recursive and depth < self.max_depth:
                for sub in listing.folders:
                    if sub not in seen_folders:
                        seen_folders.add(sub)
                        queue.append((sub, depth + 1))
