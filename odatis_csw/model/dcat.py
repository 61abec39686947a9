"""DCAT-AP 3 output of a normalised record, as an RDF graph (rdflib) for RDF/XML or Turtle.

The dataset's IRI is its DOI resolver URL when it has a DOI, else the IRI the caller gives (the
catalogue's OGC API Records item). Codes go through ``mappings/dcat.yaml`` (languages, date types,
roles, access rights) to the EU Publications Office authority tables DCAT-AP requires.

What is written: ``dct:title``/``dct:description`` with their translations, ``dct:identifier`` and
``adms:identifier`` for every identifier, ``dcat:keyword`` for every keyword and ``dct:subject`` for
each anchored concept, ``dct:spatial`` (``dcat:bbox`` as WKT), ``dct:temporal``
(``dcat:startDate``/``dcat:endDate``), ``dct:issued``/``dct:modified``, agents (``dct:publisher``,
``dct:creator``, ``dcat:contactPoint``, ``dct:rightsHolder``; an EDMO anchor becomes the agent's
IRI), ``dct:language``, ``dct:accessRights``, ``dct:provenance`` (lineage), ``dcat:version``, and
one ``dcat:Distribution`` per link with ``dcat:accessURL``, ``dcat:mediaType`` and ``dct:license``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from odatis_csw.mapping.crosswalks import Crosswalks
from odatis_csw.model.record import BoundingBox, Link, Party, Record, Text
from odatis_csw.resources import resource_dir

ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3, not in rdflib's DCAT 2 namespace
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
IANA_MEDIA = "https://www.iana.org/assignments/media-types/"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^\d{4}$")
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


@cache
def _tables() -> dict[str, Any]:
    path = resource_dir("mappings") / "dcat.yaml"
    return dict(Crosswalks.load(path, resource_dir("schemas") / "dcat.schema.json").data)


def dataset_iri(record: Record, fallback: str) -> str:
    """The dataset's IRI: its DOI resolver URL if it has a DOI, else ``fallback``."""
    return f"https://doi.org/{record.dois[0]}" if record.dois else fallback


def graph_of(record: Record, fallback_iri: str) -> Graph:
    """The DCAT-AP graph of one record."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("adms", ADMS), ("vcard", VCARD)):
        graph.bind(prefix, namespace)
    graph.bind("foaf", FOAF)
    graph.bind("gsp", GSP)
    dataset = URIRef(dataset_iri(record, fallback_iri))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    language = _language_tag(record.language)
    _texts(graph, dataset, DCTERMS.title, record.title, language)
    _texts(graph, dataset, DCTERMS.description, record.abstract or record.title, language)
    _identifiers(graph, dataset, record)
    _keywords(graph, dataset, record, language)
    for box in record.boxes:
        graph.add((dataset, DCTERMS.spatial, _location(graph, box)))
    for period in record.temporal_extents:
        _period(graph, dataset, period.begin, period.end)
    _dates(graph, dataset, record)
    _agents(graph, dataset, record.parties)
    for code in dict.fromkeys(record.resource_languages or ([record.language] if record.language else [])):
        _language(graph, dataset, code)
    _access(graph, dataset, record)
    if record.lineage is not None and record.lineage.value:
        statement = BNode()
        graph.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
        graph.add((statement, RDFS.label, Literal(record.lineage.value)))
        graph.add((dataset, DCTERMS.provenance, statement))
    if record.edition:
        graph.add((dataset, DCAT_VERSION, Literal(record.edition)))
    licence = next((item.uri for item in record.constraints.licences if item.uri), None)
    for link in record.links:
        _distribution(graph, dataset, link, licence)
    return graph


def rdf_xml(record: Record, fallback_iri: str) -> bytes:
    """The DCAT-AP description of one record in RDF/XML."""
    return graph_of(record, fallback_iri).serialize(format="pretty-xml", encoding="utf-8")


def _language_tag(code: str | None) -> str | None:
    eu = _tables()["languages"].get((code or "").strip().lower())
    tag: str | None = _tables()["language_tags"].get(eu or "")
    return tag


def _texts(graph: Graph, subject: URIRef, prop: URIRef, text: Text | None, language: str | None) -> None:
    if text is None or not text.value.strip():
        return
    graph.add((subject, prop, Literal(text.value, lang=language)))
    for code, value in text.translations.items():
        tag = _language_tag(code)
        if tag and tag != language and value.strip():
            graph.add((subject, prop, Literal(value, lang=tag)))


def _identifiers(graph: Graph, dataset: URIRef, record: Record) -> None:
    codes = [record.file_identifier] if record.file_identifier else []
    codes += [identifier.code for identifier in record.identifiers]
    for code in dict.fromkeys(code.strip() for code in codes if code and code.strip()):
        graph.add((dataset, DCTERMS.identifier, Literal(code)))
    for identifier in record.identifiers:
        node = BNode()
        graph.add((node, RDF.type, ADMS.Identifier))
        graph.add((node, SKOS.notation, Literal(identifier.code)))
        if identifier.codespace:
            graph.add((node, DCTERMS.creator, Literal(identifier.codespace)))
        graph.add((dataset, ADMS.identifier, node))


def _keywords(graph: Graph, dataset: URIRef, record: Record, language: str | None) -> None:
    for group in record.keywords:
        for keyword in group.keywords:
            words = keyword.text.value.strip()
            if words:
                graph.add((dataset, DCAT.keyword, Literal(words, lang=language)))
            anchor = keyword.text.anchor
            if anchor and _IRI.match(anchor):
                concept = URIRef(anchor)
                graph.add((concept, RDF.type, SKOS.Concept))
                if words:
                    graph.add((concept, SKOS.prefLabel, Literal(words, lang=language)))
                graph.add((dataset, DCTERMS.subject, concept))


def _location(graph: Graph, box: BoundingBox) -> BNode:
    location = BNode()
    graph.add((location, RDF.type, DCTERMS.Location))
    w, e, s, n = box.west, box.east, box.south, box.north
    wkt = f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"
    graph.add((location, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))
    return location


def _typed_date(value: str | None) -> Literal | None:
    value = (value or "").strip()
    for pattern, datatype in ((_DATE, XSD.date), (_DATETIME, XSD.dateTime), (_YEAR, XSD.gYear)):
        if pattern.match(value):
            return Literal(value, datatype=datatype)
    return None


def _period(graph: Graph, dataset: URIRef, begin: str | None, end: str | None) -> None:
    start, stop = _typed_date(begin), _typed_date(end)
    if start is None and stop is None:
        return
    period = BNode()
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if start is not None:
        graph.add((period, DCAT.startDate, start))
    if stop is not None:
        graph.add((period, DCAT.endDate, stop))
    graph.add((dataset, DCTERMS.temporal, period))


def _dates(graph: Graph, dataset: URIRef, record: Record) -> None:
    properties = {"issued": DCTERMS.issued, "modified": DCTERMS.modified}
    done: set[str] = set()
    for date in record.dates:
        target = _tables()["dates"].get(date.type)
        value = _typed_date(date.value)
        if target and target not in done and value is not None:
            graph.add((dataset, properties[target], value))
            done.add(target)


def _agents(graph: Graph, dataset: URIRef, parties: list[Party]) -> None:
    properties = {
        "publisher": DCTERMS.publisher,
        "creator": DCTERMS.creator,
        "contactPoint": DCAT.contactPoint,
        "rightsHolder": DCTERMS.rightsHolder,
    }
    has_publisher = False  # DCAT-AP allows one dct:publisher
    for party in parties:
        target = _tables()["roles"].get(party.role)
        name = (party.organisation.value if party.organisation else None) or party.individual
        if not target or not name or (target == "publisher" and has_publisher):
            continue
        has_publisher = has_publisher or target == "publisher"
        if target == "contactPoint":
            graph.add((dataset, DCAT.contactPoint, _contact(graph, party, name)))
            continue
        agent: URIRef | BNode = URIRef(party.anchor) if party.anchor and _IRI.match(party.anchor) else BNode()
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, FOAF.name, Literal(name)))
        graph.add((dataset, properties[target], agent))


def _contact(graph: Graph, party: Party, name: str) -> BNode:
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))  # what DCAT-AP checks, without inference
    graph.add((contact, RDF.type, VCARD.Organization if party.organisation else VCARD.Individual))
    graph.add((contact, VCARD.fn, Literal(name)))
    for email in party.email:
        if email.strip() and " " not in email.strip():
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email.strip()}")))
    if party.url and _IRI.match(party.url):
        graph.add((contact, VCARD.hasURL, URIRef(party.url)))
    return contact


def _language(graph: Graph, dataset: URIRef, code: str) -> None:
    eu = _tables()["languages"].get(code.strip().lower())
    if eu:
        language = URIRef(EU_LANGUAGE + eu)
        graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
        graph.add((dataset, DCTERMS.language, language))


def _access(graph: Graph, dataset: URIRef, record: Record) -> None:
    codes = [_tables()["access_rights"].get(code) for code in record.constraints.access_constraints]
    right = next((code for code in codes if code), None)
    if right is None and record.constraints.licences:
        right = "PUBLIC"
    if right:
        node = URIRef(EU_ACCESS + right)
        graph.add((node, RDF.type, DCTERMS.RightsStatement))
        graph.add((dataset, DCTERMS.accessRights, node))


def _distribution(graph: Graph, dataset: URIRef, link: Link, licence: str | None) -> None:
    if not _IRI.match(link.url.strip()):
        return
    distribution = BNode()
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCAT.accessURL, URIRef(link.url.strip())))
    if link.name:
        graph.add((distribution, DCTERMS.title, Literal(link.name)))
    if link.description:
        graph.add((distribution, DCTERMS.description, Literal(link.description)))
    if link.media_type and re.match(r"^[a-z]+/[\w.+-]+$", link.media_type):
        media = URIRef(IANA_MEDIA + link.media_type)
        graph.add((media, RDF.type, DCTERMS.MediaType))
        graph.add((distribution, DCAT.mediaType, media))
    if licence and _IRI.match(licence):
        document = URIRef(licence)
        graph.add((document, RDF.type, DCTERMS.LicenseDocument))
        graph.add((distribution, DCTERMS.license, document))
    graph.add((dataset, DCAT.distribution, distribution))
