"""Validate XML against the local copies of official schemas in ``schemas/xsd`` (never the network).

``schema("wrappers/csw202.xsd")`` compiles (once, then cached) an lxml ``XMLSchema`` from an entry
file under ``schemas/xsd``. Absolute ``schemaLocation`` URLs met while compiling are mapped to the
local tree by :class:`LocalSchemaResolver`; an absolute URL with no local copy is an error rather
than a download.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

XSD = Path(__file__).resolve().parents[1] / "schemas" / "xsd"

#: URL prefix → folder of the local tree. Longest prefixes first.
PREFIXES: tuple[tuple[str, Path], ...] = (
    ("inspire.ec.europa.eu/schemas/", XSD / "inspire"),
    ("schemas.opengis.net/", XSD / "schemas.opengis.net"),
    # csw/2.0.2/record.xsd imports OWS from "schemas.opengis.org" (a typo kept in the official file).
    ("schemas.opengis.org/", XSD / "schemas.opengis.net"),
    ("www.w3.org/", XSD / "www.w3.org"),
)

#: Official aliases of files whose content we hold under another name.
ALIASES: dict[str, str] = {
    # Same namespace and attributes (xml:lang, xml:space, xml:base, xml:id) as 2001/xml.xsd.
    "www.w3.org/2001/03/xml.xsd": "www.w3.org/2001/xml.xsd",
    "www.w3.org/2009/01/xml.xsd": "www.w3.org/2001/xml.xsd",
}

#: Every absolute URL that was mapped to a local file (handy when debugging a schema set).
RESOLVED: dict[str, str] = {}


class SchemaNotLocal(LookupError):
    """An absolute schema URL with no local copy."""


def local_path(url: str) -> Path | None:
    """The local copy of an absolute schema URL, or None if ``url`` is not an absolute network URL."""
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
    """Maps absolute schema URLs to the local tree; refuses any other network URL."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def resolve(self, system_url, public_id, context):
        if not system_url:
            return None
        try:
            path = local_path(system_url)
        except SchemaNotLocal:
            self.refused.append(system_url)
            raise  # libxml2 then reports "Failed to parse the XML resource": nothing is downloaded
        if path is None:
            return None  # a local (relative or file:) reference: lxml loads it from disk
        RESOLVED[system_url] = str(path)
        return self.resolve_filename(str(path), context)


def _parser(resolver: LocalSchemaResolver) -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(resolver)
    return parser


@functools.cache
def schema(entry: str) -> etree.XMLSchema:
    """The compiled schema whose entry file is ``schemas/xsd/<entry>`` (cached per entry)."""
    path = XSD / entry
    if not path.is_file():
        raise FileNotFoundError(path)
    resolver = LocalSchemaResolver()
    document = etree.parse(str(path), _parser(resolver))
    try:
        return etree.XMLSchema(document)
    except etree.XMLSchemaParseError as error:
        if resolver.refused:
            raise SchemaNotLocal(
                f"{entry}: no local copy of {', '.join(resolver.refused)} under {XSD}"
            ) from error
        raise


def errors(document: bytes | etree._Element | etree._ElementTree, entry: str) -> list[str]:
    """Validation errors of ``document`` against ``entry`` (an empty list when valid)."""
    if isinstance(document, bytes):
        document = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    compiled = schema(entry)
    if compiled.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in compiled.error_log]


def assert_valid(document: bytes | etree._Element | etree._ElementTree, entry: str) -> None:
    """Fail with every validation message when ``document`` is not valid against ``entry``."""
    problems = errors(document, entry)
    assert not problems, f"invalid against {entry}:\n" + "\n".join(problems[:40])
