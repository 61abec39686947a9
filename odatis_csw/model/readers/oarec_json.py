"""OGC API - Records 1.0 record features (GeoJSON) into the normalised record.

Reads the record-core properties (``title``, ``description``, ``keywords``, ``themes`` with their
concepts and schemes, ``contacts`` with roles, ``license``/``rights``, ``language(s)``,
``formats``, ``type``, ``externalIds``), ``time`` (an ``interval`` whose ``..`` or null ends are
open, a ``date`` or ``timestamp``), ``geometry`` and ``bbox``, and ``links``. ``created`` and
``updated`` describe the record itself (the metadata date), not the resource. Also accepted:
the draft forms still published (``publisher`` object, ``contactInfo``, plain-string formats and
languages). Links with rel ``license`` are licences, ``preview``/``icon`` graphic overviews;
navigation links (``self``, ``root``, ``next``...) are left out; link templates are not links.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape

from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.readers import plain
from odatis_csw.model.record import (
    BoundingBox,
    Extent,
    Format,
    Identifier,
    Keyword,
    KeywordGroup,
    Link,
    Party,
    Polygon,
    Record,
    TemporalExtent,
    Text,
)

NAVIGATION = frozenset({"self", "root", "next", "prev", "previous", "first", "last"})
OVERVIEWS = frozenset({"preview", "icon", "overview"})
_ISO_ROLES = frozenset(
    {"resourceProvider", "custodian", "owner", "user", "distributor", "originator", "pointOfContact",
     "principalInvestigator", "processor", "publisher", "author"}
)  # fmt: skip


def _str(value: object) -> str | None:
    return plain.clean(value) if isinstance(value, str) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def read(document: dict[str, Any]) -> Record:
    """The normalised model of one OGC API Records record (a GeoJSON feature as a dict)."""
    properties = document.get("properties") or {}
    record = Record(dialect="oarec")
    record.file_identifier = _str(document.get("id"))
    if record.file_identifier and record.file_identifier.lower().startswith(
        ("10.", "doi:", "https://doi.org")
    ):
        record.identifiers.append(Identifier(record.file_identifier))
    for external in _list(properties.get("externalIds")):
        if isinstance(external, dict) and (value := _str(external.get("value"))):
            record.identifiers.append(Identifier(value, codespace=_str(external.get("scheme"))))
    record.title = Text(_str(properties.get("title")) or "")
    if description := _str(properties.get("description")):
        record.abstract = Text(description)
    record.metadata_date = _str(properties.get("updated")) or _str(properties.get("created"))
    if scope := crosswalks().scope(_str(properties.get("type"))):
        record.hierarchy_level = scope
    _languages(properties, record)
    _keywords(properties, record)
    _contacts(properties, record)
    _rights(properties, record)
    for item in _list(properties.get("formats")):
        name = _str(item) or (
            _str(item.get("name")) or _str(item.get("mediaType")) if isinstance(item, dict) else None
        )
        if name and all(found.name != name for found in record.formats):
            record.formats.append(Format(name))
    status = properties.get("status")
    if code := _str(status.get("id") if isinstance(status, dict) else status):
        record.status.append(code)
    _time(document.get("time") or properties.get("time"), record)
    _geometry(document, record)
    _links(document, record)
    return record


read_json = read


def _language(value: object) -> str | None:
    code = _str(value.get("code")) if isinstance(value, dict) else _str(value)
    return plain.language(code)


def _languages(properties: dict[str, Any], record: Record) -> None:
    record.language = _language(properties.get("language"))
    for item in _list(properties.get("languages")):
        if (code := _language(item)) and code != record.language and code not in record.other_languages:
            record.other_languages.append(code)
    for item in _list(properties.get("resourceLanguages")):
        if (code := _language(item)) and code not in record.resource_languages:
            record.resource_languages.append(code)


def _keywords(properties: dict[str, Any], record: Record) -> None:
    words = [
        Keyword(Text(word, anchor=plain.keyword_anchor(word)))
        for word in map(_str, _list(properties.get("keywords")))
        if word
    ]
    if words:
        record.keywords.append(KeywordGroup(words, "theme"))
    for theme in _list(properties.get("themes")):
        if not isinstance(theme, dict):
            continue
        scheme = _str(theme.get("scheme"))
        group = KeywordGroup(
            [], "theme", Text(scheme, anchor=scheme if plain.is_url(scheme) else None) if scheme else None
        )
        for concept in _list(theme.get("concepts")):
            if not isinstance(concept, dict):
                continue
            label = _str(concept.get("title")) or _str(concept.get("id"))
            url = _str(concept.get("url"))
            if label:
                group.keywords.append(Keyword(Text(label, anchor=url or plain.keyword_anchor(label))))
        if group.keywords:
            record.keywords.append(group)


def _role(value: object) -> str | None:
    role = _str(value)
    if role is None:
        return None
    return role if role in _ISO_ROLES else crosswalks().role("oarec", role) or role


def _values(items: object, key: str = "value") -> list[str]:
    found = [_str(item.get(key)) if isinstance(item, dict) else _str(item) for item in _list(items)]
    return [value for value in found if value]


def _party(contact: dict[str, Any], role: str) -> Party:
    info = contact.get("contactInfo") if isinstance(contact.get("contactInfo"), dict) else {}
    name, organisation = (
        _str(contact.get("name")),
        _str(contact.get("organization")) or _str(contact.get("organizationName")),
    )
    if organisation:
        party = Party(role=role, individual=name, organisation=Text(organisation))
    else:
        party = plain.party(name, role) or Party(role=role)
    party.position = _str(contact.get("position"))
    party.email = _values(contact.get("emails")) + _values(info.get("email"))
    party.phone = _values(contact.get("phones")) + _values(info.get("phone"))
    for address in _list(contact.get("addresses")) + _list(info.get("address")):
        if isinstance(address, dict):
            party.address += _values(address.get("deliveryPoint"))
            party.city = party.city or _str(address.get("city"))
            party.postal_code = party.postal_code or _str(address.get("postalCode"))
            party.country = party.country or _str(address.get("country"))
    links = [
        link
        for link in _list(contact.get("links"))
        if isinstance(link, dict) and link.get("rel") not in OVERVIEWS
    ]
    resource = info.get("onlineResource")
    party.url = (
        _str(links[0].get("href"))
        if links
        else _str(resource.get("href"))
        if isinstance(resource, dict)
        else None
    )
    if party.organisation is not None and party.anchor is None:
        found = plain.party(party.organisation.value, role, kind="Organizational")
        party.anchor = found.anchor if found else None
        party.organisation.anchor = party.anchor
    return party


def _contacts(properties: dict[str, Any], record: Record) -> None:
    contacts = [c for c in _list(properties.get("contacts")) if isinstance(c, dict)]
    publisher = properties.get("publisher")
    if isinstance(publisher, dict):
        contacts.append({**publisher, "roles": _list(publisher.get("roles")) or ["publisher"]})
    for contact in contacts:
        roles = [role for role in map(_role, _list(contact.get("roles"))) if role] or ["pointOfContact"]
        for role in dict.fromkeys(roles):
            record.parties.append(_party(contact, role))


def _rights(properties: dict[str, Any], record: Record) -> None:
    licence = _str(properties.get("license"))
    if licence and licence.lower() not in ("other", "various", "proprietary"):
        plain.add_rights(record.constraints, licence, None, licence=True)
    elif licence:
        record.constraints.other_constraints.append(Text(licence))
    if rights := _str(properties.get("rights")):
        plain.add_rights(record.constraints, rights)


def _edge(value: object) -> tuple[str | None, str | None]:
    text = _str(value)
    return (None, "unknown") if text in (None, "..") else (text, None)


def _time(value: object, record: Record) -> None:
    if not isinstance(value, dict):
        return
    interval = value.get("interval")
    if isinstance(interval, list) and len(interval) == 2:
        begin, begin_indeterminate = _edge(interval[0])
        end, end_indeterminate = _edge(interval[1])
        end_indeterminate = "now" if end_indeterminate else None
        period = TemporalExtent(begin, end, begin_indeterminate, end_indeterminate)
    elif instant := _str(value.get("date")) or _str(value.get("timestamp")):
        period = TemporalExtent(begin=instant, end=instant)
    else:
        return
    _extent(record).temporal.append(period)


def _extent(record: Record) -> Extent:
    if not record.extents:
        record.extents.append(Extent())
    return record.extents[0]


def _geometry(document: dict[str, Any], record: Record) -> None:
    bbox = document.get("bbox")
    if isinstance(bbox, list) and len(bbox) in (4, 6):
        half = len(bbox) // 2
        plain.add_box(_extent(record).boxes, plain.box(bbox[0], bbox[half], bbox[1], bbox[half + 1]))
    geometry = document.get("geometry")
    if not isinstance(geometry, dict) or not geometry.get("coordinates"):
        return
    try:
        found = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError):
        return
    west, south, east, north = found.bounds
    box = BoundingBox(west=west, east=east, south=south, north=north)
    if not _extent(record).boxes:
        plain.add_box(_extent(record).boxes, box)
    polygons = list(getattr(found, "geoms", [found])) if found.geom_type.endswith("Polygon") else []
    for polygon in polygons:
        if not polygon.equals(polygon.envelope):  # a rectangle is the box already written
            ring = [(float(x), float(y)) for x, y, *_ in polygon.exterior.coords]
            _extent(record).polygons.append(Polygon(ring))


def _links(document: dict[str, Any], record: Record) -> None:
    for link in _list(document.get("links")):
        if not isinstance(link, dict) or not (href := _str(link.get("href"))):
            continue
        rel = (_str(link.get("rel")) or "").lower() or None
        title = _str(link.get("title"))
        if rel in NAVIGATION:
            continue
        if rel in OVERVIEWS:
            record.graphic_overviews.append(href)
        elif rel == "license":
            plain.add_rights(
                record.constraints,
                title if title and title.lower() != "license" else None,
                href,
                licence=True,
            )
        else:
            media_type = _str(link.get("type"))
            record.links.append(
                Link(
                    href,
                    name=title,
                    function=crosswalks().function(rel),
                    relation=rel,
                    media_type=media_type if media_type and "/" in media_type else None,
                )
            )
