"""DataCite metadata (kernel 2.2, 3, 4 and 4.x ``resource``) into the normalised record.

Code lists come from ``mappings/crosswalks.yaml`` (contributorType → CI_RoleCode, dateType →
CI_DateTypeCode or a temporal extent, descriptionType → abstract/lineage, relationType → link
relation, resourceTypeGeneral → MD_ScopeCode). Only the resource's own elements are read (not
those of ``relatedItems``). Where the kernel generations differ (kernel 3's ``geoLocationPoint``
and ``geoLocationBox`` as text, kernel 2's single ``rights``), both forms are read.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.readers import plain
from odatis_csw.model.readers.plain import clean, local, text_of
from odatis_csw.model.record import (
    BoundingBox,
    CitedDate,
    Extent,
    Format,
    Identifier,
    Keyword,
    KeywordGroup,
    Link,
    Party,
    Polygon,
    Record,
    Text,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if parent is None else [child for child in parent if local(child) == name]


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _grandchildren(root: etree._Element, wrapper: str, name: str) -> list[etree._Element]:
    return [item for group in _children(root, wrapper) for item in _children(group, name)]


def read(element: etree._Element) -> Record:
    """The normalised model of one DataCite ``resource`` element."""
    record = Record(dialect="datacite")
    _identifiers(element, record)
    _titles(element, record)
    _parties(element, record)
    _dates(element, record)
    _subjects(element, record)
    _descriptions(element, record)
    _geolocations(element, record)
    _rights(element, record)
    _related(element, record)
    for item in _grandchildren(element, "formats", "format"):
        if (value := text_of(item)) and all(found.name != value for found in record.formats):
            record.formats.append(Format(value))
    if language := plain.language(text_of(_child(element, "language"))):
        record.resource_languages.append(language)
    record.edition = text_of(_child(element, "version"))
    kind = _child(element, "resourceType")
    if kind is not None:
        scope = crosswalks().scope(kind.get("resourceTypeGeneral")) or crosswalks().scope(text_of(kind))
        record.hierarchy_level = scope or record.hierarchy_level
    for funding in _grandchildren(element, "fundingReferences", "fundingReference"):
        parts = [text_of(_child(funding, name)) for name in ("funderName", "awardNumber", "awardTitle")]
        if credit := ", ".join(part for part in parts if part):
            record.credit.append(credit)
    return record


def _identifiers(root: etree._Element, record: Record) -> None:
    main = _child(root, "identifier")
    if main is not None and (code := text_of(main)):
        record.identifiers.append(Identifier(code, codespace=clean(main.get("identifierType"))))
        record.file_identifier = code
    for item in _grandchildren(root, "alternateIdentifiers", "alternateIdentifier"):
        if code := text_of(item):
            kind = clean(item.get("alternateIdentifierType"))
            record.identifiers.append(Identifier(code, codespace=kind))
            if (kind or "").upper() == "URL" and code.lower().startswith(("http://", "https://")):
                # the resource's page at its publisher: a link too, not only an identifier
                record.links.append(Link(code, function="information", relation="alternate"))


def _titles(root: etree._Element, record: Record) -> None:
    titles = _grandchildren(root, "titles", "title")
    main = next((t for t in titles if not t.get("titleType") and text_of(t)), None)
    main = main if main is not None else next((t for t in titles if text_of(t)), None)
    if main is None:
        return
    record.title = Text(text_of(main) or "")
    main_lang = plain.language(main.get(XML_LANG))
    if main_lang:
        record.language = main_lang
    for title in titles:
        value, lang = text_of(title), plain.language(title.get(XML_LANG))
        if title is main or value is None:
            continue
        kind = title.get("titleType")
        if kind in (None, "TranslatedTitle") and lang and lang != main_lang:
            record.title.translations.setdefault(lang, value)
        else:
            alternate = Text(value)
            if lang and lang != main_lang:
                alternate.translations[lang] = value
            record.alternate_titles.append(alternate)


def _name_identifiers(person: etree._Element) -> list[tuple[str, str]]:
    found = []
    for item in _children(person, "nameIdentifier"):
        if value := text_of(item):
            url = plain.identifier_url(item.get("nameIdentifierScheme"), item.get("schemeURI"), value)
            found.append((clean(item.get("nameIdentifierScheme")) or "", url))
    return found


def _affiliation(person: etree._Element) -> Text | None:
    item = _child(person, "affiliation")
    value = text_of(item)
    if item is None or value is None:
        return None
    identifier = clean(item.get("affiliationIdentifier"))
    if identifier:
        identifier = plain.identifier_url(None, item.get("schemeURI"), identifier)
    return Text(value, anchor=identifier if plain.is_url(identifier) else None)


def _person(person: etree._Element, name_tag: str, role: str) -> Party | None:
    name = _child(person, name_tag)
    return plain.party(
        text_of(name),
        role,
        kind=None if name is None else clean(name.get("nameType")),
        given=text_of(_child(person, "givenName")),
        family=text_of(_child(person, "familyName")),
        affiliation=_affiliation(person),
        identifiers=_name_identifiers(person),
    )


def _parties(root: etree._Element, record: Record) -> None:
    walk = crosswalks()
    for creator in _grandchildren(root, "creators", "creator"):
        if found := _person(creator, "creatorName", walk.role("datacite_creator", None) or "author"):
            record.parties.append(found)
    publisher = _child(root, "publisher")
    if name := text_of(publisher):
        assert publisher is not None
        identifier = clean(publisher.get("publisherIdentifier"))
        identifiers = (
            [("ror", plain.identifier_url(None, publisher.get("schemeURI"), identifier))]
            if identifier
            else []
        )
        role = walk.role("datacite_publisher", None) or "publisher"
        if found := plain.party(name, role, kind="Organizational", identifiers=identifiers):
            record.parties.append(found)
    for contributor in _grandchildren(root, "contributors", "contributor"):
        kind = clean(contributor.get("contributorType"))
        if kind == "Funder":  # kernel 3: funders are contributors
            if funder := text_of(_child(contributor, "contributorName")):
                record.credit.append(funder)
            continue
        role = walk.role("datacite_contributor", kind) or walk.role("datacite_contributor", "Other")
        if found := _person(contributor, "contributorName", role or "originator"):
            record.parties.append(found)


def _dates(root: etree._Element, record: Record) -> None:
    walk = crosswalks()
    for item in _grandchildren(root, "dates", "date"):
        value = text_of(item)
        kind = walk.date_type("datacite", item.get("dateType"))
        if value is None or kind is None:
            continue
        if kind == "temporal":
            period = plain.period(value)
            if period is not None and period not in _extent(record).temporal:
                _extent(record).temporal.append(period)
        elif not any(d.value == value and d.type == kind for d in record.dates):
            record.dates.append(CitedDate(value, kind))
    year = text_of(_child(root, "publicationYear"))
    if year and not any(d.type == "publication" for d in record.dates):
        record.dates.append(CitedDate(year, "publication"))


def _subjects(root: etree._Element, record: Record) -> None:
    groups: dict[tuple[str | None, str | None], KeywordGroup] = {}
    for item in _grandchildren(root, "subjects", "subject"):
        value = text_of(item)
        if value is None:
            continue
        scheme, scheme_uri = clean(item.get("subjectScheme")), clean(item.get("schemeURI"))
        group = groups.get((scheme, scheme_uri))
        if group is None:
            thesaurus = (
                Text(scheme or scheme_uri or "", anchor=scheme_uri) if (scheme or scheme_uri) else None
            )
            group = groups[(scheme, scheme_uri)] = KeywordGroup(type="theme", thesaurus=thesaurus)
            record.keywords.append(group)
        anchor = clean(item.get("valueURI")) or plain.keyword_anchor(value)
        group.keywords.append(Keyword(Text(value, anchor=anchor)))


def _descriptions(root: etree._Element, record: Record) -> None:
    found: dict[str, list[str]] = {}
    for item in _grandchildren(root, "descriptions", "description"):
        value = text_of(item)
        target = crosswalks().description_field(item.get("descriptionType") or "Abstract")
        if value and target and value not in found.get(target, []):
            found.setdefault(target, []).append(value)
    if "abstract" in found:
        record.abstract = Text("\n\n".join(found["abstract"]))
    elif found:  # ISO needs an abstract: the publisher's only descriptions (Methods...) stand for it
        record.abstract = Text("\n\n".join(text for texts in found.values() for text in texts))
    if "lineage" in found:
        record.lineage = Text("\n\n".join(found["lineage"]))
    if "purpose" in found:
        record.purpose = Text("\n\n".join(found["purpose"]))


def _extent(record: Record) -> Extent:
    if not record.extents:
        record.extents.append(Extent())
    return record.extents[0]


def _point(element: etree._Element | None) -> tuple[float, float] | None:
    """(lon, lat) of a kernel 4 point (``pointLongitude``/``pointLatitude``) or kernel 3 text ``lat lon``."""
    if element is None:
        return None
    lon = plain.number(text_of(_child(element, "pointLongitude")))
    lat = plain.number(text_of(_child(element, "pointLatitude")))
    if lon is None and lat is None and not plain.elements_of(element):
        parts = (text_of(element) or "").split()
        if len(parts) == 2:
            lat, lon = plain.number(parts[0]), plain.number(parts[1])
    return (lon, lat) if lon is not None and lat is not None else None


def _box(element: etree._Element) -> BoundingBox | None:
    if plain.elements_of(element):
        values = [text_of(_child(element, name)) for name in ("westBoundLongitude", "eastBoundLongitude")]
        values += [text_of(_child(element, name)) for name in ("southBoundLatitude", "northBoundLatitude")]
        return plain.box(*values)
    parts = (text_of(element) or "").split()  # kernel 3: "south west north east"
    return plain.box(parts[1], parts[3], parts[0], parts[2]) if len(parts) == 4 else None


def _geolocations(root: etree._Element, record: Record) -> None:
    places: list[Keyword] = []
    for location in _grandchildren(root, "geoLocations", "geoLocation"):
        for item in _children(location, "geoLocationPlace"):
            if (value := text_of(item)) and all(k.text.value != value for k in places):
                places.append(Keyword(Text(value)))
        for item in _children(location, "geoLocationBox"):
            if found := _box(item):
                plain.add_box(_extent(record).boxes, found)
        for item in _children(location, "geoLocationPoint"):
            if point := _point(item):
                lon, lat = point
                plain.add_box(_extent(record).boxes, BoundingBox(west=lon, east=lon, south=lat, north=lat))
        for item in _children(location, "geoLocationPolygon"):
            ring = [p for p in (_point(point) for point in _children(item, "polygonPoint")) if p]
            if len(ring) >= 3:
                if ring[0] != ring[-1]:
                    ring.append(ring[0])
                _extent(record).polygons.append(Polygon(ring))
    if places:
        record.keywords.append(KeywordGroup(keywords=places, type="place"))


def _rights(root: etree._Element, record: Record) -> None:
    items = _grandchildren(root, "rightsList", "rights") + _children(root, "rights")
    for item in items:
        uri = clean(item.get("rightsURI"))
        text = text_of(item) or clean(item.get("rightsIdentifier"))
        licence = (
            bool(item.get("rightsIdentifier")) or (item.get("rightsIdentifierScheme") or "").upper() == "SPDX"
        )
        plain.add_rights(record.constraints, text, uri, licence=licence)


def _related(root: etree._Element, record: Record) -> None:
    walk = crosswalks()
    for item in _grandchildren(root, "relatedIdentifiers", "relatedIdentifier"):
        value = text_of(item)
        if value is None:
            continue
        kind, relation_type = clean(item.get("relatedIdentifierType")), clean(item.get("relationType"))
        if relation_type == "IsPartOf" and record.parent_identifier is None:
            record.parent_identifier = value
        relation = walk.relation(relation_type) or "related"
        record.links.append(
            Link(
                url=walk.resolver_url(kind, value),
                protocol="WWW:LINK",
                name=value,
                description=relation_type,
                function=walk.function(relation) or "information",
                relation=relation,
            )
        )
