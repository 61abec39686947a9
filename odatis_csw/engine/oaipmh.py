"""The catalogue's OAI-PMH 2.0 provider, answering from the records table in SQL.

Verbs are answered here (Identify, ListMetadataFormats, ListSets, GetRecord,
ListIdentifiers, ListRecords); arguments are checked in :mod:`oai_args`, formats live in
:mod:`oai_formats`, sets in :mod:`oai_sets`, tokens in :mod:`oai_paging`, deleted records
in :mod:`oai_deleted` and documents are written by :mod:`oai_response`. Lists give the
live records in identifier order, then the deleted ones, one bounded page at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from lxml import etree
from sqlalchemy import Table, inspect
from sqlalchemy.engine import Engine

from odatis_csw.config import Settings
from odatis_csw.engine import oai_args, oai_response
from odatis_csw.engine.oai_args import OaiError, OaiRequest
from odatis_csw.engine.oai_deleted import Tombstones
from odatis_csw.engine.oai_formats import FORMATS, Context, Format, conditions, dois_of
from odatis_csw.engine.oai_paging import DELETED, LIVE, ListState, decode
from odatis_csw.engine.oai_records import LiveRecords, datestamp
from odatis_csw.engine.oai_response import Response, add, header, record, resumption_token
from odatis_csw.engine.oai_sets import SetCatalogue, SetFilter, specs_of
from odatis_csw.store import identities
from odatis_csw.store.repository import open_repository

LOGGER = logging.getLogger(__name__)
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
#: Page size when ``server.maxrecords`` is not set.
DEFAULT_PAGE = 50


class OaiProvider:
    """OAI-PMH over one catalogue database; the database is opened on the first request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = str(settings.pycsw["server"]["url"]).split("?", 1)[0].rstrip("/") + "/oaipmh"
        configured = int(settings.pycsw["server"].get("maxrecords") or 0)
        self.page_size = configured if configured > 0 else DEFAULT_PAGE
        self._store: tuple[Engine, Table] | None = None
        self._identities = False
        self.verbs: dict[str, Callable[[OaiRequest, Response], None]] = {
            "Identify": self.identify,
            "ListMetadataFormats": self.list_metadata_formats,
            "ListSets": self.list_sets,
            "GetRecord": self.get_record,
            "ListIdentifiers": self.list_items,
            "ListRecords": self.list_items,
        }

    def answer(self, pairs: Iterable[tuple[str, str]]) -> bytes:
        """The response document to one request given as its (key, value) pairs."""
        try:
            request = oai_args.parse(pairs)
        except OaiError as err:
            return Response(self.base_url, {}).error(err.code, err.message).tostring()
        echoed = {"verb": request.verb, **request.arguments}
        response = Response(self.base_url, echoed)
        try:
            self.verbs[request.verb](request, response)
        except OaiError as err:
            return Response(self.base_url, echoed).error(err.code, err.message).tostring()
        return response.tostring()

    # -- the database ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        return self._open()[0]

    @property
    def table(self) -> Table:
        return self._open()[1]

    def _open(self) -> tuple[Engine, Table]:
        if self._store is None:
            repository = open_repository(self.settings.database, self.settings.table)
            self._store = (repository.engine, repository.dataset.__table__)
        return self._store

    @property
    def records(self) -> LiveRecords:
        return LiveRecords(self.engine, self.table)

    def tombstones(self) -> Tombstones | None:
        return Tombstones.of(self.engine, self.table)

    def has_identities(self) -> bool:
        """Whether the database has the table of DOIs (``db setup`` creates it; never dropped)."""
        if not self._identities:
            self._identities = inspect(self.engine).has_table(identities.identities.name)
        return self._identities

    def formats(self) -> dict[str, Format]:
        """The formats this database can serve (``datacite`` needs the identities table)."""
        if self.has_identities():
            return FORMATS
        return {prefix: fmt for prefix, fmt in FORMATS.items() if prefix != "datacite"}

    def format(self, prefix: str) -> Format:
        fmt = self.formats().get(prefix)
        if fmt is None:
            raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not served here")
        return fmt

    def sets(self) -> SetCatalogue:
        tombstones = self.tombstones()
        return SetCatalogue(
            self.records.distinct,
            tombstones.sources if tombstones is not None else list,
            self.table,
            self.settings.sources_path,
        )

    # -- verbs ----------------------------------------------------------------------------------

    def identify(self, request: OaiRequest, response: Response) -> None:
        config = self.settings.pycsw["metadata"]
        tombstones = self.tombstones()
        stamps = [self.records.earliest(), tombstones.earliest() if tombstones is not None else None]
        earliest = min((stamp for stamp in stamps if stamp), default=oai_response.now())
        verb = response.verb("Identify")
        add(verb, "repositoryName", str(config["identification"]["title"]))
        add(verb, "baseURL", self.base_url)
        add(verb, "protocolVersion", "2.0")
        add(verb, "adminEmail", str(config["contact"]["email"]))
        add(verb, "earliestDatestamp", earliest)
        add(verb, "deletedRecord", "persistent" if tombstones is not None else "no")
        add(verb, "granularity", GRANULARITY)

    def list_metadata_formats(self, request: OaiRequest, response: Response) -> None:
        formats = list(self.formats().values())
        identifier = request.get("identifier")
        if identifier is not None:
            formats = self._formats_of(identifier, formats)
        if not formats:
            raise OaiError("noMetadataFormats", "no metadata format is available for this item")
        verb = response.verb("ListMetadataFormats")
        for fmt in formats:
            element = add(verb, "metadataFormat")
            add(element, "metadataPrefix", fmt.prefix)
            add(element, "schema", fmt.schema)
            add(element, "metadataNamespace", fmt.namespace)

    def _formats_of(self, identifier: str, formats: list[Format]) -> list[Format]:
        if not self.records.exists(identifier, []):
            tombstones = self.tombstones()
            if tombstones is not None and tombstones.get(identifier) is not None:
                return formats  # a deleted record answers GetRecord in every format
            raise OaiError("idDoesNotExist", f"no item has the identifier {identifier!r}")
        return [fmt for fmt in formats if self.records.exists(identifier, conditions(fmt, self.table))]

    def list_sets(self, request: OaiRequest, response: Response) -> None:
        if request.get("resumptionToken") is not None:
            raise OaiError("badResumptionToken", "ListSets answers in one page: no token was issued")
        listed = self.sets().sets()
        if not listed:
            raise OaiError("noSetHierarchy", "the repository holds no record, hence no set")
        verb = response.verb("ListSets")
        for found in listed:
            element = add(verb, "set")
            add(element, "setSpec", found.spec)
            add(element, "setName", found.name)

    def get_record(self, request: OaiRequest, response: Response) -> None:
        identifier, fmt = str(request.get("identifier")), self.format(str(request.get("metadataPrefix")))
        row = self.records.get(identifier)
        if row is None:
            tombstones = self.tombstones()
            gone = tombstones.get(identifier) if tombstones is not None else None
            if gone is None:
                raise OaiError("idDoesNotExist", f"no item has the identifier {identifier!r}")
            record(response.verb("GetRecord"), identifier, gone.datestamp, specs_of(gone.source, None), None)
            return
        metadata = None
        if self.records.exists(identifier, conditions(fmt, self.table)):
            dois = dois_of(self.engine, [identifier]) if self.has_identities() else {}
            metadata = fmt.render(row, Context(dois.get(identifier, []), self.base_url))
        if metadata is None:
            raise OaiError("cannotDisseminateFormat", f"item {identifier!r} is not available as {fmt.prefix}")
        record(response.verb("GetRecord"), identifier, datestamp(row.insert_date), _specs(row), metadata)

    def list_items(self, request: OaiRequest, response: Response) -> None:
        token = request.get("resumptionToken")
        if token is not None:
            state = decode(token)
        else:
            args = request.arguments
            state = ListState(
                str(args["metadataPrefix"]), args.get("from"), args.get("until"), args.get("set")
            )
        fmt = self.format(state.prefix)
        Page(self, request.verb, state, fmt).write(response)


def _specs(row: Any) -> list[str]:
    return specs_of(row.mdsource, row.type)


class Page:
    """One page of a ListIdentifiers or ListRecords list."""

    def __init__(self, provider: OaiProvider, verb: str, state: ListState, fmt: Format) -> None:
        self.provider = provider
        self.verb = verb
        self.state = state
        self.fmt = fmt
        self.bounds = oai_args.window(state.start, state.end)
        selection = self._set_filter()
        table = provider.table
        extra = conditions(fmt, table) + (selection.live if selection else [])
        self.live = provider.records.conditions(self.bounds, extra)
        tombstones = provider.tombstones()
        self.sources = selection.deleted_sources if selection else None
        wanted = self.sources is None or len(self.sources) > 0
        self.tombstones = tombstones if wanted else None

    def _set_filter(self) -> SetFilter | None:
        if self.state.set is None:
            return None
        sets = self.provider.sets()
        selection = sets.filter(self.state.set)
        if selection is None:
            if not sets.sets():
                raise OaiError("noSetHierarchy", "the repository holds no record, hence no set")
            raise OaiError("noRecordsMatch", f"there is no set {self.state.set!r}")
        return selection

    def write(self, response: Response) -> None:
        live_total = self.provider.records.count(self.live)
        deleted_total = self.tombstones.count(self.bounds, self.sources) if self.tombstones else 0
        total = live_total + deleted_total
        if total == 0:
            raise OaiError("noRecordsMatch", "no record matches the request")
        verb = etree.Element(oai_response.q(self.verb))
        size = room = self.provider.page_size
        state, following = self.state, None
        if state.part == LIVE:
            rows = self.provider.records.page(self.live, state.after, size + 1, self.verb == "ListRecords")
            self._live(verb, rows[:size])
            if len(rows) > size:
                following = replace(state, cursor=state.cursor + size, after=rows[size - 1].identifier)
            else:  # the live records end on this page: the deleted ones fill the rest
                room = size - len(rows)
                state = replace(state, cursor=state.cursor + len(rows), part=DELETED, after=None)
        if following is None and self.tombstones is not None and deleted_total:
            if room == 0:
                following = state
            else:
                gone = self.tombstones.page(self.bounds, state.after, room + 1, self.sources)
                self._deleted(verb, gone[:room])
                if len(gone) > room:
                    following = replace(state, cursor=state.cursor + room, after=gone[room - 1].identifier)
        if not len(verb):
            raise OaiError("noRecordsMatch", "no record is left in this list")
        if self.state.cursor or following is not None:
            resumption_token(verb, following.encode() if following else None, total, self.state.cursor)
        response.root.append(verb)

    def _live(self, verb: etree._Element, rows: list[Any]) -> None:
        dois = {}
        if self.verb == "ListRecords" and self.provider.has_identities():
            dois = dois_of(self.provider.engine, [row.identifier for row in rows])
        for row in rows:
            stamp, specs = datestamp(row.insert_date), _specs(row)
            if self.verb == "ListIdentifiers":
                header(verb, row.identifier, stamp, specs)
                continue
            metadata = self.fmt.render(row, Context(dois.get(row.identifier, []), self.provider.base_url))
            if metadata is None:
                LOGGER.warning("record %s cannot be written as %s", row.identifier, self.fmt.prefix)
                continue
            record(verb, row.identifier, stamp, specs, metadata)

    def _deleted(self, verb: etree._Element, gone: list[Any]) -> None:
        for item in gone:
            specs = specs_of(item.source, None)
            if self.verb == "ListIdentifiers":
                header(verb, item.identifier, item.datestamp, specs, deleted=True)
            else:
                record(verb, item.identifier, item.datestamp, specs, None)
