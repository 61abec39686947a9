"""OAI-PMH paging fixed: resumption tokens that are exclusive, sufficient, opaque and stable.

pycsw's provider treats the token as a bare CSW start position, demands ``metadataPrefix``
beside it (so ``verb=ListRecords&resumptionToken=T`` answers ``badArgument``), forgets
``from``/``until``/``set`` on later pages, ignores ``set`` and miscounts ``cursor``.
Here the token carries the whole selective-harvest state, pages are ordered by
identifier, ``set`` filters, and ``cursor``/``completeListSize`` follow OAI-PMH 2.0 §3.5.
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
        or not isinstance(state.get("cursor"), int)
        or state["cursor"] < 0
        or "metadataprefix" not in state
        or set(state) - {*CARRIED, "cursor"}
    ):
        raise TokenError(token)
    return state


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
        return node

    def _response(self, response: Any, kvp: dict[str, str], repository: Any, server_url: str) -> Any:
        page = self.page
        if kvp.get("verb") not in PAGED_VERBS or page is None:
            return super().response(response, kvp, repository, server_url)
        if page.error is not None or page.state is None:
            node = super().response(response, {}, repository, server_url)
            for error in node.findall(self._path("oai:error")):
                node.remove(error)
            self._echo_request(node, kvp)
            code, text = page.error or ("badArgument", "bad request")
            self._add_error(node, code, text)
            return node
        inner = {"verb": kvp["verb"], "mode": "oaipmh", **_carried(page.state)}
        node = super().response(response, inner, repository, server_url)
        self._echo_request(node, kvp)
        verb_node = node.find(self._path(f"oai:{kvp['verb']}"))
        if verb_node is None:  # the engine answered with an error already
            return node
        for stale in verb_node.findall(self._path("oai:resumptionToken")):
            verb_node.remove(stale)
        matched = int(response.xpath("//@numberOfRecordsMatched")[0])
        next_record = int(response.xpath("//@nextRecord")[0])
        if matched == 0:
            node.remove(verb_node)
            self._add_error(node, "noRecordsMatch", "no record matches the request")
            return node
        cursor = page.state["cursor"]
        if cursor == 0 and next_record == 0:
            return node  # one complete page: no token
        token = etree.SubElement(
            verb_node, self._path("oai:resumptionToken"), completeListSize=str(matched), cursor=str(cursor)
        )
        if next_record > 0:
            token.text = encode_token({**page.state, "cursor": next_record - 1})
        return node

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


def _carried(arguments: dict[str, Any], *excluded: str) -> dict[str, Any]:
    return {key: arguments[key] for key in CARRIED if key in arguments and key not in excluded}
