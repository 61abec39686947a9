"""Quality of an ISO 19139 record: XSD validity (offline), discovery-profile elements, completeness.

``validate(document) -> Quality`` with

* ``valid_xsd``: no error against the local ISO 19139 (2007-04-17) ``gmd``/``gmx`` schemas
  (:mod:`odatis_csw.quality.schemas`) in what could be validated; always False when the document
  holds no ISO 19139 record (``xsd_scope == "none"``);
* ``problems``: :class:`Problem` records, each with a severity, the element path (XPath with the
  prefixes of :data:`odatis_csw.quality.paths.NAMESPACES`), a message and the source line:

  - ``error``: an XSD validation error;
  - ``warning``: an element of the discovery profile below missing;
  - ``info``: what the validation could not cover (no schema for a namespace, embedded record);

* ``completeness``: 0..100, the weighted share of the discovery-profile elements present;
* ``xsd_scope``: ``"full"`` (the whole record was validated), ``"partial"`` (elements of namespaces
  with no local schema were set aside; the ISO 19139 parts were validated, see below) or ``"none"``.

Namespaces with no local schema (ISO 19115-2 ``gmi``, ISO 19119 ``srv``, profile extensions such as
``mcp``): those elements are taken out of a copy of the record (their property is left empty, which
the ISO 19139 property types allow) and reported once per namespace as ``info``; a ``gmi:MI_Metadata``
root is validated as ``gmd:MD_Metadata`` (which it extends), without its ``gmi:acquisitionInformation``.
Every ISO 19139 object found inside a set-aside element (e.g. the ``gmd:CI_Citation`` of a
``srv:SV_ServiceIdentification``) is then validated on its own, recursively. GML 3.1
(``http://www.opengis.net/gml``) is *not* set aside: ISO 19139 (2007) requires GML 3.2, so GML 3.1
elements are reported as errors.

Discovery profile (ISO 19115 core / INSPIRE metadata for discovery, encoded in ISO 19139). Weights add
up to 100 for a dataset; items marked *dataset* do not apply to services (every hierarchyLevel ``service``
or with no hierarchyLevel, an ``srv:SV_ServiceIdentification`` and no ``gmd:MD_DataIdentification``);
any other hierarchy level (series, collection, none given, ...) is scored as a dataset.
``completeness = round(100 * present weights / applicable weights)``.

=======================  ======  =======  =========================================================
key                      weight  scope    present when
=======================  ======  =======  =========================================================
file_identifier          5       all      ``gmd:fileIdentifier`` not empty
metadata_language        4       all      ``gmd:language`` not empty
hierarchy_level          3       all      ``gmd:hierarchyLevel/gmd:MD_ScopeCode``
metadata_contact         6       all      ``gmd:contact`` with an organisation name and an e-mail
date_stamp               4       all      ``gmd:dateStamp`` not empty
title                    10      all      citation title not empty
citation_date            5       all      a citation ``gmd:CI_Date`` with a date and a date type
abstract                 10      all      ``gmd:abstract`` not empty
point_of_contact         6       all      ``gmd:pointOfContact`` with an organisation name and an e-mail
keyword                  6       all      a non-empty ``gmd:keyword``
inspire_theme            4       dataset  a keyword from "GEMET - INSPIRE themes" (thesaurus title,
                                          or an Anchor to inspire.ec.europa.eu/theme)
topic_category           4       dataset  ``gmd:topicCategory`` not empty
bounding_box             8       dataset  an ``gmd:EX_GeographicBoundingBox`` with its four bounds
temporal_reference       5       all      a temporal extent position, or a publication / revision /
                                          creation date
lineage                  4       dataset  ``gmd:lineage/*/gmd:statement`` not empty
use_conditions           4       all      ``gmd:useLimitation``, or ``gmd:useConstraints`` with
                                          ``gmd:otherConstraints``
access_limitations       4       all      ``gmd:accessConstraints`` or ``gmd:classification``
resource_language        3       dataset  ``gmd:MD_DataIdentification/gmd:language`` not empty
distribution_link        5       all      a ``gmd:CI_OnlineResource/gmd:linkage/gmd:URL`` in
                                          ``gmd:distributionInfo`` (or a service ``srv:connectPoint``)
=======================  ======  =======  =========================================================
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict, dataclass
from typing import Literal

from lxml import etree

from odatis_csw.quality import schemas
from odatis_csw.quality.paths import GMD, GMI, GML, NAMESPACES, SRV, element_path

Severity = Literal["error", "warning", "info"]
Scope = Literal["full", "partial", "none"]

_METADATA = (f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")


@dataclass(frozen=True)
class Problem:
    severity: Severity
    path: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Quality:
    valid_xsd: bool
    problems: tuple[Problem, ...]
    completeness: int
    xsd_scope: Scope = "full"

    def to_dict(self) -> dict[str, object]:
        return {
            "valid_xsd": self.valid_xsd,
            "xsd_scope": self.xsd_scope,
            "completeness": self.completeness,
            "problems": [asdict(problem) for problem in self.problems],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


Document = bytes | etree._Element | etree._ElementTree


def validate(document: Document) -> Quality:
    """XSD validation, discovery-profile check and completeness of one record document."""
    root = _root(document)
    metadata = metadata_element(root)
    if metadata is None:
        qname = etree.QName(root)
        return Quality(
            valid_xsd=False,
            problems=(
                Problem(
                    "info",
                    element_path(root),
                    f"not an ISO 19139 record (root {qname.localname} in {qname.namespace}): "
                    "no ISO 19139 schema or profile applies",
                    root.sourceline,
                ),
            ),
            completeness=0,
            xsd_scope="none",
        )
    valid, problems, scope = xsd_problems(metadata)
    missing, score = profile_problems(metadata)
    if metadata is not root:
        problems.insert(
            0,
            Problem(
                "info",
                element_path(metadata),
                "record embedded in a wrapper document: only the record was checked",
                metadata.sourceline,
            ),
        )
    return Quality(valid, tuple(problems + missing), score, scope)


def metadata_element(document: Document) -> etree._Element | None:
    """The ``gmd:MD_Metadata`` / ``gmi:MI_Metadata`` element: the root, else the first one inside."""
    root = _root(document)
    if root.tag in _METADATA:
        return root
    return next(root.iter(*_METADATA), None)


def _root(document: Document) -> etree._Element:
    if isinstance(document, bytes):
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        return etree.fromstring(document, parser)
    if isinstance(document, etree._ElementTree):
        return document.getroot()
    return document


# --------------------------------------------------------------------------- XSD

#: Namespaces known to the ISO 19139 schema or deliberately left in place (GML 3.1: an error there).
_KEPT = schemas.NAMESPACES | {GML, "http://www.w3.org/2001/XMLSchema-instance"}
_CLARK = re.compile(r"\{([^}]*)\}")
_PREFIX = {uri: prefix for prefix, uri in NAMESPACES.items()}


def _namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def _kept(element: etree._Element) -> bool:
    return _namespace(element) in _KEPT


def _readable(message: str) -> str:
    return _CLARK.sub(lambda m: f"{_PREFIX[m[1]]}:" if m[1] in _PREFIX else m[0], message)


def xsd_problems(metadata: etree._Element) -> tuple[bool, list[Problem], Scope]:
    """Validate ``metadata`` (and, when needed, its ISO 19139 parts) against the local ISO 19139 XSD."""
    errors: list[Problem] = []
    set_aside: dict[str, list[etree._Element]] = {}
    _validate_part(metadata, errors, set_aside)
    notes = []
    if metadata.tag == f"{{{GMI}}}MI_Metadata":
        notes.append(
            Problem(
                "info",
                element_path(metadata),
                "no local XSD for ISO 19115-2 (gmi): gmi:MI_Metadata validated as the gmd:MD_Metadata it "
                "extends, gmi elements set aside",
                metadata.sourceline,
            )
        )
    for namespace, elements in set_aside.items():
        first = elements[0]
        notes.append(
            Problem(
                "info",
                element_path(first),
                f"no local XSD for {namespace}: {len(elements)} element(s) (first "
                f"{etree.QName(first).localname}) not validated; the ISO 19139 objects inside them were",
                first.sourceline,
            )
        )
    scope: Scope = "partial" if notes else "full"
    return not errors, notes + errors, scope


def _validate_part(original: etree._Element, errors: list[Problem], set_aside: dict) -> None:
    duplicate = copy.deepcopy(original)
    origin = dict(zip(duplicate.iter(), original.iter(), strict=True))
    if duplicate.tag == f"{{{GMI}}}MI_Metadata":
        duplicate.tag = f"{{{GMD}}}MD_Metadata"
    elif not _kept(duplicate):
        set_aside.setdefault(_namespace(original), []).append(original)
        for island in _islands(original):
            _validate_part(island, errors, set_aside)
        return

    tops = [element for element in duplicate.iter() if isinstance(element.tag, str) and not _kept(element)]
    tops = [element for element in tops if not any(not _kept(a) for a in element.iterancestors())]
    # the renamed MI_Metadata root is kept: its gmi children are among ``tops``
    for element in tops:
        source = origin[element]
        set_aside.setdefault(_namespace(source), []).append(source)
        element.getparent().remove(element)

    schema = schemas.iso19139_schema()
    with schemas.VALIDATION_LOCK:
        valid = schema.validate(duplicate)
        log = list(schema.error_log)
    if not valid:
        prefixes = _prefixes(duplicate)
        for entry in log:
            errors.append(
                Problem(
                    "error",
                    _original_path(duplicate, entry.path, prefixes, origin),
                    _readable(entry.message),
                    entry.line,
                )
            )
    for element in tops:
        for island in _islands(origin[element]):
            _validate_part(island, errors, set_aside)


def _islands(element: etree._Element) -> list[etree._Element]:
    """The outermost ISO 19139 objects (kept namespace, class name) inside a set-aside element."""
    found: list[etree._Element] = []

    def walk(node: etree._Element) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if _kept(child) and etree.QName(child).localname[:1].isupper():
                found.append(child)
            else:
                walk(child)

    walk(element)
    return found


def _prefixes(element: etree._Element) -> dict[str, str]:
    prefixes: dict[str, str] = {}
    for node in element.iter():
        if isinstance(node.tag, str):
            for prefix, uri in node.nsmap.items():
                if prefix:
                    prefixes.setdefault(prefix, uri)
    return prefixes


def _original_path(duplicate: etree._Element, path: str | None, prefixes: dict, origin: dict) -> str:
    """The path in the original document of the element a libxml2 error path names in the copy."""
    if not path:
        return element_path(origin[duplicate])
    try:
        found = duplicate.getroottree().xpath(path, namespaces=prefixes)
    except etree.XPathError:
        found = []
    if found and isinstance(found[0], etree._Element) and found[0] in origin:
        return element_path(origin[found[0]])
    return path


# --------------------------------------------------------------------------- discovery profile

_ORGANISATION_AND_EMAIL = (
    "gmd:CI_ResponsibleParty[gmd:organisationName/*[normalize-space()] and gmd:contactInfo/gmd:CI_Contact"
    "/gmd:address/gmd:CI_Address/gmd:electronicMailAddress/*[normalize-space()]]"
)
_CODE = "[normalize-space(@codeListValue) or normalize-space()]"
_LOWER = "translate(normalize-space(), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_BOUNDS = " and ".join(
    f"gmd:{name}/gco:Decimal[normalize-space()]"
    for name in ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")
)
#: A GML 3.2 or 3.1 time position with a value (or "now").
_POSITION = (
    ".//*[(local-name()='beginPosition' or local-name()='endPosition' or local-name()='timePosition') "
    "and (normalize-space() or @indeterminatePosition='now')]"
)


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    weight: int
    datasets_only: bool
    test: str  # XPath from the metadata element: true when the element is present
    where: str  # XPath of the element that should hold it (for the problem's path)


_IDENT = "gmd:identificationInfo/*"
_CITATION = f"{_IDENT}/gmd:citation/gmd:CI_Citation"

PROFILE: tuple[Requirement, ...] = (
    Requirement(
        "file_identifier",
        "metadata file identifier (gmd:fileIdentifier)",
        5,
        False,
        "gmd:fileIdentifier/*[normalize-space()]",
        ".",
    ),
    Requirement(
        "metadata_language", "metadata language (gmd:language)", 4, False, f"gmd:language/*{_CODE}", "."
    ),
    Requirement(
        "hierarchy_level",
        "resource type (gmd:hierarchyLevel)",
        3,
        False,
        f"gmd:hierarchyLevel/gmd:MD_ScopeCode{_CODE}",
        ".",
    ),
    Requirement(
        "metadata_contact",
        "metadata point of contact with organisation name and e-mail (gmd:contact)",
        6,
        False,
        f"gmd:contact/{_ORGANISATION_AND_EMAIL}",
        ".",
    ),
    Requirement(
        "date_stamp", "metadata date (gmd:dateStamp)", 4, False, "gmd:dateStamp/*[normalize-space()]", "."
    ),
    Requirement(
        "title",
        "resource title (gmd:citation/gmd:CI_Citation/gmd:title)",
        10,
        False,
        f"{_CITATION}/gmd:title/*[normalize-space()]",
        _IDENT,
    ),
    Requirement(
        "citation_date",
        "citation date with a date type (gmd:CI_Citation/gmd:date)",
        5,
        False,
        f"{_CITATION}/gmd:date/gmd:CI_Date[gmd:date/*[normalize-space()] and "
        f"gmd:dateType/gmd:CI_DateTypeCode{_CODE}]",
        _IDENT,
    ),
    Requirement(
        "abstract",
        "resource abstract (gmd:abstract)",
        10,
        False,
        f"{_IDENT}/gmd:abstract/*[normalize-space()]",
        _IDENT,
    ),
    Requirement(
        "point_of_contact",
        "responsible party with organisation name and e-mail (gmd:pointOfContact)",
        6,
        False,
        f"{_IDENT}/gmd:pointOfContact/{_ORGANISATION_AND_EMAIL}",
        _IDENT,
    ),
    Requirement(
        "keyword",
        "keyword (gmd:descriptiveKeywords)",
        6,
        False,
        f"{_IDENT}/gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword/*[normalize-space()]",
        _IDENT,
    ),
    Requirement(
        "inspire_theme",
        "keyword from the GEMET - INSPIRE themes thesaurus",
        4,
        True,
        f"{_IDENT}/gmd:descriptiveKeywords/gmd:MD_Keywords[gmd:keyword/*[normalize-space()] and "
        f"(gmd:thesaurusName/gmd:CI_Citation/gmd:title/*[contains({_LOWER}, 'gemet - inspire themes')]"
        " or gmd:keyword/gmx:Anchor[contains(@xlink:href, 'inspire.ec.europa.eu/theme/')])]",
        _IDENT,
    ),
    Requirement(
        "topic_category",
        "topic category (gmd:topicCategory)",
        4,
        True,
        f"{_IDENT}/gmd:topicCategory/gmd:MD_TopicCategoryCode[normalize-space()]",
        _IDENT,
    ),
    Requirement(
        "bounding_box",
        "geographic bounding box (gmd:EX_GeographicBoundingBox)",
        8,
        True,
        f"{_IDENT}/*[local-name()='extent']/gmd:EX_Extent/gmd:geographicElement"
        f"/gmd:EX_GeographicBoundingBox[{_BOUNDS}]",
        _IDENT,
    ),
    Requirement(
        "temporal_reference",
        "temporal reference (temporal extent, or a publication, revision or creation date)",
        5,
        False,
        f"{_IDENT}/*[local-name()='extent']/gmd:EX_Extent/gmd:temporalElement/*/gmd:extent/*"
        f"[{_POSITION}] or "
        f"{_CITATION}/gmd:date/gmd:CI_Date[gmd:date/*[normalize-space()] and gmd:dateType"
        "/gmd:CI_DateTypeCode[@codeListValue='publication' or @codeListValue='revision' or "
        "@codeListValue='creation']]",
        _IDENT,
    ),
    Requirement(
        "lineage",
        "lineage statement (gmd:LI_Lineage/gmd:statement)",
        4,
        True,
        "gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:lineage/*/gmd:statement/*[normalize-space()]",
        ".",
    ),
    Requirement(
        "use_conditions",
        "conditions for access and use (gmd:useLimitation or gmd:useConstraints)",
        4,
        False,
        f"{_IDENT}/gmd:resourceConstraints/*[gmd:useLimitation/*[normalize-space()] or "
        "(gmd:useConstraints and gmd:otherConstraints/*[normalize-space()])]",
        _IDENT,
    ),
    Requirement(
        "access_limitations",
        "limitations on public access (gmd:accessConstraints or gmd:classification)",
        4,
        False,
        f"{_IDENT}/gmd:resourceConstraints/*[gmd:accessConstraints/gmd:MD_RestrictionCode{_CODE} or "
        f"gmd:classification/gmd:MD_ClassificationCode{_CODE}]",
        _IDENT,
    ),
    Requirement(
        "resource_language",
        "resource language (gmd:MD_DataIdentification/gmd:language)",
        3,
        True,
        f"gmd:identificationInfo/gmd:MD_DataIdentification/gmd:language/*{_CODE}",
        _IDENT,
    ),
    Requirement(
        "distribution_link",
        "resource locator (gmd:CI_OnlineResource/gmd:linkage)",
        5,
        False,
        "gmd:distributionInfo/gmd:MD_Distribution//gmd:CI_OnlineResource/gmd:linkage"
        "/gmd:URL[normalize-space()] or "
        f"{_IDENT}//srv:connectPoint/gmd:CI_OnlineResource/gmd:linkage/gmd:URL[normalize-space()]",
        ".",
    ),
)


def is_service(metadata: etree._Element) -> bool:
    """A service record: every hierarchyLevel ``service``; with no hierarchyLevel, an
    ``srv:SV_ServiceIdentification`` and no ``gmd:MD_DataIdentification``."""
    levels = [
        value.strip()
        for value in metadata.xpath(
            "gmd:hierarchyLevel/gmd:MD_ScopeCode/@codeListValue", namespaces=NAMESPACES
        )
    ]
    if levels:
        return set(levels) == {"service"}
    identification = f"{{{GMD}}}identificationInfo/"
    return (
        metadata.find(f"{identification}{{{SRV}}}SV_ServiceIdentification") is not None
        and metadata.find(f"{identification}{{{GMD}}}MD_DataIdentification") is None
    )


def profile_problems(metadata: etree._Element) -> tuple[list[Problem], int]:
    """Missing discovery-profile elements (``warning`` problems) and the completeness score."""
    service = is_service(metadata)
    problems: list[Problem] = []
    present = applicable = 0
    for requirement in PROFILE:
        if requirement.datasets_only and service:
            continue
        applicable += requirement.weight
        if metadata.xpath(f"boolean({requirement.test})", namespaces=NAMESPACES):
            present += requirement.weight
            continue
        holder = next(iter(metadata.xpath(requirement.where, namespaces=NAMESPACES)), metadata)
        problems.append(
            Problem(
                "warning",
                element_path(holder),
                f"missing {requirement.label} [{requirement.key}]",
                holder.sourceline,
            )
        )
    return problems, round(100 * present / applicable)
