"""Typed ``alternate`` links from each OGC API record to its other forms (ISO 19139, DCAT-AP, HTML).

Each record also links to the exact source document the catalogue keeps (CSW
GetRepositoryItem, titled "Source document as published") and, with ``rel: via``, to the
record at every source that publishes its dataset (the served one first), titled after the
source and its centre.

The DCAT-AP form (RDF/XML) is the item itself with ``f=dcat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from odatis_csw.store.datasets import Member

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
    """The record as ISO 19139 (CSW GetRecordById), as DCAT-AP and as an HTML page."""
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
        {"rel": "alternate", "type": "application/rdf+xml", "title": "DCAT-AP", "href": f"{item}?f=dcat"},
    ]


SOURCE_DOCUMENT = "Source document as published"


def source_document_link(
    base_url: str, identifier: str, media_type: str = "application/xml"
) -> dict[str, str]:
    """The exact document the record was read from, as the catalogue keeps it."""
    query = urlencode(
        {"service": "CSW", "version": "2.0.2", "request": "GetRepositoryItem", "id": identifier}
    )
    return {
        "rel": "alternate",
        "type": media_type,
        "title": SOURCE_DOCUMENT,
        "href": f"{base_url}/csw?{query}",
    }


def via_links(publishers: Sequence[Member]) -> list[dict[str, str]]:
    """One ``via`` link per source publishing the dataset, to the record there as it was harvested."""
    links = []
    for member in publishers:
        if not member.source_url:
            continue
        named = member.source_title or member.facts.source
        if member.centre and member.centre not in named:
            named = f"{named} ({member.centre})"
        role = "served record" if member.canonical else "also published by"
        links.append({"rel": "via", "href": member.source_url, "title": f"{role}: {named}"})
    return links


def add_feature_alternates(
    feature: dict[str, Any],
    base_url: str,
    publishers: Sequence[Member] | None = None,
    source_media_type: str | None = None,
) -> None:
    """Add the alternate, source document and ``via`` links (not already there) to one record."""
    if not isinstance(feature.get("id"), str):
        return
    links: list[Any] = feature.setdefault("links", [])
    present = {
        (link.get("rel"), link.get("type"), link.get("title")) for link in links if isinstance(link, dict)
    }
    wanted = alternate_links(base_url, feature["id"])
    if publishers:
        source = source_document_link(base_url, feature["id"], source_media_type or "application/xml")
        wanted += [source, *via_links(publishers)]
    typed = {(link.get("rel"), link.get("type")) for link in links if isinstance(link, dict)}
    for link in wanted:
        if link["title"] == SOURCE_DOCUMENT or link["rel"] == "via":
            if (link["rel"], link.get("type"), link["title"]) not in present:
                links.append(link)
        elif (link["rel"], link["type"]) not in typed:
            links.append(link)
