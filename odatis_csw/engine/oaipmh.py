"""OAI-PMH paging fixed: resumption tokens that are exclusive, sufficient, opaque and stable.

pycsw's provider treats the token as a bare CSW start position, demands ``metadataPrefix``
beside it (so ``verb=ListRecords&resumptionToken=T`` answers ``badArgument``), forgets
``from``/``until``/``set`` on later pages, ignores ``set`` and miscounts ``cursor``.
Here the token carries the whole selective-harvest state, pages are ordered by
identifier, ``set`` filters, and ``cursor``/``completeListSize`` follow OAI-PMH 2.0 §3.5.

Harvested records deleted at their source are reported as deleted records (§2.5.1,
``deletedRecord`` persistent): GetRecord answers their header with ``status="deleted"``,
and ListRecords/ListIdentifiers list them after the live records, in pages of the
server's ``maxrecords`` that the token marks with ``deleted`` (an offset in that part).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pycsw import oaipmh
from pycsw.core import util

from odatis_csw.engine.oai_deleted import Tombstones, Window, window

PAGED_VERBS = ("ListRecords", "ListIdentifiers")
#: Arguments a token carries from the first page to the next ones.
CARRIED = ("metadataprefix", "from", "until", "set")
#: Arguments pycsw reads beside the OAI-PMH ones, never part of the request.
INTERNAL = ("verb", "mode", "config")
CAMEL_CASE = {"metadataprefix": "metadataPrefix", "resumptiontoken": "resumptionToken"}


class TokenError(ValueError):
    """A resumption token that this provider did not issue."""


def encode_token(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise TokenError(token) from err
    if (
        not isinstance(state, dict)
        or not _count(state.get("cursor"))
        or ("deleted" in state and not _count(state["deleted"]))
        or "metadataprefix" not in state
        or set(state) - {*CARRIED, "cursor", "deleted"}
    ):
        raise TokenError(token)
    return state


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


@dataclass
class PageRequest:
    """What one ListRecords/ListIdentifiers page asks for, or the error it deserves."""

    state: dict[str, Any] | None = None
    error: tuple[str, str] | None = None


class PagingOAIPMH(oaipmh.OAIPMH):  # type: ignore[misc]
    """pycsw's OAI-PMH provider with correct resumption-token paging and sets."""

    page: PageRequest | None = None

    def request(self, kvp: dict[str, str]) -> dict[str, Any]:
        verb = kvp.get("verb")
        if verb not in PAGED_VERBS:
            self.page = None
            return dict(super().request(kvp))
        self.page = self._page_request(kvp)
        if self.page.state is None:
            translated = dict(super().request({"verb": verb, "mode": "oaipmh"}))
            translated["maxrecords"] = 0  # the answer is an error; fetch nothing
            return translated
        state = self.page.state
        translated = dict(super().request({"verb": verb, "mode": "oaipmh", **_carried(state, "set")}))
        translated["startposition"] = state["cursor"] + 1
        if "deleted" in state:  # past the live records: fetch none of them
            translated["startposition"] = 1
            translated["maxrecords"] = 0
        translated["sortby"] = "dc:identifier:A"
        if "set" in state:
            set_filter = f"dc:type = '{self.metadata_sets[state['set']][1]}'"
            if "constraint" in translated:
                translated["constraint"] = f"{translated['constraint']} and {set_filter}"
            else:
                translated["constraintlanguage"] = "CQL_TEXT"
                translated["constraint"] = set_filter
        return translated

    def _page_request(self, kvp: dict[str, str]) -> PageRequest:
        arguments = {key: value for key, value in kvp.items() if key not in INTERNAL}
        if "resumptiontoken" in arguments:
            if len(arguments) > 1:
                return PageRequest(error=("badArgument", "resumptionToken is an exclusive argument"))
            try:
                state = decode_token(arguments["resumptiontoken"])
            except TokenError:
                return PageRequest(error=("badResumptionToken", "the resumptionToken is invalid or expired"))
        else:
            state = {**_carried(arguments), "cursor": 0}
        if "set" in state and state["set"] not in self.metadata_sets:
            return PageRequest(error=("badArgument", f"unknown set {state['set']!r}"))
        return PageRequest(state=state)

    def response(self, response: Any, kvp: dict[str, str], repository: Any, server_url: str) -> Any:
        node = self._response(response, kvp, repository, server_url)
        base_url = server_url.split("?", 1)[0]  # OAI-PMH §3.1.1: no query in the base URL
        for path in ("oai:request", "oai:Identify/oai:baseURL"):
            element = node.find(self._path(path))
            if element is not None:
                element.text = base_url
        self._protocol_errors(node, kvp.get("verb"))
        return node

    def _protocol_errors(self, node: Any, verb: str | None) -> None:
        """The error codes OAI-PMH 2.0 §3.6 requires where the engine answers otherwise."""
        if verb not in self.request_model:
            for error in node.findall(self._path("oai:error")):
                error.set("code", "badVerb")
                error.text = "missing verb" if verb is None else f"illegal verb {verb!r}"
        get_record = node.find(self._path("oai:GetRecord"))
        if get_record is not None and not len(get_record):
            node.remove(get_record)
            self._add_error(node, "idDoesNotExist", "no record has this identifier")
        codes = {error.get("code") for error in node.findall(self._path("oai:error"))}
        if codes & {"badVerb", "badArgument"}:  # §3.6: the request element then carries no attributes
            node.find(self._path("oai:request")).attrib.clear()

    def _response(self, response: Any, kvp: dict[str, str], repository: Any, server_url: str) -> Any:
        page = self.page
        verb = kvp.get("verb")
        if verb not in PAGED_VERBS or page is None:
            identifier = kvp.get("identifier")
            node = super().response(response, kvp, repository, server_url)
            if verb in ("Identify", "GetRecord"):
                tombstones = Tombstones.of(repository)
                if tombstones is not None and verb == "Identify":
                    self._declare_deletions(node, tombstones)
                elif tombstones is not None and identifier:
                    self._add_deleted_record(node, tombstones, identifier)
            return node
        if page.error is not None or page.state is None:
            node = super().response(response, {}, repository, server_url)
            for error in node.findall(self._path("oai:error")):
                node.remove(error)
            self._echo_request(node, kvp)
            code, text = page.error or ("badArgument", "bad request")
            self._add_error(node, code, text)
            return node
        state = page.state
        inner = {"verb": verb, "mode": "oaipmh", **_carried(state)}
        node = super().response(response, inner, repository, server_url)
        self._echo_request(node, kvp)
        verb_node = node.find(self._path(f"oai:{verb}"))
        if verb_node is None:  # the engine answered with an error already
            return node
        for stale in verb_node.findall(self._path("oai:resumptionToken")):
            verb_node.remove(stale)
        matched = int(response.xpath("//@numberOfRecordsMatched")[0])
        next_record = int(response.xpath("//@nextRecord")[0])
        returned = int(response.xpath("//@numberOfRecordsReturned")[0])
        cursor = state["cursor"]
        deleted = _deleted_part(repository, state)
        if "deleted" in state:
            return self._deleted_page(node, verb_node, state, deleted, listed=cursor, offset=state["deleted"])
        if deleted is None or deleted.total == 0:
            return self._live_only(node, verb_node, state, matched, next_record)
        if returned == 0:  # no live record (left) in this list: its deleted part starts here
            return self._deleted_page(node, verb_node, state, deleted, listed=cursor, offset=0)
        token = etree.SubElement(
            verb_node,
            self._path("oai:resumptionToken"),
            completeListSize=str(matched + deleted.total),
            cursor=str(cursor),
        )
        if next_record > 0:
            token.text = encode_token({**state, "cursor": next_record - 1})
        else:  # the live records end here; the deleted ones follow
            token.text = encode_token({**state, "cursor": cursor + returned, "deleted": 0})
        return node

    def _live_only(
        self, node: Any, verb_node: Any, state: dict[str, Any], matched: int, next_record: int
    ) -> Any:
        """A page of a list without deleted records."""
        if matched == 0:
            node.remove(verb_node)
            self._add_error(node, "noRecordsMatch", "no record matches the request")
            return node
        cursor = state["cursor"]
        if cursor == 0 and next_record == 0:
            return node  # one complete page: no token
        token = etree.SubElement(
            verb_node, self._path("oai:resumptionToken"), completeListSize=str(matched), cursor=str(cursor)
        )
        if next_record > 0:
            token.text = encode_token({**state, "cursor": next_record - 1})
        return node

    def _deleted_page(
        self,
        node: Any,
        verb_node: Any,
        state: dict[str, Any],
        deleted: DeletedPart | None,
        listed: int,
        offset: int,
    ) -> Any:
        """A page of deleted records from ``offset``, after ``listed`` live ones."""
        rows = deleted.tombstones.page(deleted.bounds, offset, self._page_size()) if deleted else []
        if deleted is None or not rows:
            node.remove(verb_node)
            self._add_error(node, "noRecordsMatch", "no record matches the request")
            return node
        for identifier, datestamp in rows:
            if verb_node.tag == self._path("oai:ListIdentifiers"):
                self._add_deleted_header(verb_node, identifier, datestamp)
            else:
                record = etree.SubElement(verb_node, self._path("oai:record"))
                self._add_deleted_header(record, identifier, datestamp)
        end = offset + len(rows)
        if listed == 0 and offset == 0 and end >= deleted.total:
            return node  # one complete page: no token
        token = etree.SubElement(
            verb_node,
            self._path("oai:resumptionToken"),
            completeListSize=str(listed + deleted.total),
            cursor=str(listed + offset),
        )
        if end < deleted.total:
            token.text = encode_token({**state, "cursor": listed, "deleted": end})
        return node

    def _page_size(self) -> int:
        """The engine's page size (pycsw: ``server.maxrecords``, 10 when unset)."""
        configured = int(self.config["server"].get("maxrecords", -1))
        return max(configured, 1) if configured > -1 else 10

    def _add_deleted_header(self, parent: Any, identifier: str, datestamp: str) -> None:
        header = etree.SubElement(parent, self._path("oai:header"), status="deleted")
        etree.SubElement(header, self._path("oai:identifier")).text = identifier
        etree.SubElement(header, self._path("oai:datestamp")).text = datestamp

    def _add_deleted_record(self, node: Any, tombstones: Tombstones, identifier: str) -> None:
        """GetRecord of a deleted record: its header, status deleted, and no metadata."""
        verb_node = node.find(self._path("oai:GetRecord"))
        if verb_node is None or len(verb_node):
            return  # an error, or a live record
        datestamp = tombstones.datestamp(identifier)
        if datestamp is not None:
            record = etree.SubElement(verb_node, self._path("oai:record"))
            self._add_deleted_header(record, identifier, datestamp)

    def _declare_deletions(self, node: Any, tombstones: Tombstones) -> None:
        """Identify: deletions are kept with no time limit; the earliest datestamp counts them."""
        identify = node.find(self._path("oai:Identify"))
        if identify is None:
            return
        identify.find(self._path("oai:deletedRecord")).text = "persistent"
        earliest = tombstones.earliest()
        stamp = identify.find(self._path("oai:earliestDatestamp"))
        if earliest is not None and (not stamp.text or earliest < stamp.text):
            stamp.text = earliest

    def _path(self, path: str) -> str:
        return str(util.nspath_eval(path, self.namespaces))

    def _echo_request(self, node: Any, kvp: dict[str, str]) -> None:
        request = node.find(self._path("oai:request"))
        request.attrib.clear()
        for key, value in kvp.items():
            if key not in ("mode", "config"):
                request.set(CAMEL_CASE.get(key, key), value)

    def _add_error(self, node: Any, code: str, text: str) -> None:
        etree.SubElement(node, self._path("oai:error"), code=code).text = text


@dataclass
class DeletedPart:
    """The deleted records a listing selects."""

    tombstones: Tombstones
    bounds: Window
    total: int


def _deleted_part(repository: Any, state: dict[str, Any]) -> DeletedPart | None:
    bounds = window(state)
    tombstones = Tombstones.of(repository) if bounds is not None else None
    if bounds is None or tombstones is None:
        return None
    return DeletedPart(tombstones, bounds, tombstones.count(bounds))


def _carried(arguments: dict[str, Any], *excluded: str) -> dict[str, Any]:
    return {key: arguments[key] for key in CARRIED if key in arguments and key not in excluded}
