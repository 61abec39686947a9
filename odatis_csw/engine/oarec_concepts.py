"""What OGC API Records shows of a record's vocabularies: concept URIs and licence links.

``themes`` are rebuilt from the stored ``themes`` column, whose keywords may carry the URI of their
concept (``url``; the engine's own rendering drops it); the licence is linked (``rel: license``)
to its canonical URI, read from the anchors of the served ISO record's constraints, and named by
its SPDX identifier in ``properties.license`` when it has one.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from odatis_csw.mapping import vocab
from odatis_csw.safexml import safe_parser

_CONSTRAINT_ANCHORS = (
    "//*[local-name()='resourceConstraints']//*[local-name()='Anchor']"
    "/@*[local-name()='href' and namespace-uri()='http://www.w3.org/1999/xlink']"
)


def themes_of_row(row: Any) -> list[dict[str, Any]] | None:
    """The record's themes with each concept's URI, or None when the row has no readable themes."""
    try:
        groups = json.loads(row.themes) if row.themes else None
    except (TypeError, ValueError):
        return None
    if not isinstance(groups, list):
        return None
    themes = []
    for group in groups:
        thesaurus = group.get("thesaurus") if isinstance(group, dict) else None
        if not isinstance(thesaurus, dict):
            continue
        scheme = thesaurus.get("url") or thesaurus.get("title")
        concepts = [
            _concept(keyword)
            for keyword in group.get("keywords") or []
            if isinstance(keyword, dict) and isinstance(keyword.get("name"), str) and keyword["name"].strip()
        ]
        if isinstance(scheme, str) and scheme and concepts:
            themes.append({"scheme": scheme, "concepts": concepts})
    return themes


def _concept(keyword: dict[str, Any]) -> dict[str, str]:
    concept = {"id": " ".join(keyword["name"].split())}
    if isinstance(keyword.get("url"), str) and keyword["url"]:
        concept["url"] = keyword["url"]
    return concept


def licences_of_row(row: Any) -> list[vocab.Anchor]:
    """The canonical licences the served ISO record names in its constraints, in order."""
    xml = row.xml.encode("utf-8") if isinstance(row.xml, str) else row.xml
    try:
        hrefs = etree.fromstring(xml, safe_parser()).xpath(_CONSTRAINT_ANCHORS)
    except etree.XMLSyntaxError:
        return []
    found: list[vocab.Anchor] = []
    for href in hrefs:
        anchor = vocab.licence_anchor(str(href))
        if anchor is not None and anchor not in found:
            found.append(anchor)
    return found


def licence_links(licences: list[vocab.Anchor]) -> list[dict[str, str]]:
    return [{"rel": "license", "href": anchor.uri, "title": anchor.label} for anchor in licences]
