"""Platforms and instruments of ISO 19115-2 (``gmi:``) and ISO 19115-3 (``mac:``) acquisition info.

Platforms are read wherever the acquisition information puts them: ``platform`` (ERDDAP,
THREDDS), an instrument's ``mountedOn``, an operation's ``platform`` (SeaDataNet CSR). An
instrument outside any platform is attached to the platform it is mounted on, else kept in a
platform without identifier, so that none is lost.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.model.readers.isotext import Languages, clean, string, text
from odatis_csw.model.record import Instrument, Platform, Text

_PLATFORM_PROPERTIES = ("platform", "mountedOn")
_INSTRUMENT_PROPERTIES = ("instrument", "sensingInstrument")


def _identifier(el: etree._Element, languages: Languages) -> Text | None:
    for code in el.iterfind("{*}identifier/*/{*}code"):
        found = text(code, languages)
        if found is not None:
            return found
    return None


def _key(el: etree._Element, languages: Languages) -> str:
    identifier = _identifier(el, languages)
    return (identifier.value if identifier else None) or clean(el.get("id")) or str(id(el))


def _instrument(el: etree._Element, languages: Languages) -> Instrument:
    return Instrument(
        _identifier(el, languages), text(el.find("{*}type"), languages), string(el.find("{*}description"))
    )


def _property(el: etree._Element) -> str:
    parent = el.getparent()
    return etree.QName(parent).localname if parent is not None else ""


def platforms(root: etree._Element, languages: Languages) -> list[Platform]:
    """Every platform of the record's acquisition information, each with its instruments."""
    found: dict[str, Platform] = {}
    loose: list[Instrument] = []
    seen_instruments: set[str] = set()
    for acquisition in root.iterfind("{*}acquisitionInformation/*"):
        for el in acquisition.iter():
            if not isinstance(el.tag, str) or el is acquisition:
                continue
            if _property(el) in _PLATFORM_PROPERTIES and not el.get("{http://www.w3.org/1999/xlink}href"):
                key = _key(el, languages)
                platform = found.get(key)
                if platform is None:
                    platform = found[key] = Platform(
                        _identifier(el, languages), string(el.find("{*}description"))
                    )
                for instrument_el in el.iterfind("{*}instrument/*"):
                    ikey = _key(instrument_el, languages)
                    if ikey not in seen_instruments:
                        seen_instruments.add(ikey)
                        platform.instruments.append(_instrument(instrument_el, languages))
    for acquisition in root.iterfind("{*}acquisitionInformation/*"):
        for el in acquisition.iter():
            if not isinstance(el.tag, str) or _property(el) not in _INSTRUMENT_PROPERTIES:
                continue
            ikey = _key(el, languages)
            if ikey in seen_instruments:
                continue
            seen_instruments.add(ikey)
            mounted = el.find("{*}mountedOn/*")
            platform = found.get(_key(mounted, languages)) if mounted is not None else None
            (platform.instruments if platform is not None else loose).append(_instrument(el, languages))
    result = list(found.values())
    if loose:
        result.append(Platform(instruments=loose))
    return result
