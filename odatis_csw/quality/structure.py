"""Structural repairs of ISO 19139 records: what the XSDs reject although the meaning is clear.

Each repair changes the tree in place and is traced as a :class:`~odatis_csw.quality.repairs.Repair`:

==========================  ===========================================================================
``what``                    when
==========================  ===========================================================================
``gml-upgraded``            a GML 3.1 (``http://www.opengis.net/gml``) time or geometry in an ISO 19139
                            record, which the 2007 schemas require in GML 3.2: the element and its
                            content are moved to GML 3.2 (names and values unchanged), a missing
                            ``gml:id`` is added where GML 3.2 makes it mandatory
``keywords-reordered``      ``gmd:MD_Keywords`` children out of the schema's order (``gmd:type`` before
                            ``gmd:keyword``, as SeaDataNet CDIs write them): put back in order
``keyword-nil``             a ``gmd:MD_Keywords`` with a type or thesaurus but no ``gmd:keyword``
                            (mandatory): an empty ``gmd:keyword gco:nilReason="missing"`` is added
``citation-date-nil``       a ``gmd:CI_Citation`` without ``gmd:date`` (mandatory): an empty
                            ``gmd:date gco:nilReason="missing"`` is added; no date is invented
==========================  ===========================================================================
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree

from odatis_csw.quality.paths import GCO, GMD, GML, GML32, element_path

#: GML 3.2 elements whose type requires ``gml:id`` (abstract GML objects used by ISO 19139 extents).
_NEEDS_ID = frozenset(
    {
        "TimePeriod",
        "TimeInstant",
        "Point",
        "LineString",
        "Polygon",
        "Curve",
        "Surface",
        "MultiPoint",
        "MultiCurve",
        "MultiSurface",
        "MultiPolygon",
        "MultiGeometry",
    }
)
_KEYWORD_ORDER = {f"{{{GMD}}}keyword": 0, f"{{{GMD}}}type": 1, f"{{{GMD}}}thesaurusName": 2}
_CITATION_BEFORE_DATE = {f"{{{GMD}}}title", f"{{{GMD}}}alternateTitle"}


#: One structural repair done: (``what``, ``why``, element path).
Done = tuple[str, str, str]


def repair_structure(root: etree._Element) -> list[Done]:
    """Apply the structural repairs to an ISO 19139 record in place; return what was done."""
    repairs: list[Done] = []
    used = _ids_in_use(root)
    for element in _outermost_gml31(root):
        parent = element.getparent()
        assert parent is not None
        upgraded = _in_gml32(element, used)
        parent.replace(element, upgraded)
        why = "GML 3.1 in an ISO 19139 record: moved to GML 3.2"
        repairs.append(("gml-upgraded", why, element_path(upgraded)))
    for keywords in list(root.iter(f"{{{GMD}}}MD_Keywords")):
        if keywords.find(f"{{{GMD}}}keyword") is None:
            keyword = etree.Element(f"{{{GMD}}}keyword", nsmap={"gmd": GMD, "gco": GCO})
            keyword.set(f"{{{GCO}}}nilReason", "missing")
            keywords.insert(0, keyword)
            repairs.append(("keyword-nil", "keyword group without a keyword", element_path(keywords)))
        children = [child for child in keywords if isinstance(child.tag, str)]
        ordered = sorted(children, key=lambda child: _KEYWORD_ORDER.get(child.tag, 3))
        if ordered != children:
            for child in ordered:
                keywords.append(child)
            why = "gmd:type written before gmd:keyword"
            repairs.append(("keywords-reordered", why, element_path(keywords)))
    for citation in list(root.iter(f"{{{GMD}}}CI_Citation")):
        if citation.find(f"{{{GMD}}}date") is None:
            position = sum(1 for child in citation if child.tag in _CITATION_BEFORE_DATE)
            date = etree.Element(f"{{{GMD}}}date", nsmap={"gmd": GMD, "gco": GCO})
            date.set(f"{{{GCO}}}nilReason", "missing")
            citation.insert(_index_after(citation, position), date)
            why = "citation without its mandatory date"
            repairs.append(("citation-date-nil", why, element_path(citation)))
    return repairs


def _index_after(citation: etree._Element, wanted: int) -> int:
    """Index in ``citation`` (comments included) after its first ``wanted`` title elements."""
    seen = 0
    for index, child in enumerate(citation):
        if seen == wanted:
            return index
        if child.tag in _CITATION_BEFORE_DATE:
            seen += 1
    return len(citation)


def _outermost_gml31(root: etree._Element) -> list[etree._Element]:
    found = []
    for element in root.iter(f"{{{GML}}}*"):
        parent = element.getparent()
        if parent is not None and not (isinstance(parent.tag, str) and parent.tag.startswith(f"{{{GML}}}")):
            found.append(element)
    return found


def _ids_in_use(root: etree._Element) -> set[str]:
    return {
        value for element in root.iter() for name, value in element.attrib.items() if name.endswith("}id")
    }


def _in_gml32(element: etree._Element, used: set[str]) -> etree._Element:
    """A GML 3.2 copy of a GML 3.1 subtree (declares ``gml`` on its root)."""
    nsmap = {prefix: (GML32 if uri == GML else uri) for prefix, uri in element.nsmap.items()}
    nsmap = {prefix: uri for prefix, uri in nsmap.items() if prefix != "gml"} | {"gml": GML32}
    copy = _copy(element, nsmap)
    for node in copy.iter(f"{{{GML32}}}*"):
        if etree.QName(node).localname in _NEEDS_ID and f"{{{GML32}}}id" not in node.attrib:
            node.set(f"{{{GML32}}}id", _new_id(etree.QName(node).localname, used))
    return copy


def _copy(element: etree._Element, nsmap: dict[str | None, str] | None = None) -> etree._Element:
    tag = element.tag.replace(f"{{{GML}}}", f"{{{GML32}}}", 1)
    attrib = {name.replace(f"{{{GML}}}", f"{{{GML32}}}", 1): value for name, value in element.attrib.items()}
    copy = etree.Element(tag, attrib, nsmap=nsmap)
    copy.text = element.text
    copy.tail = element.tail
    for child in element:
        copy.append(_copy(child) if isinstance(child.tag, str) else deepcopy(child))
    return copy


def _new_id(kind: str, used: set[str]) -> str:
    number = 1
    while f"{kind.lower()}-{number}" in used:
        number += 1
    used.add(f"{kind.lower()}-{number}")
    return f"{kind.lower()}-{number}"
