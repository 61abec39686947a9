"""THREDDS Data Server: the ncISO record of every dataset of a catalog tree.

The source URL is a ``catalog.xml`` (InvCatalog 1.0). ``catalogRef`` links are followed
(relative ``xlink:href``, same server only, ``max_depth`` levels, each catalog once);
every dataset with a ``urlPath`` (attribute or ``access`` element) gives one record at
``{ISO service base}{urlPath}``, the ISO service being the catalog's
``service serviceType="ISO"`` (nested in a compound service or not; a catalog without
one uses its parent's). The identifier is the dataset's ``urlPath``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urldefrag, urljoin, urlsplit

from harvesters.waf import ConditionalFetcher
from odatis_csw.errors import UnsafeXMLError
from odatis_csw.harvest.base import GatherState, RecordRef
from odatis_csw.harvest.errors import ProtocolViolation
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source
from odatis_csw.safexml import parse_bytes

INV = "http://www.unidata.ucar.edu/namespaces/thredds/InvCatalog/v1.0"
XLINK = "http://www.w3.org/1999/xlink"
_CATALOG = f"{{{INV}}}catalog"
_SERVICE = f"{{{INV}}}service"
_DATASET = f"{{{INV}}}dataset"
_ACCESS = f"{{{INV}}}access"
_DATE = f"{{{INV}}}date"
_CATALOG_REF = f"{{{INV}}}catalogRef"


def _iso_base(root: Any, catalog_url: str) -> str | None:
    for service in root.iter(_SERVICE):
        if (service.get("serviceType") or "").strip().upper() == "ISO" and service.get("base"):
            return urljoin(catalog_url, service.get("base").strip())
    return None


def _url_path(dataset: Any) -> str | None:
    path = dataset.get("urlPath")
    if not path:
        access = next((a for a in dataset.findall(_ACCESS) if a.get("urlPath")), None)
        path = access.get("urlPath") if access is not None else None
    if not path:
        return None
    return path.strip().lstrip("/") or None


def _modified(dataset: Any) -> datetime | None:
    for date in dataset.findall(_DATE):
        if date.get("type") == "modified" and date.text:
            try:
                value = datetime.fromisoformat(date.text.strip())
            except ValueError:
                return None
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


class ThreddsHarvester(ConditionalFetcher):
    """The ncISO records of the datasets of a THREDDS catalog and its sub-catalogs."""

    protocol: ClassVar[str] = "thredds"
    incremental: ClassVar[bool] = False
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"max_depth": {"type": "integer", "minimum": 0, "maximum": 50}},
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        super().__init__(http)
        self.source = source
        self.catalog_url = urldefrag(source.url)[0]
        self.max_depth = int(source.options.get("max_depth", 5))

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        self._remember(state)
        state.complete = True
        server = urlsplit(self.catalog_url).netloc.lower()
        seen_catalogs = {self.catalog_url}
        seen_datasets: set[str] = set()
        queue: list[tuple[str, int, str | None]] = [(self.catalog_url, 0, None)]
        while queue:
            url, depth, parent_iso = queue.pop(0)
            fetched = self.http.get(url, accept="application/xml")
            root = self._parse(fetched.content, fetched.url)
            iso = _iso_base(root, fetched.url) or parent_iso
            for dataset in root.iter(_DATASET):
                path = _url_path(dataset)
                if path is None or path in seen_datasets:
                    continue
                if iso is None:
                    raise ProtocolViolation(
                        f'{fetched.url}: no ISO service (serviceType="ISO"): is ncISO enabled on this server?'
                    )
                seen_datasets.add(path)
                yield RecordRef(identifier=path, url=iso + quote(path, safe="/"), modified=_modified(dataset))
            if depth >= self.max_depth:
                continue
            for ref in root.iter(_CATALOG_REF):
                href = (ref.get(f"{{{XLINK}}}href") or "").strip()
                target = urldefrag(urljoin(fetched.url, href))[0] if href else ""
                parts = urlsplit(target)
                if parts.scheme not in ("http", "https") or parts.netloc.lower() != server:
                    continue
                if target not in seen_catalogs:
                    seen_catalogs.add(target)
                    queue.append((target, depth + 1, iso))

    def _parse(self, content: bytes, url: str) -> Any:
        try:
            root = parse_bytes(content, source=url, max_bytes=self.http.settings.max_bytes).getroot()
        except UnsafeXMLError as err:
            raise ProtocolViolation(f"not a THREDDS catalog: {err}") from err
        if root.tag != _CATALOG:
            raise ProtocolViolation(f"{url}: not a THREDDS InvCatalog 1.0 catalog (root element {root.tag})")
        return root
