"""OAI-PMH 2.0 response documents (§3.2), written with lxml.

Every response has ``responseDate`` and ``request`` (the base URL, with the request's
arguments as attributes unless the error is ``badVerb`` or ``badArgument``, §3.2), then
either one element named after the verb or one or more ``error`` elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
#: Errors after which the request element carries no attributes (§3.2).
NO_ECHO = frozenset({"badVerb", "badArgument"})


def q(name: str) -> str:
    return f"{{{OAI}}}{name}"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Response:
    """One response being built."""

    def __init__(self, base_url: str, arguments: Mapping[str, str]) -> None:
        self.root = etree.Element(q("OAI-PMH"), nsmap={None: OAI, "xsi": XSI})
        self.root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
        etree.SubElement(self.root, q("responseDate")).text = now()
        self.request = etree.SubElement(self.root, q("request"))
        self.request.text = base_url
        for key, value in arguments.items():
            self.request.set(key, value)

    def error(self, code: str, message: str) -> Response:
        if code in NO_ECHO:
            self.request.attrib.clear()
        etree.SubElement(self.root, q("error"), code=code).text = message
        return self

    def verb(self, name: str) -> etree._Element:
        return etree.SubElement(self.root, q(name))

    def tostring(self) -> bytes:
        return bytes(etree.tostring(self.root, xml_declaration=True, encoding="UTF-8"))


def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, q(name))
    if text is not None:
        element.text = text
    return element


def header(
    parent: etree._Element, identifier: str, datestamp: str, specs: Iterable[str], deleted: bool = False
) -> etree._Element:
    element = etree.SubElement(parent, q("header"), status="deleted") if deleted else add(parent, "header")
    add(element, "identifier", identifier)
    add(element, "datestamp", datestamp)
    for spec in specs:
        add(element, "setSpec", spec)
    return element


def record(
    parent: etree._Element,
    identifier: str,
    datestamp: str,
    specs: Iterable[str],
    metadata: etree._Element | None,
) -> etree._Element:
    """A record: its header and, unless it is deleted (``metadata`` None), its metadata."""
    element = add(parent, "record")
    header(element, identifier, datestamp, specs, deleted=metadata is None)
    if metadata is not None:
        add(element, "metadata").append(metadata)
    return element


def resumption_token(parent: etree._Element, token: str | None, size: int, cursor: int) -> None:
    """A resumption token; an empty one closes an incomplete list on its last page (§3.5)."""
    element = etree.SubElement(parent, q("resumptionToken"), completeListSize=str(size), cursor=str(cursor))
    if token:
        element.text = token
