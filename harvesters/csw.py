"""CSW 2.0.2 and 3.0 catalogues: GetRecords pages, GetRecordById one by one when a page is unusable.

``gather`` POSTs GetRecords documents (built with lxml; filters and sort orders from OWSLib's
``fes``/``fes2``) through :class:`~odatis_csw.harvest.http.HttpClient`, and pages with
``startPosition``/``nextRecord``. Each record of a page is yielded with its payload, so ``fetch``
usually costs nothing.

- ``RecordRef.identifier`` is the record's own identifier (``gmd:fileIdentifier``,
  ``mdb:metadataIdentifier`` or ``dc:identifier``); ``RecordRef.url`` its GetRecordById URL.
- Pages are sorted on the identifier queryable by default (``sortby``), so that offsets are stable
  on back-ends that would otherwise page in no fixed order; ``sortby: null`` sends no sort order.
- Incremental: with a watermark, a ``modified >= watermark - 1 day`` filter is added (dates are
  compared as text by most servers, and dates without a time must not be missed) and the listing
  is marked incomplete, since a selective listing cannot tell deletions.
- ``state.checkpoint`` holds the position of the next record not yet handed out and a signature of
  the query; a checkpoint made by another query (other watermark, constraint...) is ignored.
- A page that fails (HTTP error, exception report, malformed XML, a record without identifier or
  of an unexpected kind) is listed again with identifiers only (``brief``, Dublin Core); its
  records are then yielded without payload and ``fetch`` brings each with GetRecordById, so one
  bad record is rejected alone. If the identifiers-only listing fails as well, the page fails:
  :class:`SourceRefused` when the server refused it, else :class:`ProtocolViolation`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from lxml import etree
from owslib import fes, fes2

from odatis_csw.errors import UnsafeXMLError
from odatis_csw.harvest.base import GatherState, RawRecord, RecordRef
from odatis_csw.harvest.errors import PayloadTooLarge, ProtocolViolation, SourceRefused
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source
from odatis_csw.safexml import parse_bytes

LOGGER = logging.getLogger(__name__)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_OR = re.compile(r"\bOR\b", re.IGNORECASE)

GMD = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
MDB = "http://standards.iso.org/iso/19115/-3/mdb/2.0"
CSW2 = "http://www.opengis.net/cat/csw/2.0.2"
CSW3 = "http://www.opengis.net/cat/csw/3.0"
NS = {
    "gmd": GMD,
    "gmi": GMI,
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "mdb": MDB,
    "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dct": "http://purl.org/dc/terms/",
    "apiso": "http://www.opengis.net/cat/csw/apiso/1.0",
    "ogc": "http://www.opengis.net/ogc",
    "fes": "http://www.opengis.net/fes/2.0",
}


@dataclass(frozen=True)
class Dialect:
    """What differs between CSW 2.0.2 and 3.0 for a harvester."""

    version: str
    csw: str
    constraint_version: str
    filters: Any
    wrapped_by_id: bool
    """GetRecordById answers wrap the record (2.0.2) or are the record itself (3.0)."""
    result_type: bool
    """GetRecords takes ``resultType`` (2.0.2; 3.0 dropped it and its schema refuses it)."""


DIALECTS = {
    "2.0.2": Dialect("2.0.2", CSW2, "1.1.0", fes, wrapped_by_id=True, result_type=True),
    "3.0.0": Dialect("3.0.0", CSW3, "2.0.0", fes2, wrapped_by_id=False, result_type=False),
}


@dataclass(frozen=True)
class RecordKind:
    """How to read one kind of record: accepted roots, identifier and modification date."""

    roots: frozenset[str]
    identifier: str
    modified: str


ISO19139 = RecordKind(
    frozenset({f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata"}),
    "gmd:fileIdentifier/*[self::gco:CharacterString or self::gmx:Anchor]",
    "gmd:dateStamp/*[self::gco:DateTime or self::gco:Date]",
)
ISO19115_3 = RecordKind(
    frozenset({f"{{{MDB}}}MD_Metadata"}),
    "mdb:metadataIdentifier/mcc:MD_Identifier/mcc:code/*",
    "mdb:dateInfo/cit:CI_Date[cit:dateType/*/@codeListValue='revision']/cit:date/*",
)
DUBLIN_CORE = RecordKind(
    frozenset(
        f"{{{ns}}}{name}" for ns in (CSW2, CSW3) for name in ("Record", "SummaryRecord", "BriefRecord")
    ),
    "dc:identifier",
    "dct:modified",
)
KINDS = (ISO19139, ISO19115_3, DUBLIN_CORE)
KIND_BY_ROOT = {root: kind for kind in KINDS for root in kind.roots}


@dataclass(frozen=True)
class Page:
    matched: int
    next_record: int
    refs: list[RecordRef | None]
    """One entry per position of the page; None where a record has no identifier (skipped)."""


class CswHarvester:
    """A CSW 2.0.2 or 3.0 catalogue, ISO 19139 (``gmd``) records by default."""

    protocol: ClassVar[str] = "csw"
    incremental: ClassVar[bool] = True
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "version": {"enum": ["2.0.2", "3.0.0"]},
            "outputschema": {"type": "string", "pattern": "^(gmd|csw|[a-z][a-z0-9+.-]*:.+)$"},
            "typenames": {"type": "string", "minLength": 1},
            "constraint": {"type": "string", "minLength": 1},
            "page_size": {"type": "integer", "minimum": 1, "maximum": 1000},
            "sortby": {"type": ["string", "null"], "minLength": 1},
        },
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        options = source.options
        self.source = source
        self.http = http
        self.url = source.url
        self.dialect = DIALECTS[str(options.get("version", "2.0.2"))]
        schema = str(options.get("outputschema", "gmd"))
        self.outputschema = {"gmd": GMD, "csw": self.dialect.csw}.get(schema, schema)
        iso = self.outputschema == GMD
        self.typenames = str(options.get("typenames", "gmd:MD_Metadata" if iso else "csw:Record"))
        self.constraint: str | None = options.get("constraint")
        self.page_size = int(options.get("page_size", 50))
        self.sortby: str | None = options.get("sortby", "apiso:Identifier" if iso else "dc:identifier")
        self.modified_queryable = "apiso:Modified" if iso else "dct:modified"
        self.expected_roots: frozenset[str] | None = {
            GMD: ISO19139.roots,
            self.dialect.csw: frozenset(
                r for r in DUBLIN_CORE.roots if r.startswith(f"{{{self.dialect.csw}}}")
            ),
        }.get(self.outputschema)

    # -- gather ---------------------------------------------------------------------------------

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        since = _since(state.watermark) if state.watermark is not None else None
        if since is not None:
            state.complete = False
        signature = "|".join(
            [self.dialect.version, self.outputschema, self.typenames, self.constraint or "", since or ""]
        )
        start = 1
        if state.checkpoint.get("query") == signature and isinstance(state.checkpoint.get("start"), int):
            start = max(1, state.checkpoint["start"])
        yielded: set[str] = set()
        while True:
            page = self._page(start, since)
            for offset, ref in enumerate(page.refs, start=1):
                state.checkpoint = {"start": start + offset, "query": signature}
                if ref is not None and ref.identifier not in yielded:
                    yielded.add(ref.identifier)
                    yield ref
            next_record = page.next_record
            if next_record == 0 or next_record > page.matched:
                break
            if next_record <= start:
                raise ProtocolViolation(
                    f"{self.url}: GetRecords at startPosition {start} answered nextRecord {next_record}: "
                    "the server does not advance"
                )
            start = next_record
            state.checkpoint = {"start": start, "query": signature}
        state.checkpoint = {}

    def _page(self, start: int, since: str | None) -> Page:
        """One page with payloads, or (when it is unusable) the same page with identifiers only."""
        try:
            return self._read_page(self.outputschema, "full", start, since)
        except (SourceRefused, PayloadTooLarge, ProtocolViolation) as err:
            failure = err
        LOGGER.warning(
            "%s: page at startPosition %d unusable (%s); listing identifiers only", self.url, start, failure
        )
        try:
            return self._read_page(self.dialect.csw, "brief", start, since)
        except (SourceRefused, ProtocolViolation) as err:
            message = (
                f"{self.url}: GetRecords page at startPosition {start} unusable, "
                f"full records: {failure.message}; identifiers only: {err.message}"
            )
            raise type(err)(message) from err

    def _read_page(self, outputschema: str, element_set: str, start: int, since: str | None) -> Page:
        body = self._getrecords(outputschema, element_set, start, since)
        fetched = self.http.post(self.url, body)
        where = f"GetRecords ({element_set}) at startPosition {start}"
        root = self._parse(fetched.content, where)
        results = root.find(f"{{{self.dialect.csw}}}SearchResults")
        if results is None:
            raise ProtocolViolation(f"{where}: no csw:SearchResults in a {etree.QName(root).localname}")
        matched = _int_attribute(results, "numberOfRecordsMatched", where)
        returned = [child for child in results if isinstance(child.tag, str)]
        default_next = start + len(returned) if returned else 0
        next_record = _int_attribute(results, "nextRecord", where, default_next)
        if element_set == "brief":
            refs = [self._brief_ref(record, where) for record in returned]
        else:
            refs = [self._full_ref(record, where) for record in returned]
        return Page(matched, next_record, refs)

    def _full_ref(self, record: etree._Element, where: str) -> RecordRef:
        if self.expected_roots is not None and record.tag not in self.expected_roots:
            raise ProtocolViolation(f"{where}: unexpected record element {record.tag}")
        kind = KIND_BY_ROOT.get(record.tag)
        identifier = _text(record, kind.identifier) if kind else None
        if not identifier:
            raise ProtocolViolation(f"{where}: a {record.tag} record has no identifier")
        modified = _datetime(_text(record, kind.modified)) if kind else None
        return RecordRef(
            identifier, self._by_id_url(identifier), modified=modified, payload=_standalone(record)
        )

    def _brief_ref(self, record: etree._Element, where: str) -> RecordRef | None:
        identifier = _text(record, "dc:identifier")
        if not identifier:
            LOGGER.warning("%s: %s: a record without dc:identifier is skipped", self.url, where)
            return None
        return RecordRef(identifier, self._by_id_url(identifier))

    def _getrecords(self, outputschema: str, element_set: str, start: int, since: str | None) -> bytes:
        csw = self.dialect.csw
        root = etree.Element(
            f"{{{csw}}}GetRecords",
            nsmap={"csw": csw, **{k: v for k, v in NS.items() if k in ("gmd", "gmi", "mdb", "apiso")}},
            service="CSW",
            version=self.dialect.version,
            startPosition=str(start),
            maxRecords=str(self.page_size),
            outputSchema=outputschema,
        )
        if self.dialect.result_type:
            root.set("resultType", "results")
        query = etree.SubElement(root, f"{{{csw}}}Query", typeNames=self.typenames)
        etree.SubElement(query, f"{{{csw}}}ElementSetName").text = element_set
        if self.constraint or since:
            holder = etree.SubElement(query, f"{{{csw}}}Constraint", version=self.dialect.constraint_version)
            if self.constraint:
                cql = self.constraint
                if since:
                    cql = f"{_and_operand(cql)} AND {self.modified_queryable} >= '{since}'"
                etree.SubElement(holder, f"{{{csw}}}CqlText").text = cql
            else:
                filters = self.dialect.filters
                holder.append(
                    filters.FilterRequest().setConstraint(
                        filters.PropertyIsGreaterThanOrEqualTo(self.modified_queryable, since)
                    )
                )
        if self.sortby:
            filters = self.dialect.filters
            query.append(filters.SortBy([filters.SortProperty(self.sortby, "ASC")]).toXML())
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    # -- fetch ----------------------------------------------------------------------------------

    def fetch(self, ref: RecordRef) -> RawRecord:
        if ref.payload is not None:
            return RawRecord(ref.identifier, ref.payload, url=ref.url)
        url = self._by_id_url(ref.identifier)
        where = f"{self.url}: GetRecordById {ref.identifier!r}"
        root = self._parse(self.http.get(url).content, where)
        if root.tag == f"{{{self.dialect.csw}}}GetRecordByIdResponse":
            records = [child for child in root if isinstance(child.tag, str)]
        elif self.dialect.wrapped_by_id:
            raise ProtocolViolation(f"{where}: answered a {root.tag}, not a csw:GetRecordByIdResponse")
        else:
            records = [root]
        if not records:
            raise ProtocolViolation(f"{where}: no record in the answer")
        record = records[0]
        if self.expected_roots is not None and record.tag not in self.expected_roots:
            raise ProtocolViolation(f"{where}: unexpected record element {record.tag}")
        return RawRecord(ref.identifier, _standalone(record), url=url)

    def _by_id_url(self, identifier: str) -> str:
        params = {
            "service": "CSW",
            "version": self.dialect.version,
            "request": "GetRecordById",
            "id": identifier,
            "outputSchema": self.outputschema,
            "elementSetName": "full",
        }
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(params)}"

    # -- answers --------------------------------------------------------------------------------

    def _parse(self, content: bytes, where: str) -> etree._Element:
        """The answer's root element; an exception report becomes :class:`SourceRefused`."""
        try:
            root = parse_bytes(content, source=where, max_bytes=self.http.settings.max_bytes).getroot()
        except UnsafeXMLError as err:
            raise ProtocolViolation(str(err)) from err
        if etree.QName(root).localname in ("ExceptionReport", "ServiceExceptionReport"):
            raise SourceRefused(f"{where}: {_exception_text(root)}")
        return root


def _exception_text(report: etree._Element) -> str:
    parts = []
    for exception in report.iter("{*}Exception", "{*}ServiceException"):
        code = exception.get("exceptionCode") or exception.get("code") or "exception"
        texts = [t.strip() for t in exception.itertext() if t.strip()]
        parts.append(f"{code}: {' '.join(texts)}" if texts else code)
    return "; ".join(parts) or "exception report without text"


def _standalone(record: etree._Element) -> bytes:
    """The record as a document of its own (namespaces declared above it come along)."""
    copy = etree.fromstring(etree.tostring(record))
    return bytes(etree.tostring(copy, xml_declaration=True, encoding="UTF-8"))


def _text(element: etree._Element, path: str) -> str | None:
    found = element.xpath(path, namespaces=NS)
    for node in found if isinstance(found, list) else []:
        value = node if isinstance(node, str) else (node.text or "")
        if value.strip():
            return value.strip()
    return None


def _int_attribute(element: etree._Element, name: str, where: str, default: int | None = None) -> int:
    value = element.get(name)
    if value is None and default is not None:
        return default
    try:
        return int(value or "")
    except ValueError:
        raise ProtocolViolation(f"{where}: {name}={value!r} is not an integer") from None


def _datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _and_operand(cql: str) -> str:
    """``cql`` ready to be ANDed: in parentheses only when it has an OR outside its literals.

    AND binds tighter than OR, and pycsw's CQL parser refuses parentheses: so they are only
    added where the meaning needs them.
    """
    return f"({cql})" if _OR.search(_LITERAL.sub("''", cql)) else cql


def _since(watermark: datetime) -> str:
    """The date to filter on: a day before the watermark, as a date, so no record is missed."""
    moment = watermark if watermark.tzinfo else watermark.replace(tzinfo=UTC)
    return (moment.astimezone(UTC) - timedelta(days=1)).date().isoformat()
