"""Element paths for quality reports: XPaths with fixed prefixes (:data:`NAMESPACES`), not the document's.

``element_path(el)`` gives e.g. ``/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification
/gmd:extent[2]/gmd:EX_Extent``: a position ``[n]`` is added only when several siblings share the tag.
``root.getroottree().xpath(path, namespaces=NAMESPACES)`` finds the element again, whatever prefixes
(or default namespace) the document itself uses. Elements in a namespace missing from
:data:`NAMESPACES` are written ``*[local-name()='x' and namespace-uri()='...']``.
"""

from __future__ import annotations

from lxml import etree

GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
GMI = "http://www.isotc211.org/2005/gmi"
GMX = "http://www.isotc211.org/2005/gmx"
SRV = "http://www.isotc211.org/2005/srv"
GML32 = "http://www.opengis.net/gml/3.2"
GML = "http://www.opengis.net/gml"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: ISO 19115-3 namespaces whose elements the repairs also read (boxes and dates).
GEX3 = "http://standards.iso.org/iso/19115/-3/gex/1.0"
GCO3 = "http://standards.iso.org/iso/19115/-3/gco/1.0"

#: Prefixes used in every path of a report (ISO 19139 / 19115-2 prefixes, then 19115-3 ones).
NAMESPACES: dict[str, str] = {
    "gmd": GMD,
    "gco": GCO,
    "gmi": GMI,
    "gmx": GMX,
    "srv": SRV,
    "gml": GML32,
    "gml311": GML,
    "gts": "http://www.isotc211.org/2005/gts",
    "gsr": "http://www.isotc211.org/2005/gsr",
    "gss": "http://www.isotc211.org/2005/gss",
    "xlink": XLINK,
    "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
    "mdb1": "http://standards.iso.org/iso/19115/-3/mdb/1.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "cit1": "http://standards.iso.org/iso/19115/-3/cit/1.0",
    "gex": GEX3,
    "gco3": GCO3,
    "lan": "http://standards.iso.org/iso/19115/-3/lan/1.0",
    "mri": "http://standards.iso.org/iso/19115/-3/mri/1.0",
    "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
}

_PREFIX = {uri: prefix for prefix, uri in NAMESPACES.items()}


def _step(element: etree._Element) -> str:
    qname = etree.QName(element)
    prefix = _PREFIX.get(qname.namespace or "")
    if prefix is not None:
        name = f"{prefix}:{qname.localname}"
    elif qname.namespace:
        name = f"*[local-name()='{qname.localname}' and namespace-uri()='{qname.namespace}']"
    else:
        name = qname.localname
    parent = element.getparent()
    if parent is None:
        return name
    same = [sibling for sibling in parent if sibling.tag == element.tag]
    if len(same) > 1:
        return f"{name}[{same.index(element) + 1}]"
    return name


def element_path(element: etree._Element) -> str:
    """The XPath (prefixes of :data:`NAMESPACES`) of ``element`` from its document root."""
    steps = [_step(node) for node in (element, *element.iterancestors())]
    return "/" + "/".join(reversed(steps))


def find(root: etree._Element | etree._ElementTree, path: str) -> list[etree._Element]:
    """The elements at ``path`` (a path from :func:`element_path`)."""
    tree = root if isinstance(root, etree._ElementTree) else root.getroottree()
    return tree.xpath(path, namespaces=NAMESPACES)


def text(element: etree._Element | None) -> str:
    """The whitespace-normalised text content of ``element`` ('' for None)."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())
