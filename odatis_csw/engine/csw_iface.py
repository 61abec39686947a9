"""Behaviour shared by our CSW 2.0.2 and CSW 3.0 interfaces (subclasses of pycsw's ``Csw2``/``Csw3``).

* GetCapabilities ``sections``: the engine ignores section names it does not know (CSW 2.0.2
  then answers only ``Filter_Capabilities``), never honours ``All`` in 2.0.2 nor
  ``Filter_Capabilities``/``Languages`` in 3.0. We check the names (an unknown one is an
  ``InvalidParameterValue``, OGC 06-121r3 §7.3.3), let the engine write the complete document
  and remove the sections not asked for.
* INSPIRE ``LANGUAGE``: the engine refuses an unsupported language; the INSPIRE Technical
  Guidance for Discovery Services answers in the default language instead.
* ISO output of a record typed with a DCMI type URI (``http://purl.org/dc/dcmitype/Service``):
  the engine copies the URI into ``MD_ScopeCode`` (only ``Dataset`` is translated), so a
  service is neither scoped ``service`` nor described by ``srv:SV_ServiceIdentification``. The
  ISO writers see the ISO 19115 scope code instead (the stored row is never touched).
* GetRepositoryItem: the engine answers the stored document, which is the catalogue's own
  (repaired, normalised) form. It answers the exact source document instead: the archived
  payload of the published record the catalogue serves (see :mod:`odatis_csw.store.datasets`),
  written as it was received by :class:`CatalogueCsw`.
* A POST request whose constraint is bad: the engine reports it with locator ``service`` (or
  as an invalid document, ``NoApplicableCode``). We note it; :class:`CatalogueCsw` answers
  ``InvalidParameterValue`` with locator ``constraint``.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from pycsw.core import util
from pycsw.ogc.csw import csw2

from odatis_csw.engine.outputschemas import RecordView
from odatis_csw.safexml import safe_parser
from odatis_csw.store import datasets

OWS10 = "http://www.opengis.net/ows"
OWS20 = "http://www.opengis.net/ows/2.0"
OGC = "http://www.opengis.net/ogc"
FES20 = "http://www.opengis.net/fes/2.0"
CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
CSW30 = "http://www.opengis.net/cat/csw/3.0"

#: Section name → element, per version (OGC 07-006r1 Table 58/59; OGC 12-176r7 with 06-121r9).
SECTIONS = {
    "2.0.2": {
        "ServiceIdentification": f"{{{OWS10}}}ServiceIdentification",
        "ServiceProvider": f"{{{OWS10}}}ServiceProvider",
        "OperationsMetadata": f"{{{OWS10}}}OperationsMetadata",
        "Filter_Capabilities": f"{{{OGC}}}Filter_Capabilities",
    },
    "3.0.0": {
        "ServiceIdentification": f"{{{OWS20}}}ServiceIdentification",
        "ServiceProvider": f"{{{OWS20}}}ServiceProvider",
        "OperationsMetadata": f"{{{OWS20}}}OperationsMetadata",
        "Languages": f"{{{OWS20}}}Languages",
        "Filter_Capabilities": f"{{{FES20}}}Filter_Capabilities",
    },
}
#: Sections always written: CSW-discovery.xsd (2.0.2) requires ogc:Filter_Capabilities.
MANDATORY_SECTIONS = {"2.0.2": frozenset({"Filter_Capabilities"}), "3.0.0": frozenset()}
DCMITYPE = "http://purl.org/dc/dcmitype/"
#: DCMI type (local name, lower case) → ISO 19115 MD_ScopeCode, where the two mean the same thing.
DCMI_TO_ISO_SCOPE = {"service": "service", "dataset": "dataset", "software": "software"}
CONSTRAINT_PROBLEMS = ("Invalid Constraint",)
INVALID_DOCUMENT = "the document is not valid"


class ConformanceMixin:
    """Mixed into the engine's ``Csw2``/``Csw3`` (which provide ``parent``, ``version`` and the rest)."""

    parent: Any
    version: str

    # ------------------------------------------------------------------ GetCapabilities

    def getcapabilities(self) -> Any:
        kvp = self.parent.kvp
        self._fall_back_to_default_language(kvp)
        raw = kvp.pop("sections", None)
        names = [name.strip() for name in (raw or "").split(",") if name.strip()]
        known = SECTIONS[self.version]
        unknown = [name for name in names if name not in known and name != "All"]
        if unknown:
            allowed = ", ".join([*known, "All"])
            return self.exceptionreport(  # type: ignore[attr-defined]
                "InvalidParameterValue",
                "sections",
                f"unknown section {unknown[0]!r}; sections are {allowed}",
            )
        node = super().getcapabilities()  # type: ignore[misc]
        if not names or "All" in names or self.parent.exception or not hasattr(node, "iterchildren"):
            return node
        keep = set(names) | MANDATORY_SECTIONS[self.version]
        drop = {tag for name, tag in known.items() if name not in keep}
        for child in list(node):
            if child.tag in drop:
                node.remove(child)
        return node

    def _fall_back_to_default_language(self, kvp: dict[str, Any]) -> None:
        """INSPIRE TG Discovery 3.1: an unsupported language is answered in the default language."""
        inspire = self.parent.config.get("metadata", {}).get("inspire", {})
        if not inspire.get("enabled") or "language" not in kvp:
            return
        supported = {str(code).lower(): str(code) for code in inspire.get("languages_supported", [])}
        asked = str(kvp["language"]).strip().lower()
        if asked in supported:
            kvp["language"] = supported[asked]
        else:
            del kvp["language"]

    # ------------------------------------------------------------------ records

    def getrecords(self) -> Any:
        self._iso_scope_codes()
        return super().getrecords()  # type: ignore[misc]

    def getrecordbyid(self, raw: bool = False) -> Any:
        self._iso_scope_codes()
        return super().getrecordbyid(raw)  # type: ignore[misc]

    def _iso_scope_codes(self) -> None:
        """Let every profile writer (ISO) see the ISO scope code of a DCMI-typed record."""
        profiles = getattr(self.parent, "profiles", None) or {}
        column = self.parent.context.md_core_model["mappings"]["pycsw:Type"]
        for profile in profiles.get("loaded", {}).values():
            if "write_record" not in vars(profile):
                profile.write_record = _scoped_writer(profile.write_record, column)

    def getrepositoryitem(self) -> Any:
        """The exact source document of a served record; the engine's answer for records without one."""
        identifier = self.parent.kvp.get("id")
        if isinstance(identifier, str) and identifier:
            found = datasets.source_document(self.parent.repository.engine, identifier)
            if found is not None:
                self.parent.source_document = found
                return etree.Element("source-document")  # written by CatalogueCsw._write_response
        return super().getrepositoryitem()  # type: ignore[misc]

    # ------------------------------------------------------------------ POST constraints

    def parse_postdata(self, postdata: Any) -> Any:
        request = super().parse_postdata(postdata)  # type: ignore[misc]
        if isinstance(request, str) and self._constraint_is_the_problem(request, postdata):
            self.parent.constraint_problem = request
        return request

    def _constraint_is_the_problem(self, problem: str, postdata: Any) -> bool:
        if problem.startswith(CONSTRAINT_PROBLEMS):
            return True
        return INVALID_DOCUMENT in problem and self._valid_without_constraint(postdata)

    def _valid_without_constraint(self, postdata: Any) -> bool:
        """Is the invalid request valid once its query constraint is taken out?"""
        try:
            root = etree.fromstring(postdata, safe_parser())
        except (etree.XMLSyntaxError, ValueError, TypeError):
            return False
        constraints = [
            element
            for namespace in (CSW202, CSW30)
            for element in root.iter(f"{{{namespace}}}Constraint")
            if element.getparent() is not None and etree.QName(element.getparent()).localname == "Query"
        ]
        if not constraints:
            return False
        stripped = copy.deepcopy(root)
        for element in [el for el in stripped.iter() if el.tag in {c.tag for c in constraints}]:
            parent = element.getparent()
            if parent is not None and etree.QName(parent).localname == "Query":
                parent.remove(element)
        soap = self.parent.soap
        try:
            return isinstance(super().parse_postdata(etree.tostring(stripped)), dict)  # type: ignore[misc]
        finally:
            self.parent.soap = soap


def iso_scope_code(value: Any) -> str | None:
    """The ISO 19115 scope code meaning the same as a DCMI type URI, if any."""
    if isinstance(value, str) and value.startswith(DCMITYPE):
        return DCMI_TO_ISO_SCOPE.get(value[len(DCMITYPE) :].strip("/").lower())
    return None


def _scoped_writer(write_record: Any, column: str) -> Any:
    def write(result: Any, *args: Any, **kwargs: Any) -> Any:
        scope = iso_scope_code(util.getqattr(result, column))
        if scope is not None:
            result = RecordView(result, {column: scope})
        return write_record(result, *args, **kwargs)

    return write


class CatalogueCsw2(ConformanceMixin, csw2.Csw2):  # type: ignore[misc]
    """pycsw's CSW 2.0.2 interface with the fixes above."""
