"""Crosswalks to a document the catalogue stores: harvested formats it cannot parse → csw:Record.

OAI-PMH sources send simple Dublin Core (``oai_dc``) and DataCite (bare, or in an
``oai_datacite`` wrapper). The crosswalks are XSLT 1.0 stylesheets kept as data in
``mappings/xslt/``; each is compiled once, on first use, and may read no file nor URL.
Documents the catalogue reads already (ISO 19139, ISO 19115-3, csw:Record...) pass unchanged.
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.resources import resource_dir
from odatis_csw.safexml import parse_bytes, parse_file, safe_parser

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
#: The ``oai_datacite`` wrapper's namespaces start so: oai-1.0/, oai-1.1/.
OAI_DATACITE = "http://schema.datacite.org/oai/oai-"
#: Every DataCite kernel namespace starts so: kernel-2.2, kernel-3, kernel-3.1, kernel-4, kernel-4.0...
DATACITE_KERNEL = "http://datacite.org/schema/kernel-"

#: Stylesheet of each crosswalk, in ``mappings/xslt/``.
STYLESHEETS: dict[str, str] = {
    "oai_dc": "oai_dc-to-csw-record.xsl",
    "datacite": "datacite-to-csw-record.xsl",
}

#: Root elements with a crosswalk, by Clark name (DataCite kernels are matched by prefix).
ROOTS: dict[str, str] = {f"{{{OAI_DC}}}dc": "oai_dc"}


def crosswalk_of(element: etree._Element) -> str | None:
    """Name of the crosswalk for a root element, or None when the catalogue reads it as it is."""
    if element.tag in ROOTS:
        return ROOTS[element.tag]
    qname = etree.QName(element)
    if qname.localname == "resource" and (qname.namespace or "").startswith(DATACITE_KERNEL):
        return "datacite"
    return None


@cache
def stylesheet(name: str) -> etree.XSLT:
    """The compiled stylesheet of a crosswalk (compiled once; no file or network access)."""
    path = resource_dir("mappings") / "xslt" / STYLESHEETS[name]
    return etree.XSLT(parse_file(path), access_control=etree.XSLTAccessControl.DENY_ALL)


def _unwrap(root: etree._Element) -> etree._Element:
    """The DataCite resource inside an ``oai_datacite`` wrapper, else the root itself."""
    qname = etree.QName(root)
    if qname.localname != "oai_datacite" or not (qname.namespace or "").startswith(OAI_DATACITE):
        return root
    for child in root.iterfind(f"{{{qname.namespace}}}payload/*"):
        if crosswalk_of(child) == "datacite":
            return child
    return root


def to_catalogue_document(payload: bytes) -> bytes:
    """``payload`` as a document the catalogue stores: crosswalked, or unchanged.

    Raises :class:`~odatis_csw.errors.UnsafeXMLError` for a payload that is not safe,
    well-formed XML, and :class:`~odatis_csw.errors.UnsupportedRecordError` when a
    crosswalk fails or yields no record.
    """
    document = parse_bytes(payload, source="harvested record")
    root = _unwrap(document.getroot())
    name = crosswalk_of(root)
    if name is None:
        return payload
    if root is not document.getroot():
        document = etree.ElementTree(etree.fromstring(etree.tostring(root), safe_parser()))
    try:
        result = stylesheet(name)(document)
    except etree.XSLTApplyError as err:
        raise UnsupportedRecordError(f"{name} crosswalk failed: {err}") from err
    if result.getroot() is None:
        raise UnsupportedRecordError(f"{name} crosswalk produced no record")
    return bytes(etree.tostring(result, xml_declaration=True, encoding="UTF-8"))
