"""The engine's OGC API - Records documents made to say what the approved standard asks.

* :data:`CONFORMANCE_CLASSES`: what this read-only searchable catalogue implements;
* :func:`fix_collection`: ``"type": "Collection"`` (the engine says ``catalog``), ``crs`` as an
  array, the OGC link relations, a link to the sortables;
* :func:`fix_record`: the record's ``time`` from its stored temporal extent (see
  :mod:`odatis_csw.engine.oarec_time`), ``created``/``updated`` as RFC 3339 date-times, the
  members the Records schema types otherwise (``language``, ``contacts``, ``themes``, links
  without ``rel``) made valid, the true geometry of boxes crossing the antimeridian;
* :func:`sortables`: the JSON schema of the sortable properties.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shapely import wkt as shapely_wkt
from shapely.geometry import mapping

from odatis_csw.engine import antimeridian, oarec_concepts
from odatis_csw.engine.oarec_time import date_time_property, record_time

RECORDS = "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf"
FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"
FILTERING = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
COMMON = "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"

#: Conformance classes: OGC API - Records - Part 1 1.0 (its building blocks and the
#: "searchable catalog" deployment with its sorting and filtering variants: the standard
#: names those two both ``searchable-catalog-sorting`` (requirement and abstract test) and
#: ``searchable-catalog/sorting`` (class identifier), so both are declared), the pre-approval
#: ``core`` class older clients look for, and the OGC API - Common, Features and CQL2 classes
#: the API implements. No write class (Features Part 4): the catalogue is read-only.
CONFORMANCE_CLASSES = [
    f"{COMMON}/core",
    f"{COMMON}/landing-page",
    f"{COMMON}/json",
    f"{COMMON}/html",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    f"{FEATURES}/core",
    f"{FEATURES}/geojson",
    f"{FEATURES}/html",
    f"{FILTERING}/queryables",
    f"{FILTERING}/queryables-query-parameters",
    f"{FILTERING}/filter",
    f"{FILTERING}/features-filter",
    f"{RECORDS}/core",
    f"{RECORDS}/record-core",
    f"{RECORDS}/record-collection",
    f"{RECORDS}/record-core-query-parameters",
    f"{RECORDS}/records-api",
    f"{RECORDS}/sorting",
    f"{RECORDS}/cql-filter",
    f"{RECORDS}/json",
    f"{RECORDS}/html",
    f"{RECORDS}/searchable-catalog",
    f"{RECORDS}/searchable-catalog-sorting",
    f"{RECORDS}/searchable-catalog-filtering",
    f"{RECORDS}/searchable-catalog/sorting",
    f"{RECORDS}/searchable-catalog/filtering",
    f"{CQL2}/cql2-text",
    f"{CQL2}/cql2-json",
    f"{CQL2}/basic-cql2",
    f"{CQL2}/advanced-comparison-operators",
    f"{CQL2}/basic-spatial-functions",
    f"{CQL2}/basic-spatial-functions-plus",
    f"{CQL2}/spatial-functions",
    f"{CQL2}/property-property",
]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
RECORD_CORE = "http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core"

#: Sortable properties: name → (the engine's query mapping, JSON schema).
SORTABLES: dict[str, tuple[str, dict[str, Any]]] = {
    "identifier": ("identifier", {"title": "Record identifier (id)", "type": "string", "x-ogc-role": "id"}),
    "title": ("title", {"title": "Title", "type": "string"}),
    "type": ("type", {"title": "Resource type", "type": "string"}),
    "created": ("created", {"title": "Creation date", "type": "string", "format": "date-time"}),
    "updated": ("updated", {"title": "Last update", "type": "string", "format": "date-time"}),
    "time_begin": ("time_begin", {"title": "Start of the temporal extent", "type": "string"}),
    "time_end": ("time_end", {"title": "End of the temporal extent", "type": "string"}),
}

#: Landing-page links of the engine to resources this server does not serve.
UNSERVED = re.compile(r"/(search|sru|queryables)/?$")
#: An E.164 telephone number, as the Records contact schema wants it.
E164 = re.compile(r"\+[1-9][0-9]{3,14}")


def sortables(base_url: str, collection: str, title: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url}/collections/{collection}/sortables",
        "type": "object",
        "title": title,
        "id": collection,
        "properties": {name: dict(schema) for name, (_, schema) in SORTABLES.items()},
    }


#: Queryables the engine evaluates but does not list (its list comes from the table's columns).
EXTRA_QUERYABLES: dict[str, dict[str, Any]] = {
    "description": {"title": "description", "type": "string"},
    "created": {"title": "created", "type": "string", "format": "date-time"},
    "updated": {"title": "updated", "type": "string", "format": "date-time"},
}


def fix_queryables(document: dict[str, Any]) -> dict[str, Any]:
    properties = document.setdefault("properties", {})
    for name, schema in EXTRA_QUERYABLES.items():
        properties.setdefault(name, dict(schema))
    return document


def fix_landing_page(document: dict[str, Any]) -> dict[str, Any]:
    document["links"] = [
        link for link in document.get("links", []) if not UNSERVED.search(urlsplit(link.get("href", "")).path)
    ]
    return document


def fix_collection(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """One collection (catalog) as the Records collection schema wants it."""
    document["type"] = "Collection"
    document["itemType"] = "record"
    crs = document.get("crs") or CRS84
    document["crs"] = crs if isinstance(crs, list) else [crs]
    url = f"{base_url}/collections/{document['id']}"
    links = document.setdefault("links", [])
    for link in links:
        if link.get("rel") == "queryables":
            link["rel"] = QUERYABLES_REL
            link["type"] = "application/schema+json"
    if not any(link.get("rel") == SORTABLES_REL for link in links):
        links.append(
            {
                "rel": SORTABLES_REL,
                "type": "application/schema+json",
                "title": "Sortables",
                "href": f"{url}/sortables",
            }
        )
    return document


# --------------------------------------------------------------------------- records


def _clean(value: Any) -> Any:
    """``value`` without empty strings, None, empty lists and empty objects (recursively)."""
    if isinstance(value, dict):
        cleaned = {key: _clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [_clean(item) for item in value]
        return [item for item in cleaned if item not in (None, "", [], {})]
    return value


def _contact(contact: Any) -> dict[str, Any] | None:
    if not isinstance(contact, dict):
        return None
    phones = []
    for phone in contact.get("phones") or []:
        raw = str(phone.get("value") or "") if isinstance(phone, dict) else ""
        number = re.sub(r"[\s().\-/]", "", raw.replace("(0)", ""))
        if number.startswith("00"):
            number = "+" + number[2:]
        if E164.fullmatch(number):
            phones.append({**phone, "value": number})
    emails = [
        email
        for email in contact.get("emails") or []
        if isinstance(email, dict) and isinstance(email.get("value"), str) and "@" in email["value"]
    ]
    links = []
    for link in contact.get("links") or []:
        href = link.get("href") if isinstance(link, dict) else None
        if isinstance(href, str) and href.strip():
            # the contact schema wants a media type: an online resource of a party is a web page
            links.append({"type": "text/html", **{k: v for k, v in link.items() if v is not None}})
    fixed = _clean({**contact, "phones": phones, "emails": emails, "links": links})
    if not isinstance(fixed.get("name"), str) and not isinstance(fixed.get("organization"), str):
        return None
    return fixed


def _themes(themes: Any) -> list[dict[str, Any]]:
    fixed = []
    for theme in themes if isinstance(themes, list) else []:
        if not isinstance(theme, dict) or not isinstance(theme.get("scheme"), str) or not theme["scheme"]:
            continue
        concepts = [
            concept
            for concept in theme.get("concepts") or []
            if isinstance(concept, dict) and isinstance(concept.get("id"), str) and concept["id"]
        ]
        if concepts:
            fixed.append({**theme, "concepts": concepts})
    return fixed


def fix_record(feature: dict[str, Any], row: Any | None) -> None:
    """One record (GeoJSON feature) made valid; ``row`` is its stored row (None: not ours)."""
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        properties = feature["properties"] = {}
    if row is not None:
        feature["time"] = record_time(row.time_begin, row.time_end)
        for name, stored in (
            ("created", (row.date_creation,)),
            ("updated", (row.date_modified, row.insert_date)),
        ):
            value = next((v for v in map(date_time_property, stored) if v), None)
            if value:
                properties[name] = value
            else:
                properties.pop(name, None)
        box = antimeridian.crossing_box(row.wkt_geometry)
        if box is not None:
            feature["geometry"] = mapping(shapely_wkt.loads(row.wkt_geometry))
            feature["bbox"] = list(box)
    feature.setdefault("time", None)
    feature.setdefault("conformsTo", [RECORD_CORE])
    language = properties.get("language")
    if isinstance(language, str):
        properties["language"] = {"code": language}
    if "contacts" in properties:
        contacts = [c for c in map(_contact, properties["contacts"] or []) if c]
        properties["contacts"] = contacts
        if not contacts:
            del properties["contacts"]
    if row is not None and (themes_with_uris := oarec_concepts.themes_of_row(row)):
        schemes = {theme["scheme"] for theme in themes_with_uris}
        engine_themes = [t for t in properties.get("themes") or [] if isinstance(t, dict)]
        kept = [theme for theme in engine_themes if theme.get("scheme") not in schemes]  # topic categories
        properties["themes"] = kept + themes_with_uris
    if row is not None and (licences := oarec_concepts.licences_of_row(row)):
        if len(licences) == 1 and licences[0].code:
            properties["license"] = licences[0].code  # its SPDX identifier
        feature["links"] = [*(feature.get("links") or []), *oarec_concepts.licence_links(licences)]
    if "themes" in properties:
        themes = _themes(properties["themes"])
        properties["themes"] = themes
        if not themes:
            del properties["themes"]
    links = []
    for link in feature.get("links") or []:
        if isinstance(link, dict) and isinstance(link.get("href"), str) and link["href"]:
            link = {key: value for key, value in link.items() if value is not None}
            link.setdefault("rel", "related")
            links.append(link)
    feature["links"] = links


def replay_links(document: dict[str, Any], items_url: str, args: dict[str, str]) -> None:
    """Items links (self, alternate, next, prev) that repeat the client's own request.

    The engine writes its links from the parameters it was given, which are rewritten here
    (the filter as the engine's CQL, ``datetime`` folded into it...): following such a link
    would not be the same search.
    """
    asked = [(key, value) for key, value in args.items() if key.lower() not in ("offset", "f")]
    for link in document.get("links", []):
        href = link.get("href")
        if not isinstance(href, str) or not href.startswith(items_url):
            continue
        parts = urlsplit(href)
        if parts.path.rstrip("/") != urlsplit(items_url).path.rstrip("/"):
            continue
        given = dict(parse_qsl(parts.query, keep_blank_values=True))
        query = asked + [(key, given[key]) for key in ("offset", "f") if key in given]
        link["href"] = urlunsplit(parts._replace(query=urlencode(query)))
