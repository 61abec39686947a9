"""Validate XML against the local copies of official schemas in ``schemas/xsd`` (never the network).

``schema("wrappers/csw202.xsd")`` compiles (once, then cached) an lxml ``XMLSchema`` from an entry
file under ``schemas/xsd``. Absolute ``schemaLocation`` URLs met while compiling are mapped to the
local tree by the catalogue's own resolver (:mod:`odatis_csw.quality.schemas`); an absolute URL
with no local copy is an error rather than a download.
"""

from __future__ import annotations

import functools

from lxml import etree

from odatis_csw.quality.schemas import XSD, LocalSchemaResolver, SchemaNotLocal, schema_parser

#: Every absolute URL that was mapped to a local file (handy when debugging a schema set).
RESOLVED: dict[str, str] = {}


@functools.cache
def schema(entry: str) -> etree.XMLSchema:
    """The compiled schema whose entry file is ``schemas/xsd/<entry>`` (cached per entry)."""
    path = XSD / entry
    if not path.is_file():
        raise FileNotFoundError(path)
    resolver = LocalSchemaResolver()
    document = etree.parse(str(path), schema_parser(resolver))
    try:
        compiled = etree.XMLSchema(document)
    except etree.XMLSchemaParseError as error:
        if resolver.refused:
            raise SchemaNotLocal(
                f"{entry}: no local copy of {', '.join(resolver.refused)} under {XSD}"
            ) from error
        raise
    finally:
        RESOLVED.update(resolver.resolved)
    return compiled


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
