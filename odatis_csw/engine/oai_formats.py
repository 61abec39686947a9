"""The metadata formats of the OAI-PMH provider (§4.4): one registry entry per ``metadataPrefix``.

Each entry names its schema and namespace, renders a record from its row, and says in SQL
which records it can disseminate (None: every record). A new format is one more entry in
:data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement

from odatis_csw.engine import dcat_output, oai_datacite, oai_dc
from odatis_csw.errors import UnsafeXMLError
from odatis_csw.safexml import parse_bytes
from odatis_csw.store import identities

GMD = "http://www.isotc211.org/2005/gmd"
#: No XML schema exists for RDF/XML: ListMetadataFormats names the DCAT-AP release instead.
DCAT_AP = "https://semiceu.github.io/DCAT-AP/releases/3.0.1/"
GMI = "http://www.isotc211.org/2005/gmi"
#: Root elements of the ISO 19139 documents the ``iso19139`` format disseminates.
ISO19139_ROOTS = (f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata")
#: ``typename`` of the rows whose stored document is ISO 19139 (ISO 19115-2 ``gmi`` included).
ISO19139_TYPENAME = "gmd:MD_Metadata"


@dataclass(frozen=True)
class Context:
    """What a renderer may need beside the row: the record's DOIs and the service's base URL."""

    dois: Sequence[str] = ()
    base_url: str = ""


Renderer = Callable[[Any, Context], etree._Element | None]


@dataclass(frozen=True)
class Format:
    """One metadata format: what ListMetadataFormats says of it, and how records are written."""

    prefix: str
    schema: str
    namespace: str
    render: Renderer  # (row, context) → the metadata element, or None if the row cannot be
    available: Callable[[Table], ColumnElement[Any]] | None = None  # SQL: rows it can disseminate


def _oai_dc(row: Any, context: Context) -> etree._Element:
    return oai_dc.render(row, context.dois)


def _iso19139(row: Any, context: Context) -> etree._Element | None:
    """The stored document itself, when it is an ISO 19139 (or ISO 19115-2) record."""
    try:
        root = parse_bytes(str(row.xml).encode("utf-8"), source=str(row.identifier)).getroot()
    except UnsafeXMLError:
        return None
    return root if root.tag in ISO19139_ROOTS else None


def _datacite(row: Any, context: Context) -> etree._Element | None:
    return oai_datacite.render(row, context.dois[0]) if context.dois else None


def _dcat_ap(row: Any, context: Context) -> etree._Element:
    return dcat_output.rdf_element(row, context.base_url)


def _is_iso19139(table: Table) -> ColumnElement[Any]:
    return table.c.typename == ISO19139_TYPENAME


def _has_doi(table: Table) -> ColumnElement[Any]:
    return table.c.identifier.in_(identities.records_with(identities.DOI))


FORMATS: dict[str, Format] = {
    "oai_dc": Format("oai_dc", oai_dc.SCHEMA, oai_dc.OAI_DC, _oai_dc),
    "iso19139": Format("iso19139", "http://www.isotc211.org/2005/gmd/gmd.xsd", GMD, _iso19139, _is_iso19139),
    "datacite": Format("datacite", oai_datacite.SCHEMA, oai_datacite.DATACITE, _datacite, _has_doi),
    "dcat_ap": Format("dcat_ap", DCAT_AP, dcat_output.NAMESPACE, _dcat_ap),
}


def conditions(fmt: Format, table: Table) -> list[ColumnElement[Any]]:
    """The SQL conditions selecting the rows ``fmt`` can disseminate."""
    return [] if fmt.available is None else [fmt.available(table)]


def dois_of(engine: Engine, record_ids: Sequence[str]) -> dict[str, list[str]]:
    """The DOIs of each of ``record_ids`` (one query per page)."""
    if not record_ids:
        return {}
    table = identities.identities
    query = (
        select(table.c.record_id, table.c.value)
        .where(table.c.kind == identities.DOI, table.c.record_id.in_(list(record_ids)))
        .order_by(table.c.record_id, table.c.value)
    )
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for record_id, value in connection.execute(query):
            found.setdefault(str(record_id), []).append(str(value))
    return found
