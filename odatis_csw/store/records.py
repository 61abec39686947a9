"""Recognise metadata documents and turn them into pycsw repository rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree
from pycsw.core import metadata

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.safexml import safe_parser

CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
CSW30 = "http://www.opengis.net/cat/csw/3.0"

#: Root elements of the record dialects we load, with a short name for reports.
RECORD_ROOTS: dict[str, str] = {
    "{http://www.isotc211.org/2005/gmd}MD_Metadata": "ISO 19139",
    "{http://www.isotc211.org/2005/gmi}MI_Metadata": "ISO 19115-2",
    "{http://standards.iso.org/iso/19115/-3/mdb/2.0}MD_Metadata": "ISO 19115-3",
    f"{{{CSW202}}}Record": "Dublin Core (csw:Record)",
    f"{{{CSW30}}}Record": "Dublin Core (csw:Record)",
}

#: CSW responses whose members are records (a saved GetRecords or GetRecordById answer).
RESPONSE_ROOTS = {
    f"{{{CSW202}}}GetRecordsResponse",
    f"{{{CSW202}}}GetRecordByIdResponse",
    f"{{{CSW30}}}GetRecordsResponse",
    f"{{{CSW30}}}GetRecordByIdResponse",
}


def record_elements(root: etree._Element) -> Iterator[etree._Element]:
    """Yield the record elements of a document, unwrapping CSW responses."""
    if root.tag in RECORD_ROOTS:
        yield root
        return
    if root.tag in RESPONSE_ROOTS:
        members = [el for el in root.iter() if el.tag in RECORD_ROOTS and el is not root]
        outermost = [el for el in members if not any(p in members for p in el.iterancestors())]
        if not outermost:
            raise UnsupportedRecordError("CSW response holds no record we can load")
        yield from outermost
        return
    raise UnsupportedRecordError(
        f"unsupported root element {root.tag} (expected gmd:MD_Metadata, gmi:MI_Metadata, "
        "mdb:MD_Metadata or csw:Record)"
    )


def to_row(context: Any, repository: Any, element: etree._Element) -> Any:
    """Parse one record element into a pycsw row; raise UnsupportedRecordError if unusable."""
    standalone = etree.fromstring(etree.tostring(element), safe_parser())
    try:
        rows = metadata.parse_record(context, standalone, repository)
    except Exception as err:  # noqa: BLE001 - the engine raises bare exceptions
        raise UnsupportedRecordError(f"{RECORD_ROOTS[element.tag]} record not understood: {err}") from err
    row = rows[0]
    if not row.identifier:
        raise UnsupportedRecordError(
            f"{RECORD_ROOTS[element.tag]} record has no identifier (fileIdentifier / dc:identifier)"
        )
    return row
