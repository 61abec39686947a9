"""CSW output schema ``http://www.w3.org/ns/dcat#``: a record as DCAT-AP 3 in RDF/XML.

Registered beside the engine's output schemas, so ``GetRecordById`` and ``GetRecords`` answer
``outputSchema=http://www.w3.org/ns/dcat#`` (as GeoNetwork does) with one ``rdf:RDF`` per record,
written by :mod:`odatis_csw.model.dcat` from the normalised model of the served ISO record.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lxml import etree
from pycsw.core import util

from odatis_csw.model.dcat import rdf_xml
from odatis_csw.model.readers import read_record
from odatis_csw.model.record import Record, Text
from odatis_csw.safexml import safe_parser

NAMESPACE = "http://www.w3.org/ns/dcat#"
NAMESPACES = {"dcat": NAMESPACE, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
#: No CSW-T property paths in this schema (transactions are never enabled).
XPATH_MAPPINGS: dict[str, str] = {}


def item_iri(csw_url: str | None, identifier: str) -> str:
    """The OGC API Records item of a record, from the CSW endpoint URL the engine gives."""
    base = (csw_url or "").split("?", 1)[0].rstrip("/")
    base = base[: -len("/csw")] if base.endswith("/csw") else base
    return f"{base}/collections/metadata:main/items/{quote(identifier, safe='')}"


def write_record(result: Any, esn: str, context: Any, url: str | None = None) -> etree._Element:
    """The ``rdf:RDF`` description of one stored record."""
    mappings = context.md_core_model["mappings"]
    identifier = str(util.getqattr(result, mappings["pycsw:Identifier"]))
    xml = util.getqattr(result, mappings["pycsw:XML"])
    document = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        record = read_record(etree.fromstring(document, safe_parser()))
    except Exception:  # noqa: BLE001 - a record no reader knows is described by its columns
        record = Record(dialect="columns", file_identifier=identifier)
        record.title = Text(str(util.getqattr(result, mappings["pycsw:Title"]) or ""))
        abstract = util.getqattr(result, mappings["pycsw:Abstract"])
        record.abstract = Text(str(abstract)) if abstract else None
    return etree.fromstring(rdf_xml(record, item_iri(url, identifier)), safe_parser())
