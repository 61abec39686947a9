"""Building blocks of the ISO 19139 writer: namespaces, character strings, anchors, free text,
code lists, dates and decimals, each as the ISO 19139 (2007) XSDs want them.

A :class:`Doc` carries what must be unique or declared across one document: the ``gml:id``
counter and the ``PT_Locale`` ids of the translations' languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.record import Text

GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
GMX = "http://www.isotc211.org/2005/gmx"
GML = "http://www.opengis.net/gml/3.2"  # the GML the 2007 gmd/gco/gts schemas import
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SRV = "http://www.isotc211.org/2005/srv"
NSMAP = {"gmd": GMD, "gco": GCO, "gmx": GMX, "srv": SRV, "gml": GML, "xlink": XLINK, "xsi": XSI}
SCHEMA_LOCATION = f"{GMD} http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd"

#: The ISO 19139 code lists as INSPIRE Technical Guidelines 2.0 cite them.
CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"
LANGUAGE_CODELIST = "http://www.loc.gov/standards/iso639-2/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?(Z|[+-]\d{2}:\d{2})?$")
_DATETIME = re.compile(r"^(-?\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """A child ``prefix:name`` (gmd, gco, gmx, srv, gml) with attributes (``xlink_href`` → ``xlink:href``)."""
    prefix, name = tag.split(":", 1)
    element = etree.SubElement(parent, q(NSMAP[prefix], name))
    for key, value in attributes.items():
        if "_" in key:
            ns, attribute = key.split("_", 1)
            element.set(q(NSMAP[ns], attribute), value)
        else:
            element.set(key, value)
    return element


def nil(parent: etree._Element, tag: str, reason: str = "missing") -> etree._Element:
    """An empty property with ``gco:nilReason`` (allowed on every ISO 19139 property type)."""
    return sub(parent, tag, gco_nilReason=reason)


def uri(value: str) -> str:
    """A URI as a valid xs:anyURI, changed as little as possible: a second ``#``, a ``%`` that starts
    no escape and brackets outside the host are percent-encoded (the only characters libxml2's
    anyURI check refuses); everything else is kept as written."""
    head, hash_sign, fragment = value.strip().partition("#")
    text = head + hash_sign + fragment.replace("#", "%23")
    text = _BAD_PERCENT.sub("%25", text)
    match = _AUTHORITY.match(text)
    prefix, rest = (match.group(1), match.group(2)) if match else ("", text)
    return prefix + rest.replace("[", "%5B").replace("]", "%5D")


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AUTHORITY = re.compile(r"^([a-z][a-z0-9+.-]*://[^/?#]*)(.*)$", re.IGNORECASE | re.DOTALL)


def locale_id(language: str) -> str:
    """The ``PT_Locale`` id (an xs:ID) of a language code as the source wrote it."""
    ident = re.sub(r"[^A-Za-z0-9._-]", "-", language.strip()).upper()
    return ident if ident[:1].isalpha() else f"L{ident}"


@dataclass
class Doc:
    """Per-document state: ``gml:id`` counters and the translation languages met."""

    languages: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def gml_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def language(self, code: str) -> str:
        if code not in self.languages:
            self.languages.append(code)
        return locale_id(code)


def string(
    parent: etree._Element, tag: str, value: str | Text | None, doc: Doc | None = None
) -> etree._Element:
    """A character-string property: gco:CharacterString, gmx:Anchor when the value has an anchor,
    with a gmd:PT_FreeText of its translations; ``nilReason="missing"`` when there is no value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return nil(parent, tag)
    text = value if isinstance(value, Text) else Text(value)
    prop = sub(parent, tag)
    if text.anchor:
        sub(prop, "gmx:Anchor", xlink_href=uri(text.anchor)).text = text.value
    else:
        sub(prop, "gco:CharacterString").text = text.value
    if text.translations and doc is not None:
        prop.set(q(XSI, "type"), "gmd:PT_FreeText_PropertyType")
        free = sub(sub(prop, "gmd:PT_FreeText"), "gmd:textGroup")
        for position, (language, translated) in enumerate(sorted(text.translations.items())):
            if position:
                free = sub(free.getparent(), "gmd:textGroup")
            sub(free, "gmd:LocalisedCharacterString", locale=f"#{doc.language(language)}").text = translated
    return prop


def code(parent: etree._Element, tag: str, codelist: str, value: str | None) -> etree._Element:
    """A code-list property (``gmd:role/gmd:CI_RoleCode``...) with the standard codeList URL."""
    if not value:
        return nil(parent, tag)
    prop = sub(parent, tag)
    sub(prop, f"gmd:{codelist}", codeList=f"{CODELISTS}#{codelist}", codeListValue=value).text = value
    return prop


def language(parent: etree._Element, tag: str, value: str | None) -> etree._Element:
    """A ``gmd:LanguageCode``: ISO 639-2/B as codeListValue, the source's code as text."""
    if not value:
        return nil(parent, tag)
    prop = sub(parent, tag)
    iso = crosswalks().iso639_2(value) or value
    sub(prop, "gmd:LanguageCode", codeList=LANGUAGE_CODELIST, codeListValue=iso).text = value
    return prop


def date_value(value: str | None) -> tuple[str, str] | None:
    """(``Date``/``DateTime``, lexical value valid for gco) of a date as written, else None."""
    text = (value or "").strip()
    if _DATE.match(text):
        return "Date", text
    match = _DATETIME.match(text)
    if match:
        day, hours, seconds, zone = (
            match.group(1),
            match.group(2),
            match.group(3) or ":00",
            match.group(5) or "",
        )
        if zone and zone not in ("Z",) and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        return "DateTime", f"{day}T{hours}{seconds}{zone}"
    return None


def date(parent: etree._Element, tag: str, value: str | None) -> etree._Element:
    """A gco:Date / gco:DateTime property; ``nilReason="unknown"`` when the value is no ISO date."""
    found = date_value(value)
    if found is None:
        return nil(parent, tag, "missing" if not value else "unknown")
    prop = sub(parent, tag)
    sub(prop, f"gco:{found[0]}").text = found[1]
    return prop


def decimal(value: float) -> str:
    """An xs:decimal (no exponent) of a float, shortest form."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text


def number(parent: etree._Element, tag: str, value: float | None, kind: str = "Decimal") -> etree._Element:
    if value is None:
        return nil(parent, tag)
    prop = sub(parent, tag)
    sub(prop, f"gco:{kind}").text = decimal(value)
    return prop


def url(parent: etree._Element, tag: str, value: str) -> etree._Element:
    prop = sub(parent, tag)
    sub(prop, "gmd:URL").text = uri(value)
    return prop
