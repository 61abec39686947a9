"""Make real-world ISO records readable by the engine's parser, without changing what we store.

Two trees per record: the *canonical* one is stored and served (the publisher's document,
with only mistyped ``https://`` ISO namespaces corrected); the *parse copy* is what pycsw
and OWSLib read, rewritten where they would otherwise crash or drop a field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

from lxml import etree

from odatis_csw.safexml import safe_parser

GCO = "http://www.isotc211.org/2005/gco"
GMD = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
GMX = "http://www.isotc211.org/2005/gmx"
SRV = "http://www.isotc211.org/2005/srv"
ISO2005 = {
    f"http://www.isotc211.org/2005/{p}" for p in ("gmd", "gmi", "gco", "gmx", "gts", "gsr", "gss", "srv")
}
MDB1 = "http://standards.iso.org/iso/19115/-3/mdb/1.0"
MDB2 = "http://standards.iso.org/iso/19115/-3/mdb/2.0"
ISO_TYPE = f"{{{GCO}}}isoType"
GEX = "http://standards.iso.org/iso/19115/-3/gex/1.0"
GML = "http://www.opengis.net/gml"
GML32 = "http://www.opengis.net/gml/3.2"
DC = "http://purl.org/dc/elements/1.1/"
GML_NAMESPACES = (GML, GML32)

#: Namespace URIs some publishers write with https (the ERDDAP ISO template): exact list only.
HTTPS_TYPOS = {uri.replace("http://", "https://"): uri for uri in ISO2005} | {
    "https://www.w3.org/1999/xlink": "http://www.w3.org/1999/xlink",
    "https://www.w3.org/2001/XMLSchema-instance": "http://www.w3.org/2001/XMLSchema-instance",
    "https://www.w3.org/2001/XMLSchema": "http://www.w3.org/2001/XMLSchema",
}


def namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def _local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def fix_https_namespaces(root: etree._Element) -> etree._Element:
    """Return ``root`` with the mistyped https ISO/W3C namespaces mapped to their http URIs."""
    if not any(
        isinstance(el.tag, str)
        and (namespace(el.tag) in HTTPS_TYPOS or any(namespace(name) in HTTPS_TYPOS for name in el.attrib))
        for el in root.iter()
    ):
        return root
    root = copy.deepcopy(root)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if namespace(el.tag) in HTTPS_TYPOS:
            el.tag = f"{{{HTTPS_TYPOS[namespace(el.tag) or '']}}}{_local(el.tag)}"
        for name in [name for name in el.attrib if namespace(name) in HTTPS_TYPOS]:
            el.attrib[f"{{{HTTPS_TYPOS[namespace(name) or '']}}}{_local(name)}"] = el.attrib.pop(name)
    nsmap = {prefix: HTTPS_TYPOS.get(uri, uri) for prefix, uri in root.nsmap.items()}
    if None in nsmap and any(prefix and uri == nsmap[None] for prefix, uri in nsmap.items()):
        del nsmap[None]
    location = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
    if location in root.attrib:
        root.attrib[location] = " ".join(HTTPS_TYPOS.get(t, t) for t in root.attrib[location].split())
    rebuilt = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    rebuilt.text = root.text
    rebuilt.extend(list(root))
    etree.cleanup_namespaces(rebuilt)
    return etree.fromstring(etree.tostring(rebuilt), safe_parser())


def iso_base_tag(el: etree._Element, value: str) -> str | None:
    """The ISO element a profile class declares as its base (``gco:isoType``), if any."""
    prefix, _, local = value.strip().rpartition(":")
    local = re.sub(r"_Type$", "", local)
    if prefix:
        uri = el.nsmap.get(prefix) or {"gmd": GMD, "gmi": GMI, "srv": SRV}.get(prefix)
    else:
        uri = GMI if local.startswith(("MI_", "LE_")) else SRV if local.startswith("SV_") else GMD
    if uri not in ISO2005 or not re.fullmatch(r"[A-Z]{2}_[A-Za-z]+", local):
        return None
    return f"{{{uri}}}{local}"


def is_iso19139_profile_root(el: etree._Element) -> bool:
    """A profile root (MCP, CHE...) that declares itself a ``gmd:MD_Metadata``."""
    return (
        namespace(el.tag) not in ISO2005 and iso_base_tag(el, el.get(ISO_TYPE, "")) == f"{{{GMD}}}MD_Metadata"
    )


def _strip_comments(work: etree._Element) -> None:
    """OWSLib reads the first child of identificationInfo, which may be a comment."""
    etree.strip_elements(work, etree.Comment, etree.PI, with_tail=False)


def _profile_classes_to_iso(work: etree._Element) -> None:
    """SeaDataNet, French, MCP and CHE classes read as the ISO class they extend."""
    for el in work.iter():
        if isinstance(el.tag, str) and ISO_TYPE in el.attrib and namespace(el.tag) not in ISO2005:
            target = iso_base_tag(el, el.attrib[ISO_TYPE])
            if target:
                el.tag = target


def _mdb1_root(work: etree._Element) -> None:
    """OWSLib reads ISO 19115-3 mdb 1.0; only the engine's dispatch insists on mdb 2.0."""
    if work.tag == f"{{{MDB1}}}MD_Metadata":
        work.tag = f"{{{MDB2}}}MD_Metadata"


def _blank_service_type(work: etree._Element) -> None:
    """A service without ``srv:serviceType`` makes the engine join a None."""
    for service in work.iter(f"{{{SRV}}}SV_ServiceIdentification"):
        if not (service.findtext(f"{{{SRV}}}serviceType/{{{GCO}}}LocalName") or "").strip():
            for old in service.findall(f"{{{SRV}}}serviceType"):
                service.remove(old)
            service_type = etree.SubElement(service, f"{{{SRV}}}serviceType")
            etree.SubElement(service_type, f"{{{GCO}}}LocalName").text = " "


def _acquisition_without_platform(work: etree._Element) -> None:
    """The engine indexes the first platform; SeaDataNet CSR puts platforms under operations."""
    for acquisition in work.findall(f"{{{GMI}}}acquisitionInformation"):
        if (
            acquisition.find(f"{{{GMI}}}MI_AcquisitionInformation/{{{GMI}}}platform/{{{GMI}}}MI_Platform")
            is None
        ):
            work.remove(acquisition)


def _boxes_first(work: etree._Element) -> None:
    """OWSLib reads the first geographic element only; put bounding boxes before polygons."""
    for extent_ns in (GMD, GEX):
        for extent in work.iter(f"{{{extent_ns}}}EX_Extent"):
            elements = extent.findall(f"{{{extent_ns}}}geographicElement")
            boxes = [g for g in elements if g.find(f"{{{extent_ns}}}EX_GeographicBoundingBox") is not None]
            if boxes and elements[0] is not boxes[0]:
                first = list(extent).index(elements[0])
                for box in reversed(boxes):
                    extent.remove(box)
                    extent.insert(first, box)


def _gml32_time_in_19115_3(work: etree._Element) -> None:
    """ISO 19115-3 writes time periods in GML 3.2; the engine's reader looks for GML 3.1."""
    if not any(namespace(child.tag) == MDB2 for child in work if isinstance(child.tag, str)):
        return  # not mdb 2.0 (an mdb 1.0 document keeps its children in 1.0): OWSLib reads GML 3.2 there
    for element in work.iter(f"{{{GML32}}}*"):
        element.tag = f"{{{GML}}}{_local(element.tag)}"


def _empty_dc_subjects(work: etree._Element) -> None:
    """One empty ``dc:subject`` makes the engine drop every keyword of the record."""
    for subject in work.findall(f"{{{DC}}}subject"):
        if not (subject.text or "").strip():
            work.remove(subject)


def _time_instant_edges(work: etree._Element) -> None:
    """GML ``begin/TimeInstant/timePosition`` (MCP) also written as ``beginPosition``."""
    for gml in GML_NAMESPACES:
        for period in work.iter(f"{{{gml}}}TimePeriod"):
            for edge in ("begin", "end"):
                position = period.find(f"{{{gml}}}{edge}/{{{gml}}}TimeInstant/{{{gml}}}timePosition")
                if position is not None and period.find(f"{{{gml}}}{edge}Position") is None:
                    added = etree.SubElement(period, f"{{{gml}}}{edge}Position", attrib=dict(position.attrib))
                    added.text = position.text


def _gmx_scope_code(work: etree._Element) -> None:
    """``gmx:MX_ScopeCode`` stands for ``gmd:MD_ScopeCode``, the only one OWSLib reads."""
    for code in work.findall(f"{{{GMD}}}hierarchyLevel/{{{GMX}}}MX_ScopeCode"):
        code.tag = f"{{{GMD}}}MD_ScopeCode"


def _code_elements_as_text(work: etree._Element) -> None:
    """SeaDataNet code elements (parameters, EDMO organisations) read as their labels."""
    for el in work.iter():
        parent = el.getparent()
        if (
            isinstance(el.tag, str)
            and "codeListValue" in el.attrib
            and len(el) == 0
            and (el.text or "").strip()
            and namespace(el.tag) not in ISO2005
            and parent is not None
            and namespace(parent.tag) == GMD
        ):
            el.tag = f"{{{GCO}}}CharacterString"
            el.attrib.clear()


PARSE_COPY_STEPS: tuple[Callable[[etree._Element], None], ...] = (
    _strip_comments,
    _profile_classes_to_iso,
    _mdb1_root,
    _blank_service_type,
    _acquisition_without_platform,
    _boxes_first,
    _gml32_time_in_19115_3,
    _time_instant_edges,
    _gmx_scope_code,
    _code_elements_as_text,
    _empty_dc_subjects,
)


def parse_copy(canonical: etree._Element) -> etree._Element:
    """The tree handed to the engine's parser; never stored."""
    work = copy.deepcopy(canonical)
    for step in PARSE_COPY_STEPS:
        step(work)
    return work
