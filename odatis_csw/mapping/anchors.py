"""Add vocabulary anchors to an ISO 19139 record: the source's words stay, a ``gmx:Anchor`` names the concept.

A ``gco:CharacterString`` that the mappings (:mod:`odatis_csw.mapping.vocab`) recognise becomes a
``gmx:Anchor`` with the same text and the concept's URI in ``xlink:href`` (the ISO 19139 way of
giving a term its identifier):

* keywords → NVS parameters (P01/P02), CF standard names (P07), instruments (L05/L22) or platforms
  (L06); the group's thesaurus title and keyword type say which vocabulary to try first;
* organisation names → EDMO (the country in the party's address settles ambiguous names);
* licence statements in ``gmd:otherConstraints`` / ``gmd:useLimitation`` → Creative Commons / SPDX.

Text already anchored, empty, or unknown to the mappings is left alone. Each anchor added is traced
as a repair ``anchor-added`` (the concept and the element's path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from odatis_csw.mapping import vocab
from odatis_csw.quality.paths import GCO, GMD, GMX, XLINK, element_path, text
from odatis_csw.quality.repairs import Repair

Lookup = Callable[[str], vocab.Anchor | None]

#: Words in a thesaurus title or keyword type that point to one vocabulary (checked in this order).
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("p07", "cf standard", "standard name", "climate and forecast"), "cf"),
    (("l05", "l22", "device", "instrument", "sensor"), "instrument"),
    (("l06", "platform"), "platform"),
    (("p01", "p02", "p03", "parameter"), "parameter"),
)
_ORDER = ("parameter", "cf", "instrument", "platform")


def _lookups(mappings: vocab.Mappings) -> dict[str, Lookup]:
    return {
        "parameter": mappings.parameter_anchor,
        "cf": mappings.cf_standard_name_anchor,
        "instrument": mappings.instrument_anchor,
        "platform": mappings.platform_anchor,
    }


def add_anchors(root: etree._Element, mappings: vocab.Mappings | None = None) -> list[Repair]:
    """Anchor the keywords, organisation names and licences of an ISO 19139 record, in place."""
    mappings = mappings or vocab.default()
    lookups = _lookups(mappings)
    done: list[Repair] = []
    for group in list(root.iter(f"{{{GMD}}}MD_Keywords")):
        order = _vocabulary_order(group)
        for string in _strings(group, f"{{{GMD}}}keyword"):
            anchor = next((found for name in order if (found := lookups[name](text(string)))), None)
            done.extend(_anchor(string, anchor))
    for party in list(root.iter(f"{{{GMD}}}CI_ResponsibleParty")):
        country = text(party.find(f".//{{{GMD}}}country/*"))
        for string in _strings(party, f"{{{GMD}}}organisationName"):
            done.extend(_anchor(string, mappings.organisation_anchor(text(string), country or None)))
    for name in ("otherConstraints", "useLimitation"):
        for string in _strings(root, f"{{{GMD}}}{name}"):
            done.extend(_anchor(string, mappings.licence_anchor(text(string))))
    return done


def _vocabulary_order(group: etree._Element) -> list[str]:
    """Vocabularies to try for a keyword group: the hinted one first, then the others."""
    said = " ".join(
        [
            text(group.find(f"{{{GMD}}}thesaurusName/{{{GMD}}}CI_Citation/{{{GMD}}}title/*")),
            group.findtext(f"{{{GMD}}}type/{{{GMD}}}MD_KeywordTypeCode") or "",
            _thesaurus_href(group),
        ]
    ).lower()
    hinted = [name for words, name in _HINTS if any(word in said for word in words)]
    return hinted[:1] + [name for name in _ORDER if name not in hinted[:1]]


def _thesaurus_href(group: etree._Element) -> str:
    title = group.find(f"{{{GMD}}}thesaurusName/{{{GMD}}}CI_Citation/{{{GMD}}}title/{{{GMX}}}Anchor")
    return title.get(f"{{{XLINK}}}href", "") if title is not None else ""


def _strings(scope: etree._Element, property_tag: str) -> Iterator[etree._Element]:
    """The ``gco:CharacterString`` values of every ``property_tag`` under ``scope``."""
    for prop in list(scope.iter(property_tag)):
        string = prop.find(f"{{{GCO}}}CharacterString")
        if string is not None and text(string):
            yield string


def _anchor(string: etree._Element, anchor: vocab.Anchor | None) -> list[Repair]:
    if anchor is None:
        return []
    replacement = etree.Element(f"{{{GMX}}}Anchor", nsmap={"gmx": GMX, "xlink": XLINK})
    replacement.set(f"{{{XLINK}}}href", anchor.uri)
    replacement.text = string.text
    replacement.tail = string.tail
    parent = string.getparent()
    assert parent is not None
    parent.replace(string, replacement)
    why = f"{anchor.vocabulary}: {anchor.label} <{anchor.uri}>"
    return [Repair("anchor-added", why, element_path(replacement))]
