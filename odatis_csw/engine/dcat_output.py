"""A stored record as DCAT-AP 3 (RDF/XML), for every interface that offers it.

* CSW: output schema ``http://www.w3.org/ns/dcat#`` (as GeoNetwork names it): ``GetRecordById`` and
  ``GetRecords`` answer one ``rdf:RDF`` per record;
* OGC API Records: ``f=dcat`` on an item, linked from the record as a typed ``alternate``;
* OAI-PMH: metadata prefix ``dcat_ap``.

The description is written by :mod:`odatis_csw.model.dcat` from the normalised model of the served
ISO record; a record no reader knows is described from its title and abstract columns.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from lxml import etree
from pycsw.core import util

from odatis_csw.model.dcat import rdf_xml
from odatis_csw.model.readers import read_record
from odatis_csw.model.record import Record, Text
from odatis_csw.safexml import safe_parser

NAMESPACE = "http://www.w3.org/ns/dcat#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NAMESPACES = {"dcat": NAMESPACE, "rdf": RDF}
MEDIA_TYPE = "application/rdf+xml"
#: No CSW-T property paths in this schema (transactions are never enabled).
XPATH_MAPPINGS: dict[str, str] = {}


def item_iri(base_url: str, identifier: str) -> str:
    """The OGC API Records item of a record, from the service's base URL (or a CSW/OAI-PMH endpoint)."""
    base = (base_url or "").split("?", 1)[0].rstrip("/")
    for endpoint in ("/csw", "/oaipmh"):
        base = base.removesuffix(endpoint)
    return f"{base}/collections/metadata:main/items/{quote(identifier, safe='')}"


def rdf_of(row: Any, base_url: str) -> bytes:
    """The DCAT-AP RDF/XML of one stored row."""
    xml = row.xml
    document = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        record = read_record(etree.fromstring(document, safe_parser()))
    except Exception:  # noqa: BLE001 - a record no reader knows is described by its columns
        record = Record(dialect="columns", file_identifier=str(row.identifier))
        record.title = Text(str(row.title or ""))
        record.abstract = Text(str(row.abstract)) if row.abstract else None
    return rdf_xml(record, item_iri(base_url, str(row.identifier)))


def rdf_element(row: Any, base_url: str) -> etree._Element:
    """The ``rdf:RDF`` element of one stored row."""
    return etree.fromstring(rdf_of(row, base_url), safe_parser())


def write_record(result: Any, esn: str, context: Any, url: str | None = None) -> etree._Element:
    """CSW output schema entry point: the ``rdf:RDF`` description of one record."""
    mappings = context.md_core_model["mappings"]
    row = SimpleNamespace(
        **{
            name: util.getqattr(result, mappings[f"pycsw:{column}"])
            for name, column in (
                ("identifier", "Identifier"),
                ("xml", "XML"),
                ("title", "Title"),
                ("abstract", "Abstract"),
            )
        }
    )
    return rdf_element(row, url or "")
