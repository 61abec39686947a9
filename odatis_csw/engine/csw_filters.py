"""Filter rewrites that make the engine's answers follow OGC Filter Encoding.

* ``matchCase="false"``: pycsw (``fes1.py``/``fes2.py``, ``_get_comparison_expression``)
  replaces the SQL operator of *any* comparison with ``LIKE``/``ILIKE`` when ``matchCase`` is
  false, so ``PropertyIsNotEqualTo`` becomes a case-insensitive *equality* (and the order
  comparisons become pattern matches). We rewrite such a comparison into the same
  comparison, case-sensitive, of ``lower(property)`` with the lower-cased literal, which the
  engine translates with its own operator (``lower(title) != :value``).
* GML 3.1.1 geometries in a FES 2.0 filter (OWSLib's ``fes2.BBox`` writes
  ``http://www.opengis.net/gml``): CSW 3.0 supports GML 3.2 only, and the engine refuses the
  whole request as invalid. We move them into the GML 3.2 namespace.
"""

from __future__ import annotations

from lxml import etree

OGC = "http://www.opengis.net/ogc"
FES20 = "http://www.opengis.net/fes/2.0"
GML311 = "http://www.opengis.net/gml"
GML32 = "http://www.opengis.net/gml/3.2"

#: Binary comparisons whose SQL operator the engine replaces when matchCase is false.
BINARY_COMPARISONS = (
    "PropertyIsEqualTo",
    "PropertyIsNotEqualTo",
    "PropertyIsLessThan",
    "PropertyIsGreaterThan",
    "PropertyIsLessThanOrEqualTo",
    "PropertyIsGreaterThanOrEqualTo",
)
#: Filter namespace → element naming a property.
PROPERTY_ELEMENT = {OGC: "PropertyName", FES20: "ValueReference"}
FALSE = ("false", "0")


def _is_anytext(name: str) -> bool:
    # The engine always matches AnyText with LIKE (a full-text property), whatever the operator.
    return name.strip().rsplit(":", 1)[-1].lower() == "anytext"


def fold_case_insensitive_comparisons(root: etree._Element) -> bool:
    """Rewrite every ``matchCase="false"`` binary comparison as a comparison of lower-cased values.

    Returns True when ``root`` changed.
    """
    changed = False
    for namespace, property_local in PROPERTY_ELEMENT.items():
        tags = {f"{{{namespace}}}{name}" for name in BINARY_COMPARISONS}
        for element in [el for el in root.iter() if el.tag in tags]:
            if (element.get("matchCase") or "").strip().lower() not in FALSE:
                continue
            operands = [child for child in element if isinstance(child.tag, str)]
            if len(operands) != 2:
                continue  # left for the engine to refuse
            prop, literal = operands
            if prop.tag != f"{{{namespace}}}{property_local}" or literal.tag != f"{{{namespace}}}Literal":
                continue
            if _is_anytext(prop.text or "") or len(literal):
                continue
            function = etree.Element(f"{{{namespace}}}Function", name="lower")
            element.replace(prop, function)
            function.append(prop)
            literal.text = (literal.text or "").lower()
            del element.attrib["matchCase"]  # default true: the engine keeps the operator
            changed = True
    return changed


def gml32_filters(root: etree._Element) -> bool:
    """Move GML 3.1.1 elements and attributes found in FES 2.0 filters into GML 3.2.

    A GML 3.2 geometry needs a ``gml:id``; one is added where missing (an envelope is no
    geometry and needs none). Returns True when ``root`` changed.
    """
    changed = False
    serial = 0
    for flt in root.iter(f"{{{FES20}}}Filter"):
        for element in flt.iter():
            if not isinstance(element.tag, str):
                continue
            if etree.QName(element).namespace == GML311:
                element.tag = f"{{{GML32}}}{etree.QName(element).localname}"
                changed = True
                parent = element.getparent()
                is_top = parent is not None and etree.QName(parent).namespace == FES20
                named = f"{{{GML32}}}id" in element.attrib or f"{{{GML311}}}id" in element.attrib
                if is_top and etree.QName(element).localname != "Envelope" and not named:
                    serial += 1
                    element.set(f"{{{GML32}}}id", f"odatis-filter-geometry-{serial}")
            for name in [name for name in element.attrib if name.startswith(f"{{{GML311}}}")]:
                element.set(f"{{{GML32}}}{name.split('}', 1)[1]}", element.attrib.pop(name))
                changed = True
    return changed
