"""ERDDAP: the ISO 19115-2 record ERDDAP generates for each dataset.

The dataset list comes from ``{erddap}/tabledap/allDatasets.json?datasetID,iso19115``
(rows whose ``iso19115`` column is empty publish no ISO record, ``allDatasets`` itself
included); each record is ``{erddap}/metadata/iso19115/xml/{datasetID}_iso19115.xml``,
fetched by conditional GET. An ERDDAP too old for the ``iso19115`` column is asked
``?datasetID`` alone. With ``listing: waf`` the ISO folder's HTML listing is read instead.

The source URL is the server (``https://erddap.marine.ie``) or its ``/erddap`` root; the
identifier is the ERDDAP ``datasetID`` whichever listing is used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit, urlunsplit

from harvesters.waf import ConditionalFetcher, scan_listing
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation, SourceRefused
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source

ISO_SUFFIX = "_iso19115.xml"


def erddap_root(url: str) -> str:
    """``https://host/erddap`` from the server URL or from the ERDDAP root itself."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/erddap"):
        path += "/erddap"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def table_rows(content: bytes, url: str) -> list[dict[str, Any]]:
    """The rows of an ERDDAP ``.json`` table response, as dicts by column name."""
    try:
        table = json.loads(content)["table"]
        names = table["columnNames"]
        rows = table["rows"]
        if not isinstance(names, list) or not isinstance(rows, list):
            raise TypeError("columnNames and rows must be lists")
        return [dict(zip(names, row, strict=True)) for row in rows]
    except (ValueError, KeyError, TypeError) as err:
        raise ProtocolViolation(f"{url}: not an ERDDAP JSON table: {type(err).__name__}: {err}") from err


class ErddapHarvester(ConditionalFetcher):
    """The ISO 19115-2 records of an ERDDAP server, one per dataset."""

    protocol: ClassVar[str] = "erddap"
    incremental: ClassVar[bool] = False
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "datasets": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "uniqueItems": True,
            },
            "listing": {"enum": ["allDatasets", "waf"]},
        },
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        super().__init__(http)
        self.source = source
        self.root = erddap_root(source.url)
        self.iso_folder = f"{self.root}/metadata/iso19115/xml/"
        datasets = source.options.get("datasets")
        self.datasets = frozenset(datasets) if datasets else None
        self.listing = str(source.options.get("listing", "allDatasets"))

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        self._remember(state)
        state.complete = True
        found = self._from_waf() if self.listing == "waf" else self._from_all_datasets()
        for dataset_id, url in found:
            if self.datasets is None or dataset_id in self.datasets:
                yield RecordRef(identifier=dataset_id, url=url)

    def _iso_url(self, dataset_id: str) -> str:
        return f"{self.iso_folder}{quote(dataset_id, safe='')}{ISO_SUFFIX}"

    def _from_all_datasets(self) -> list[tuple[str, str]]:
        url = f"{self.root}/tabledap/allDatasets.json?datasetID,iso19115"
        try:
            fetched = self.http.get(url, accept="application/json")
            with_iso_column = True
        except SourceRefused:
            url = f"{self.root}/tabledap/allDatasets.json?datasetID"
            fetched = self.http.get(url, accept="application/json")
            with_iso_column = False
        found = []
        for row in table_rows(fetched.content, url):
            dataset_id = row.get("datasetID")
            if not isinstance(dataset_id, str) or not dataset_id:
                raise ProtocolViolation(f"{url}: a row without datasetID: {row!r}")
            if dataset_id == "allDatasets" or (with_iso_column and not row.get("iso19115")):
                continue
            found.append((dataset_id, self._iso_url(dataset_id)))
        return found

    def _from_waf(self) -> list[tuple[str, str]]:
        fetched = self.http.get(self.iso_folder, accept="text/html")
        listing = scan_listing(fetched.content, fetched.url, self.iso_folder, f"*{ISO_SUFFIX}")
        return [
            (entry.identifier.removesuffix(ISO_SUFFIX), entry.url)
            for entry in listing.files
            if "/" not in entry.identifier
        ]
