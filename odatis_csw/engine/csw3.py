"""CSW 3.0 interface fixed: ``csw30:CqlText`` constraints and ``ElementName`` queries work.

pycsw's CQL translator is broken for FES 2.0 (``cql.py``: wrong element name, unbound
literal), so every CSW 3.0 POST with a ``CqlText`` constraint answered "Invalid CQL
request". Its FES 1.0 translation works; we rename its elements into FES 2.0.

A bad KVP ``constraint`` is reported by the engine with locator ``bbox``; it is the
``constraint`` parameter's value that is invalid. Sections, INSPIRE language and POST
constraint problems: see :mod:`odatis_csw.engine.csw_iface`.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from pycsw.core import util
from pycsw.ogc.csw import csw3
from pycsw.ogc.csw.cql import cql2fes

from odatis_csw.engine.csw_iface import ConformanceMixin


def cql_to_fes20(cql_text: str, namespaces: dict[str, str]) -> etree._Element:
    """Translate CQL text into a ``fes20:Filter`` element."""
    root = cql2fes(cql_text, namespaces, fes_version="1.0")
    for element in root.iter():
        name = etree.QName(element)
        if name.namespace == namespaces["ogc"]:
            local = "ValueReference" if name.localname == "PropertyName" else name.localname
            element.tag = f"{{{namespaces['fes20']}}}{local}"
    return root


class CatalogueCsw3(ConformanceMixin, csw3.Csw3):  # type: ignore[misc]
    """pycsw's CSW 3.0 interface with working CQL constraints in POST requests."""

    def exceptionreport(self, code: str, locator: str, text: str) -> Any:
        if locator == "bbox" and str(text).startswith("Invalid Filter query"):
            locator = "constraint"  # the engine's KVP FILTER check names the wrong parameter
        return super().exceptionreport(code, locator, text)

    def _parse_constraint(self, element: Any) -> Any:
        namespaces = self.parent.context.namespaces
        cql = element.find(util.nspath_eval("csw30:CqlText", namespaces))
        if cql is not None:
            try:
                fes_filter = cql_to_fes20(cql.text or "", namespaces)
            except Exception:  # noqa: BLE001 - the translator raises anything on bad CQL
                return "Invalid CQL request"
            element = copy.deepcopy(element)
            element.remove(element.find(util.nspath_eval("csw30:CqlText", namespaces)))
            for old in element.findall(util.nspath_eval("fes20:Filter", namespaces)):
                element.remove(old)
            element.append(fes_filter)
        return super()._parse_constraint(element)

    def parse_postdata(self, postdata: Any) -> Any:
        """A query with ``ElementName`` only must not count as also naming an element set."""
        request = super().parse_postdata(postdata)
        if isinstance(request, dict) and "elementsetname" in request and request["elementsetname"] is None:
            del request["elementsetname"]
        return request
