"""Recognise metadata documents and turn them into pycsw repository rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pycsw.core import metadata
from pycsw.core import util as pycsw_util

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.mapping.anchors import add_anchors
from odatis_csw.model.iso19139 import write as write_iso19139
from odatis_csw.model.readers import DATACITE_PREFIX, read_record, reader_name
from odatis_csw.model.record import Record
from odatis_csw.quality import Quality, Repair, repaired, validate
from odatis_csw.quality.paths import element_path
from odatis_csw.safexml import safe_parser
from odatis_csw.store.parsecopy import (
    GMD,
    GMI,
    GML32,
    ISO2005,
    fix_https_namespaces,
    is_iso19139_profile_root,
    namespace,
    parse_copy,
)
from odatis_csw.store.rows import complete_from_model, normalise_row

CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
CSW30 = "http://www.opengis.net/cat/csw/3.0"

#: Root elements of the record dialects we load, with a short name for reports.
RECORD_ROOTS: dict[str, str] = {
    f"{{{GMD}}}MD_Metadata": "ISO 19139",
    f"{{{GMI}}}MI_Metadata": "ISO 19115-2",
    "{http://standards.iso.org/iso/19115/-3/mdb/2.0}MD_Metadata": "ISO 19115-3",
    "{http://standards.iso.org/iso/19115/-3/mdb/1.0}MD_Metadata": "ISO 19115-3 (mdb 1.0)",
    f"{{{CSW202}}}Record": "Dublin Core (csw:Record)",
    "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc": "Dublin Core (oai_dc)",
}
#: The ``oai_datacite`` wrapper's namespaces start so: oai-1.0/, oai-1.1/.
OAI_DATACITE = "http://schema.datacite.org/oai/oai-"

#: CSW responses whose members are records (a saved GetRecords or GetRecordById answer).
RESPONSE_ROOTS = {
    f"{{{CSW202}}}GetRecordsResponse",
    f"{{{CSW202}}}GetRecordByIdResponse",
    f"{{{CSW30}}}GetRecordsResponse",
    f"{{{CSW30}}}GetRecordByIdResponse",
}


def dialect(element: etree._Element) -> str | None:
    """Short name of a record element's dialect, or None when it is not a record we load."""
    if element.tag in RECORD_ROOTS:
        return RECORD_ROOTS[element.tag]
    qname = etree.QName(element)
    if qname.localname == "resource" and (qname.namespace or "").startswith(DATACITE_PREFIX):
        return f"DataCite ({qname.namespace.removeprefix('http://datacite.org/schema/')})"
    if is_iso19139_profile_root(element):
        return f"ISO 19139 profile ({etree.QName(element).localname})"
    return None


def record_elements(root: etree._Element) -> Iterator[etree._Element]:
    """Yield the record elements of a document, unwrapping CSW responses."""
    root = fix_https_namespaces(root)
    if dialect(root):
        yield root
        return
    qname = etree.QName(root)
    if qname.localname == "oai_datacite" and (qname.namespace or "").startswith(OAI_DATACITE):
        found = [child for child in root.iterfind(f"{{{qname.namespace}}}payload/*") if dialect(child)]
        if not found:
            raise UnsupportedRecordError("oai_datacite wrapper holds no DataCite resource")
        yield from found
        return
    if root.tag in RESPONSE_ROOTS:
        members = [el for el in root.iter() if isinstance(el.tag, str) and el is not root and dialect(el)]
        outermost = [el for el in members if not any(p in members for p in el.iterancestors())]
        if not outermost:
            raise UnsupportedRecordError("CSW response holds no record we can load")
        yield from outermost
        return
    where = "" if etree.QName(root).namespace else " in no namespace"
    raise UnsupportedRecordError(
        f"unsupported root element {root.tag}{where} (expected gmd:MD_Metadata, gmi:MI_Metadata, "
        "mdb:MD_Metadata, csw:Record, oai_dc:dc or a DataCite resource)"
    )


@dataclass(frozen=True)
class Assessment:
    """What the catalogue did to a record and what it thinks of it: repairs and quality."""

    repairs: tuple[Repair, ...]
    quality: Quality
    #: the record element as the publisher wrote it (a CSW response unwrapped), for GetRepositoryItem
    source_document: str = ""
    #: the normalised model read from the source document, when a reader knows its dialect
    record: Record | None = None

    def to_json(self) -> dict[str, str]:
        return {
            "repairs": json.dumps([repair.to_dict() for repair in self.repairs], ensure_ascii=False),
            "quality": self.quality.to_json(),
        }


def assessed_row(
    context: Any, repository: Any, element: etree._Element, fallback_identifier: str | None = None
) -> tuple[Any, Assessment]:
    """The row of one record, built from the ISO 19139 document served for it, with its assessment.

    An ISO 19139 / 19115-2 record is served as published, repaired and anchored; when that is still
    not valid ISO 19139, and for every other dialect a reader knows (ISO 19115-3, profiles, DataCite,
    Dublin Core), the served document is written from the normalised model. The publisher's own
    document is kept beside it (``Assessment.source_document``). ``fallback_identifier`` names a
    record whose document has none (ncISO records often have ``fileIdentifier nilReason="missing"``).
    """
    name = dialect(element) or "record"
    served, repairs, record, quality = _served_document(element, name, fallback_identifier)
    work = parse_copy(served)
    if (
        work.tag in (f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")
        and work.find(f"{{{GMD}}}identificationInfo/*") is None
    ):
        raise UnsupportedRecordError(
            f"{name} record has no gmd:identificationInfo (no title, abstract or extent)"
        )
    try:
        rows = metadata.parse_record(context, work, repository)
    except Exception as err:  # noqa: BLE001 - the engine raises bare exceptions
        raise UnsupportedRecordError(f"{name} record not understood: {type(err).__name__}: {err}") from err
    row = rows[0]
    if not row.identifier and fallback_identifier:
        row.identifier = fallback_identifier
    if not row.identifier:
        raise UnsupportedRecordError(f"{name} record has no identifier (fileIdentifier / dc:identifier)")
    row.xml = etree.tostring(served, encoding="unicode")
    row.anytext = pycsw_util.get_anytext(served)
    if any(repair.what in WRITTEN for repair in repairs):  # full text also finds what only the source says
        row.anytext = f"{row.anytext} {pycsw_util.get_anytext(element)}"
    if row.servicetype:
        row.servicetype = ",".join(part for part in row.servicetype.split(",") if part.strip())
    complete_from_model(row, element, served, record)
    source_document = etree.tostring(element, encoding="unicode")
    return row, Assessment(tuple(repairs), quality, source_document, record)


#: Repairs that mean the served document was written from the model, not taken from the source.
WRITTEN = frozenset({"rebuilt-from-model", "written-from-model"})


def _served_document(
    element: etree._Element, name: str, fallback_identifier: str | None
) -> tuple[etree._Element, list[Repair], Record | None, Quality]:
    """The document to serve for a record element, the repairs that made it, its model and quality.

    Each candidate document is validated once (the schema check is the costliest step of a load).
    """
    canonical = etree.fromstring(etree.tostring(element), safe_parser())
    repairs: list[Repair] = []
    iso = canonical.tag in (f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")
    if iso:
        repaired_tree, repairs = repaired(canonical)
        canonical = repaired_tree.getroot()
        repairs.extend(add_anchors(canonical))
    record = normalised(canonical, repairs)
    if not iso:
        if record is None:
            return canonical, repairs, record, validate(canonical)
        written = _written(record, fallback_identifier)
        repairs.extend(add_anchors(written))
        why = (
            f"{name} record served as ISO 19139 written from its normalised record; its own document is kept"
        )
        repairs.append(Repair("written-from-model", why, element_path(written)))
        return written, repairs, record, validate(written)
    quality = validate(canonical)
    errors = sum(1 for problem in quality.problems if problem.severity == "error")
    foreign = _profile_namespaces(canonical)
    if (not errors and not foreign) or record is None:
        return canonical, repairs, record, quality
    rebuilt = _written(record, fallback_identifier)
    rebuilt_quality = validate(rebuilt)
    if any(problem.severity == "error" for problem in rebuilt_quality.problems):
        return canonical, repairs, record, quality
    found = [f"{errors} ISO 19139 schema error(s) after repair"] if errors else []
    found += [f"profile elements ({', '.join(sorted(foreign))})"] if foreign else []
    why = (
        f"the publisher's document has {' and '.join(found)}: the served document is written from its "
        "normalised record; the publisher's document is kept"
    )
    rebuilt_repairs = [*repairs, Repair("rebuilt-from-model", why, element_path(canonical))]
    return rebuilt, rebuilt_repairs, record, rebuilt_quality


def _written(record: Record, fallback_identifier: str | None) -> etree._Element:
    """The ISO 19139 written from a record, named by the fallback identifier when it has none."""
    if not record.file_identifier and fallback_identifier:
        record.file_identifier = fallback_identifier
    return write_iso19139(record)


def assessed_rows_of(
    repository: Any, tree: etree._ElementTree, fallback_identifier: str | None = None
) -> list[tuple[Any, Assessment]]:
    """The rows of a parsed document (every record it holds), repaired, with their assessments."""
    return [
        (normalise_row(row), assessment)
        for row, assessment in (
            assessed_row(repository.context, repository, element, fallback_identifier)
            for element in record_elements(tree.getroot())
        )
    ]


def _profile_namespaces(root: etree._Element) -> set[str]:
    """Namespaces of elements outside ISO 19139 / 19115-2 / 19119 and GML 3.2 (profile extensions)."""
    return {
        namespace(el.tag) or ""
        for el in root.iter()
        if isinstance(el.tag, str) and namespace(el.tag) not in ISO2005 and namespace(el.tag) != GML32
    }


def normalised(element: etree._Element, repairs: list[Repair]) -> Record | None:
    """The normalised model of a record element; a reader's failure is traced, never fatal."""
    if reader_name(element) is None:
        return None
    try:
        return read_record(element)
    except Exception as err:  # noqa: BLE001 - the record stays served as published; the trace says why
        repairs.append(Repair("model-unread", f"{type(err).__name__}: {err}", element_path(element)))
        return None
