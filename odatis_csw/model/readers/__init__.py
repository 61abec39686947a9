"""Readers of every dialect into the normalised :class:`~odatis_csw.model.record.Record`.

The dialect is chosen by a registry keyed on the root element (namespace, local name); each
reader module exposes ``read(element) -> Record``. JSON documents (OGC API Records features)
go through :func:`read_json`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lxml import etree

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.record import Record
from odatis_csw.store.parsecopy import HTTPS_TYPOS, is_iso19139_profile_root

GMD = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
MDB1 = "http://standards.iso.org/iso/19115/-3/mdb/1.0"
MDB2 = "http://standards.iso.org/iso/19115/-3/mdb/2.0"
CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DATACITE_PREFIX = "http://datacite.org/schema/kernel-"

#: Root element → reader module (in this package).
READERS: dict[str, str] = {
    f"{{{GMD}}}MD_Metadata": "iso19139",
    f"{{{GMI}}}MI_Metadata": "iso19139",
    f"{{{MDB1}}}MD_Metadata": "iso19115_3",
    f"{{{MDB2}}}MD_Metadata": "iso19115_3",
    f"{{{CSW202}}}Record": "dublincore",
    f"{{{OAI_DC}}}dc": "dublincore",
}


def reader_name(element: etree._Element) -> str | None:
    """The reader module for a record element, or None when no reader knows its dialect."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag:  # a comment or processing instruction
        return None
    if tag in READERS:
        return READERS[tag]
    namespace = etree.QName(tag).namespace
    if namespace in HTTPS_TYPOS:  # https ISO namespaces (the ERDDAP template)
        return READERS.get(f"{{{HTTPS_TYPOS[namespace]}}}{etree.QName(tag).localname}")
    if is_iso19139_profile_root(element):  # MCP, CHE...: gco:isoType="gmd:MD_Metadata"
        return "iso19139"
    if tag.startswith(f"{{{DATACITE_PREFIX}") and tag.endswith("}resource"):
        return "datacite"
    return None


def _reader(name: str) -> Callable[[etree._Element], Record]:
    module = importlib.import_module(f"{__name__}.{name}")
    read: Callable[[etree._Element], Record] = module.read
    return read


def read_record(element: etree._Element) -> Record:
    """The normalised model of one record element; UnsupportedRecordError if no reader knows it."""
    name = reader_name(element)
    if name is None:
        raise UnsupportedRecordError(f"no reader for root element {element.tag}")
    return _reader(name)(element)


def read_json(document: dict[str, Any]) -> Record:
    """The normalised model of an OGC API Records record (a GeoJSON feature)."""
    return _reader("oarec_json")(document)  # type: ignore[arg-type]
