"""The one hardened XML parser: no entities, no DTD, no network, bounded size."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from odatis_csw.errors import UnsafeXMLError

#: Default largest document accepted, in bytes.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_bytes(
    data: bytes, *, source: str = "document", max_bytes: int = DEFAULT_MAX_BYTES
) -> etree._ElementTree:
    """Parse ``data`` safely; raise :class:`UnsafeXMLError` with a precise reason."""
    if len(data) > max_bytes:
        raise UnsafeXMLError(f"{source}: {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXMLError(f"{source}: document type declarations and entities are not accepted")
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError as err:
        raise UnsafeXMLError(f"{source}: not well-formed XML: {err}") from err
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # e.g. a UTF-16 document
        raise UnsafeXMLError(f"{source}: document type declarations and entities are not accepted")
    return tree


def parse_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Read and parse a file, refusing it before reading when it is too large."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeXMLError(f"{path}: {size} bytes exceeds the limit of {max_bytes} bytes")
    return parse_bytes(path.read_bytes(), source=str(path), max_bytes=max_bytes)
