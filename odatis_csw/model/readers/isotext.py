"""Values of ISO property elements, whatever the namespace generation (19139, 19115-3, profiles).

ISO 19139 and ISO 19115-3 wrap every value the same way: a property element (``gmd:title``,
``cit:title``) holding one value element (``gco:CharacterString``, ``gmx:Anchor``,
``gcx:Anchor``, ``gco:Decimal``, a code list element...), sometimes a ``PT_FreeText`` with the
translations. Paths here use lxml's ``{*}`` namespace wildcard, so one helper reads both
generations, the profiles' classes (SeaDataNet, MCP, French) and mistyped namespaces alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

from lxml import etree

from odatis_csw.model.record import CitedDate, Text

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XLINK_HREF_HTTPS = "{https://www.w3.org/1999/xlink}href"  # the ERDDAP template's mistyped namespace
#: Local names of the value elements that hold a character string (not PT_FreeText).
#: ``PT_Locale`` references (``FR``, ``#FR``) → language codes (``fre``).
Languages = dict[str, str]
T = TypeVar("T")
STRING_VALUES = {"CharacterString", "Anchor", "FileName", "MimeFileType", "LocalName", "ScopedName", "URL"}


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def elements(el: etree._Element | None) -> list[etree._Element]:
    """Child elements (no comments nor processing instructions)."""
    return [] if el is None else [child for child in el if isinstance(child.tag, str)]


def clean(value: str | None) -> str | None:
    """``value`` stripped, or None when blank."""
    value = (value or "").strip()
    return value or None


def locales(root: etree._Element) -> Languages:
    """``PT_Locale`` ids (``FR``, ``#FR``) → their language code (``fre``)."""
    found: dict[str, str] = {}
    for locale in root.iter("{*}PT_Locale"):
        code = locale.find("{*}languageCode/{*}LanguageCode")
        if code is None:
            code = locale.find("{*}language/{*}LanguageCode")
        language = None if code is None else clean(code.get("codeListValue")) or clean(code.text)
        identifier = clean(locale.get("id"))
        if identifier and language:
            found[identifier] = language
            found["#" + identifier] = language
    return found


def _value_element(prop: etree._Element) -> etree._Element | None:
    for child in elements(prop):
        if local(child) in STRING_VALUES:
            return child
    return None


def text(prop: etree._Element | None, languages: Languages | None = None) -> Text | None:
    """The Text of a property: its string, the Anchor's href, the PT_FreeText translations."""
    if prop is None:
        return None
    value_el = _value_element(prop)
    value = clean(value_el.text) if value_el is not None else None
    anchor = href(value_el) if value_el is not None and local(value_el) == "Anchor" else None
    children = [child for child in elements(prop) if local(child) != "PT_FreeText"]
    if value_el is None and not children:
        value = clean(prop.text)  # a bare string where a gco:CharacterString was expected
    elif value_el is None and not elements(children[0]):
        value = clean(children[0].text)  # a code element's label (SeaDataNet codes), a number
    translations: dict[str, str] = {}
    for localised in prop.iterfind("{*}PT_FreeText/{*}textGroup/{*}LocalisedCharacterString"):
        words = clean(localised.text)
        if not words:
            continue
        ref = clean(localised.get("locale")) or ""
        language = (languages or {}).get(ref) or ref.lstrip("#").lower() or "und"
        translations.setdefault(language, words)
    if value is None and translations:
        value = next(iter(translations.values()))
    if value is None and anchor is None:
        return None
    return Text(value or anchor or "", translations, anchor)


def string(prop: etree._Element | None) -> str | None:
    """The plain string of a property (its value element's text, or a code element's label)."""
    found = text(prop)
    return found.value if found is not None else None


def texts(props: Iterable[etree._Element], languages: Languages | None = None) -> list[Text]:
    return [found for found in (text(prop, languages) for prop in props) if found is not None]


def strings(props: Iterable[etree._Element]) -> list[str]:
    return [found for found in (string(prop) for prop in props) if found]


def code(prop: etree._Element | None) -> str | None:
    """A code list value: ``codeListValue``, else the code element's text."""
    for child in elements(prop):
        value = clean(child.get("codeListValue")) or clean(child.text)
        if value:
            return value
    return None


def codes(props: Iterable[etree._Element]) -> list[str]:
    return [found for found in (code(prop) for prop in props) if found]


def number(prop: etree._Element | None) -> float | None:
    """A decimal property (``gco:Decimal``, ``gco:Real``...), or None when absent or not a number."""
    if prop is None:
        return None
    children = elements(prop)
    value = clean(children[0].text if children else prop.text)
    try:
        result = float(value) if value is not None else None
    except ValueError:
        return None
    return result if result is not None and math.isfinite(result) else None


def date(prop: etree._Element | None) -> str | None:
    """A ``gco:Date`` / ``gco:DateTime`` value as written."""
    for child in elements(prop):
        value = clean(child.text)
        if value:
            return value
    return None


def cited_dates(citation: etree._Element) -> list[CitedDate]:
    """The ``CI_Date`` of a citation, each with its ``CI_DateTypeCode``."""
    found = []
    for ci_date in citation.iterfind("{*}date/*"):
        value = date(ci_date.find("{*}date"))
        if value:
            found.append(CitedDate(value, code(ci_date.find("{*}dateType")) or ""))
    return found


def href(el: etree._Element | None) -> str | None:
    return None if el is None else clean(el.get(XLINK_HREF) or el.get(XLINK_HREF_HTTPS))


def add_new(found: list[T], more: Iterable[T]) -> None:
    """Append what ``found`` does not hold yet (ERDDAP repeats its extents in every identification)."""
    for item in more:
        if item not in found:
            found.append(item)
