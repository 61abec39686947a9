"""The ISO 19139 XML schemas, compiled once from the local copies in ``schemas/xsd`` (never the network).

:func:`iso19139_schema` compiles the ISO 19139 (2007-04-17) ``gmd`` schema together with ``gmx``
(whose ``gmx:Anchor`` and ``gmx:FileName`` substitute for ``gco:CharacterString``), which import
``gco``, ``gss``, ``gts``, ``gsr``, GML 3.2.1 and XLink. Every absolute ``schemaLocation`` met while
compiling goes through :class:`LocalSchemaResolver`, which maps

* ``http://schemas.opengis.net/...`` (and the historical typo ``schemas.opengis.org``) to
  ``schemas/xsd/schemas.opengis.net/...``;
* ``http://www.isotc211.org/2005/<ns>/...`` to ``schemas/xsd/schemas.opengis.net/iso/19139/20070417/<ns>/...``
  (the same ISO 19139 schemas as published by OGC);
* ``http://www.w3.org/...`` to ``schemas/xsd/www.w3.org/...``;
* ``http://inspire.ec.europa.eu/schemas/...`` to ``schemas/xsd/inspire/...``;

and refuses any other network URL (:class:`SchemaNotLocal`) rather than download it. The parsers also
run with ``no_network=True``. There is no local schema for ISO 19115-2 (``gmi``) or ISO 19119
(``srv``): see :mod:`odatis_csw.quality.validate` for how such records are handled.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from odatis_csw.resources import resource_dir

#: The local tree of official schema copies.
XSD: Path = resource_dir("schemas") / "xsd"

_ISO19139 = "schemas.opengis.net/iso/19139/20070417"

#: URL prefix (host + path, no scheme) → folder of the local tree.
PREFIXES: tuple[tuple[str, Path], ...] = (
    ("inspire.ec.europa.eu/schemas/", XSD / "inspire"),
    ("schemas.opengis.net/", XSD / "schemas.opengis.net"),
    ("schemas.opengis.org/", XSD / "schemas.opengis.net"),
    ("www.isotc211.org/2005/", XSD / _ISO19139),
    ("www.w3.org/", XSD / "www.w3.org"),
)

#: Official aliases of files held under another name (same namespace and content).
ALIASES: dict[str, str] = {
    "www.w3.org/2001/03/xml.xsd": "www.w3.org/2001/xml.xsd",
    "www.w3.org/2009/01/xml.xsd": "www.w3.org/2001/xml.xsd",
}

#: Entry schema built in memory: the official ISO 19139 gmd and gmx schemas, by their official URLs.
ENTRY = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:odatis-csw:quality:iso19139"
           elementFormDefault="qualified">
  <xs:import namespace="http://www.isotc211.org/2005/gmd"
             schemaLocation="http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd"/>
  <xs:import namespace="http://www.isotc211.org/2005/gmx"
             schemaLocation="http://schemas.opengis.net/iso/19139/20070417/gmx/gmx.xsd"/>
</xs:schema>
"""

#: Namespaces whose elements the compiled ISO 19139 schema declares.
NAMESPACES = frozenset(
    {
        "http://www.isotc211.org/2005/gmd",
        "http://www.isotc211.org/2005/gco",
        "http://www.isotc211.org/2005/gmx",
        "http://www.isotc211.org/2005/gts",
        "http://www.isotc211.org/2005/gsr",
        "http://www.isotc211.org/2005/gss",
        "http://www.opengis.net/gml/3.2",
        "http://www.w3.org/1999/xlink",
    }
)


class SchemaNotLocal(LookupError):
    """An absolute schema URL with no local copy (nothing is downloaded instead)."""


def local_path(url: str) -> Path | None:
    """The local copy of an absolute schema URL; None for a relative or ``file:`` reference."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ftp"):
        return None
    key = parts.netloc.lower() + parts.path
    key = ALIASES.get(key, key)
    for prefix, folder in PREFIXES:
        if key.startswith(prefix):
            path = folder / key[len(prefix) :]
            if path.is_file():
                return path
            break
    raise SchemaNotLocal(f"no local copy of {url} under {XSD}")


class LocalSchemaResolver(etree.Resolver):
    """Maps absolute schema URLs to the local tree; refuses every other network URL."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []
        self.resolved: dict[str, str] = {}

    def resolve(self, system_url, public_id, context):
        if not system_url:
            return None
        try:
            path = local_path(system_url)
        except SchemaNotLocal:
            self.refused.append(system_url)
            raise  # libxml2 then fails to load the resource: nothing is fetched
        if path is None:
            return None  # relative include inside the local tree: libxml2 reads it from disk
        self.resolved[system_url] = str(path)
        return self.resolve_filename(str(path), context)


def schema_parser(resolver: LocalSchemaResolver) -> etree.XMLParser:
    """A parser for schema documents: no network, no entities, imports through ``resolver``."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(resolver)
    return parser


def compile_schema(entry: bytes = ENTRY, resolver: LocalSchemaResolver | None = None) -> etree.XMLSchema:
    """Compile an entry schema (bytes) whose imports are resolved to the local tree only.

    ``resolver`` (a new one by default) keeps the URLs it mapped (``resolved``) and refused.
    """
    resolver = resolver if resolver is not None else LocalSchemaResolver()
    document = etree.fromstring(
        entry, schema_parser(resolver), base_url=str(XSD / "odatis-quality-entry.xsd")
    )
    try:
        return etree.XMLSchema(document)
    except etree.XMLSchemaParseError as error:
        if resolver.refused:
            raise SchemaNotLocal(f"no local copy of {', '.join(resolver.refused)} under {XSD}") from error
        raise


@functools.cache
def iso19139_schema() -> etree.XMLSchema:
    """The ISO 19139 gmd + gmx schema, compiled on first use and then shared."""
    return compile_schema(ENTRY)


#: ``XMLSchema.validate`` keeps its error log on the schema object: one validation at a time.
VALIDATION_LOCK = threading.Lock()
