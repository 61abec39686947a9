"""Typed ``alternate`` links from each OGC API record to its other forms (ISO 19139, HTML).

No DCAT form is linked: the catalogue produces none (pygeometa 0.19 has a DCAT writer, but
it writes from its own MCF model, reads none of the stored ISO 19115-2/-3 or Dublin Core
records, and fails on or invents URIs for those it can read).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

GMD = "http://www.isotc211.org/2005/gmd"


def iso_record_query(identifier: str) -> dict[str, str]:
    """The CSW GetRecordById parameters that answer a record as ISO 19139."""
    return {
        "service": "CSW",
        "version": "2.0.2",
        "request": "GetRecordById",
        "id": identifier,
        "outputschema": GMD,
        "elementsetname": "full",
    }


def alternate_links(base_url: str, identifier: str) -> list[dict[str, str]]:
    """The record as ISO 19139 (CSW GetRecordById) and as an HTML page."""
    iso = urlencode(iso_record_query(identifier))
    item = f"{base_url}/collections/metadata:main/items/{quote(identifier, safe='')}"
    return [
        {
            "rel": "alternate",
            "type": "application/xml",
            "title": "ISO 19139 (gmd:MD_Metadata)",
            "href": f"{base_url}/csw?{iso}",
        },
        {"rel": "alternate", "type": "text/html", "title": "HTML page", "href": f"{item}?f=html"},
    ]


def add_feature_alternates(feature: dict[str, Any], base_url: str) -> None:
    """Add the alternate links (not already there) to one record (a GeoJSON feature)."""
    if not isinstance(feature.get("id"), str):
        return
    links: list[Any] = feature.setdefault("links", [])
    present = {(link.get("rel"), link.get("type")) for link in links if isinstance(link, dict)}
    for link in alternate_links(base_url, feature["id"]):
        if (link["rel"], link["type"]) not in present:
            links.append(link)
