"""OAI-PMH 2.0 sources: the protocol through sickle, every request through our HttpClient.

sickle builds the requests and follows resumption tokens; :class:`_Sickle` sends them with
:class:`~odatis_csw.harvest.http.HttpClient` (timeouts, retries, size limit, http(s) only)
and parses answers with the hardened parser. OAI-PMH errors become the typed exceptions
below through :data:`OAI_ERRORS`, before sickle would look them up by name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import ClassVar

import requests
from lxml import etree
from sickle import Sickle
from sickle.iterator import OAIResponseIterator
from sickle.response import OAIResponse

from odatis_csw.errors import UnsafeXMLError
from odatis_csw.harvest.base import GatherState, RawRecord, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation, SourceRefused
from odatis_csw.harvest.http import Fetched, HttpClient
from odatis_csw.harvest.sources import Source
from odatis_csw.safexml import parse_bytes, safe_parser

LOGGER = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
DAY = "YYYY-MM-DD"
SECOND = "YYYY-MM-DDThh:mm:ssZ"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?$"


class OaiError(SourceRefused):
    """The source answered an OAI-PMH error; ``oai_code`` is the code it sent."""

    oai_code: str = "undefined"

    def __init__(self, message: str, oai_code: str | None = None) -> None:
        super().__init__(message)
        if oai_code is not None:
            self.oai_code = oai_code
        self.code = f"oai:{self.oai_code}"


class BadArgument(OaiError):
    oai_code = "badArgument"


class BadResumptionToken(OaiError):
    oai_code = "badResumptionToken"


class BadVerb(OaiError):
    oai_code = "badVerb"


class CannotDisseminateFormat(OaiError):
    oai_code = "cannotDisseminateFormat"


class IdDoesNotExist(OaiError):
    oai_code = "idDoesNotExist"


class NoRecordsMatch(OaiError):
    """Not a failure for a listing: ``gather`` turns it into an empty listing."""

    oai_code = "noRecordsMatch"


class NoSetHierarchy(OaiError):
    oai_code = "noSetHierarchy"


class NoMetadataFormats(OaiError):
    oai_code = "noMetadataFormats"


#: OAI-PMH 2.0 §3.6 error codes → exception classes; any other code raises :class:`OaiError`.
OAI_ERRORS: dict[str, type[OaiError]] = {
    "badArgument": BadArgument,
    "badResumptionToken": BadResumptionToken,
    "badVerb": BadVerb,
    "cannotDisseminateFormat": CannotDisseminateFormat,
    "idDoesNotExist": IdDoesNotExist,
    "noRecordsMatch": NoRecordsMatch,
    "noSetHierarchy": NoSetHierarchy,
    "noMetadataFormats": NoMetadataFormats,
}


def _oai(name: str) -> str:
    return f"{{{OAI}}}{name}"


class _Response(OAIResponse):  # type: ignore[misc]
    """An answer read through HttpClient, parsed once with the hardened parser."""

    def __init__(self, fetched: Fetched, params: dict[str, str], max_bytes: int) -> None:
        super().__init__(fetched, params)
        try:
            root = parse_bytes(fetched.content, source=fetched.url, max_bytes=max_bytes).getroot()
        except UnsafeXMLError as err:
            raise ProtocolViolation(f"{fetched.url}: {err.user_msg}") from err
        if root.tag != _oai("OAI-PMH"):
            raise ProtocolViolation(f"{fetched.url}: not an OAI-PMH answer (root element {root.tag})")
        self._root = root

    @property
    def raw(self) -> str:
        return self.http_response.content.decode("utf-8", "replace")  # type: ignore[no-any-return]

    @property
    def xml(self) -> etree._Element:
        return self._root

    def raise_error(self) -> None:
        error = self._root.find(_oai("error"))
        if error is None:
            return
        code = error.get("code", "")
        text = " ".join((error.text or "").split())
        verb = self.params.get("verb", "?")
        raise OAI_ERRORS.get(code, OaiError)(f"{verb}: OAI-PMH error {code or '(no code)'}: {text}", code)


class _Sickle(Sickle):  # type: ignore[misc]
    """sickle with its HTTP replaced by HttpClient and its errors by :data:`OAI_ERRORS`."""

    def __init__(self, endpoint: str, http: HttpClient) -> None:
        super().__init__(endpoint, iterator=OAIResponseIterator)
        self.http = http

    def harvest(self, **kwargs: str) -> _Response:
        fetched = self.http.get(self.endpoint, params=kwargs, accept="text/xml, application/xml")
        response = _Response(fetched, kwargs, self.http.settings.max_bytes)
        response.raise_error()
        return response


def parse_datestamp(text: str | None) -> datetime | None:
    """An OAI datestamp (day or second granularity, as sent in the wild) as a UTC datetime."""
    if not text or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def standalone(element: etree._Element) -> bytes:
    """Serialise ``element`` as a document of its own, keeping every prefix it may use in values."""
    copy = etree.fromstring(etree.tostring(element), safe_parser())
    etree.cleanup_namespaces(copy, keep_ns_prefixes=[prefix for prefix in copy.nsmap if prefix])
    return bytes(etree.tostring(copy, xml_declaration=True, encoding="UTF-8"))


class OaiPmhHarvester:
    """ListRecords with resumption tokens; a checkpoint per page; ``from`` for incremental runs."""

    protocol: ClassVar[str] = "oaipmh"
    incremental: ClassVar[bool] = True
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "metadata_prefix": {"enum": ["iso19139", "oai_dc", "oai_datacite", "datacite"]},
            "set": {"type": "string", "minLength": 1},
            "from": {"type": "string", "pattern": _DATE},
            "until": {"type": "string", "pattern": _DATE},
        },
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        self.source = source
        self.http = http
        self.client = _Sickle(source.url, http)
        self.prefix = str(source.options.get("metadata_prefix", "iso19139"))

    # -- listing -------------------------------------------------------------

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        listing = self._listing(state.watermark)
        if "from" in listing or "until" in listing:
            state.complete = False
        pages = self._first_page(listing, state)
        if pages is None:  # noRecordsMatch: an empty listing
            state.checkpoint = {}
            return
        seen: set[str] = set()
        for response in pages:
            token = pages.resumption_token
            yield from self._refs(response, "ListRecords")
            if token is not None and token.token:
                if token.token in seen:
                    raise ProtocolViolation(f"{self.source.url}: resumption token {token.token!r} repeated")
                seen.add(token.token)
                # every record of this page was handed out: an interrupted run resumes after it
                state.checkpoint = {"listing": listing, "resumptionToken": token.token}
        state.checkpoint = {}

    def _first_page(self, listing: dict[str, str], state: GatherState) -> OAIResponseIterator | None:
        token = state.checkpoint.get("resumptionToken")
        if token and state.checkpoint.get("listing") == listing:
            try:
                return self.client.ListRecords(resumptionToken=token)
            except BadResumptionToken:
                LOGGER.warning("%s: resumption token refused, listing again from the start", self.source.name)
            except NoRecordsMatch:
                return None
        state.checkpoint = {}
        try:
            return self.client.ListRecords(**listing)
        except NoRecordsMatch:
            return None

    def _listing(self, watermark: datetime | None) -> dict[str, str]:
        """The arguments of the first ListRecords request."""
        listing = {"metadataPrefix": self.prefix}
        if "set" in self.source.options:
            listing["set"] = str(self.source.options["set"])
        floor = self.source.options.get("from")
        until = self.source.options.get("until")
        if watermark is None and floor is None and until is None:
            return listing
        granularity = self._granularity
        if watermark is not None:
            stamp = watermark.replace(tzinfo=UTC) if watermark.tzinfo is None else watermark.astimezone(UTC)
            # a configured ``from`` is a floor: an incremental run starts at the later of the two
            if floor is None or stamp > _parse_option(str(floor)):
                floor = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        if floor is not None:
            listing["from"] = _in_granularity(str(floor), granularity)
        if until is not None:
            listing["until"] = _in_granularity(str(until), granularity)
        return listing

    @cached_property
    def _granularity(self) -> str:
        identify = self.client.Identify()
        value = str(getattr(identify, "granularity", DAY)).strip()
        return SECOND if value == SECOND else DAY

    def _refs(self, response: _Response, verb: str) -> Iterator[RecordRef]:
        container = response.xml.find(_oai(verb))
        if container is None:
            raise ProtocolViolation(f"{self.source.url}: {verb} answer without a {verb} element")
        for record in container.iterfind(_oai("record")):
            ref = self._ref(record)
            if ref is not None:
                yield ref

    def _ref(self, record: etree._Element) -> RecordRef | None:
        header = record.find(_oai("header"))
        identifier = (header.findtext(_oai("identifier")) or "").strip() if header is not None else ""
        if header is None or not identifier:
            LOGGER.warning("%s: a record without header identifier is skipped", self.source.name)
            return None
        modified = parse_datestamp(header.findtext(_oai("datestamp")))
        url = self._get_record_url(identifier)
        if header.get("status") == "deleted":
            return RecordRef(identifier, url=url, modified=modified, deleted=True)
        metadata = record.find(_oai("metadata"))
        content = [child for child in metadata if isinstance(child.tag, str)] if metadata is not None else []
        payload = standalone(content[0]) if content else None
        return RecordRef(identifier, url=url, modified=modified, payload=payload)

    def _get_record_url(self, identifier: str) -> str:
        params = {"verb": "GetRecord", "metadataPrefix": self.prefix, "identifier": identifier}
        return str(requests.Request("GET", self.source.url, params=params).prepare().url)

    # -- one record ------------------------------------------------------------

    def fetch(self, ref: RecordRef) -> RawRecord:
        if ref.payload is not None:
            return RawRecord(ref.identifier, ref.payload, url=ref.url, validators=dict(ref.validators))
        response = self.client.harvest(
            verb="GetRecord", metadataPrefix=self.prefix, identifier=ref.identifier
        )
        refs = list(self._refs(response, "GetRecord"))
        if len(refs) != 1:
            raise ProtocolViolation(f"GetRecord {ref.identifier}: {len(refs)} records in the answer")
        found = refs[0]
        if found.deleted:
            raise SourceRefused(f"GetRecord {ref.identifier}: the source now reports the record deleted")
        if found.payload is None:
            raise ProtocolViolation(f"GetRecord {ref.identifier}: record without metadata")
        return RawRecord(ref.identifier, found.payload, url=ref.url or found.url)


def _parse_option(value: str) -> datetime:
    parsed = parse_datestamp(value)
    if parsed is None:  # the options schema admits only dates and UTC times
        raise ValueError(f"not an OAI-PMH date: {value!r}")
    return parsed


def _in_granularity(value: str, granularity: str) -> str:
    """A date or UTC time the source accepts: every source takes days, only some take seconds."""
    return value[:10] if granularity == DAY else value
