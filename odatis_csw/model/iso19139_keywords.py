"""ISO 19139 ``gmd:descriptiveKeywords`` of the record's keyword groups, and of what has no other
home in ISO 19139 without ISO 19115-2 (``gmi``): platforms and instruments, a service type, topic
categories outside the ``MD_TopicCategoryCode`` enumeration.

Each keyword is a ``gmx:Anchor`` when it has a concept URI, with its translations; the thesaurus
is a ``CI_Citation`` whose title is a ``gmx:Anchor`` when it has a URI, and whose mandatory date
is the group's date or ``nilReason="unknown"``. Platforms and instruments are ``theme`` groups
whose thesaurus title names the vocabulary of their anchors (NVS L06, L05, L22), else
"Platforms" / "Instruments".
"""

from __future__ import annotations

import re

from lxml import etree

from odatis_csw.model.iso19139_xml import Doc, code, date, nil, string, sub
from odatis_csw.model.record import Keyword, KeywordGroup, Platform, Record, Text

#: The values the ISO 19139 XSD allows in gmd:MD_TopicCategoryCode (an enumeration).
TOPIC_CATEGORIES = frozenset(
    {"farming", "biota", "boundaries", "climatologyMeteorologyAtmosphere", "economy", "elevation",
     "environment", "geoscientificInformation", "health", "imageryBaseMapsEarthCover",
     "intelligenceMilitary", "inlandWaters", "location", "oceans", "planningCadastre", "society",
     "structure", "transportation", "utilitiesCommunication"}
)  # fmt: skip

_NVS = re.compile(r"^https?://vocab\.nerc\.ac\.uk/collection/([A-Z0-9]{3})/")
NVS_COLLECTIONS = {
    "L06": "SeaVoX Platform Categories (NVS L06)",
    "L05": "SeaDataNet device categories (NVS L05)",
    "L22": "SeaVoX Device Catalogue (NVS L22)",
    "C17": "ICES Platform Codes (NVS C17)",
    "B76": "Argo platform makers (NVS B76)",
}


def descriptive_keywords(parent: etree._Element, record: Record, doc: Doc) -> None:
    """Every keyword group of the record, then the groups built from platforms and the rest."""
    for group in [*record.keywords, *extra_groups(record)]:
        if group.keywords:
            _group(parent, group, doc)


def extra_groups(record: Record) -> list[KeywordGroup]:
    """Keyword groups for platforms, instruments, a service type and non-standard topic categories."""
    groups: list[KeywordGroup] = []
    platforms = [p.identifier for p in record.platforms if p.identifier is not None]
    instruments = [i.identifier for p in record.platforms for i in p.instruments if i.identifier is not None]
    for texts, default in ((platforms, "Platforms"), (instruments, "Instruments")):
        groups.extend(_vocabulary_groups(texts, default))
    if record.service_type:
        groups.append(
            KeywordGroup(
                [Keyword(Text(record.service_type))],
                "theme",
                Text("ISO 19119 service type (srv:serviceType)"),
            )
        )
    other = [topic for topic in record.topic_categories if topic not in TOPIC_CATEGORIES]
    if other:
        keywords = [Keyword(Text(topic)) for topic in other]
        groups.append(
            KeywordGroup(keywords, "theme", Text("ISO 19115 topic category (MD_TopicCategoryCode)"))
        )
    return groups


def _vocabulary_groups(texts: list[Text], default: str) -> list[KeywordGroup]:
    by_vocabulary: dict[str, KeywordGroup] = {}
    for text in texts:
        match = _NVS.match(text.anchor or "")
        collection = match.group(1) if match else None
        title = NVS_COLLECTIONS.get(collection or "", f"NVS {collection}" if collection else default)
        if title not in by_vocabulary:
            anchor = f"http://vocab.nerc.ac.uk/collection/{collection}/current/" if collection else None
            by_vocabulary[title] = KeywordGroup([], "theme", Text(title, anchor=anchor))
        if all(k.text != text for k in by_vocabulary[title].keywords):
            by_vocabulary[title].keywords.append(Keyword(text))
    return list(by_vocabulary.values())


def _group(parent: etree._Element, group: KeywordGroup, doc: Doc) -> None:
    node = sub(sub(parent, "gmd:descriptiveKeywords"), "gmd:MD_Keywords")
    for keyword in group.keywords:
        string(node, "gmd:keyword", keyword.text, doc)
    if group.type:
        code(node, "gmd:type", "MD_KeywordTypeCode", group.type)
    if group.thesaurus is not None and (group.thesaurus.value or group.thesaurus.anchor):
        citation = sub(sub(node, "gmd:thesaurusName"), "gmd:CI_Citation")
        title = group.thesaurus
        if not title.value:
            title = Text(title.anchor or "", dict(title.translations), title.anchor)
        string(citation, "gmd:title", title, doc)
        if group.thesaurus_date is not None:
            cited = sub(sub(citation, "gmd:date"), "gmd:CI_Date")
            date(cited, "gmd:date", group.thesaurus_date.value)
            code(cited, "gmd:dateType", "CI_DateTypeCode", group.thesaurus_date.type)
        else:
            nil(citation, "gmd:date", "unknown")


def platform_descriptions(platforms: list[Platform]) -> list[str]:
    """Descriptions of platforms and instruments (written as supplemental information)."""
    found: list[str] = []
    for platform in platforms:
        if platform.description:
            found.append(f"{platform.identifier or 'Platform'}: {platform.description}")
        for instrument in platform.instruments:
            kind = f" ({instrument.type})" if instrument.type else ""
            if instrument.description or kind:
                found.append(
                    f"{instrument.identifier or 'Instrument'}{kind}: {instrument.description or ''}".rstrip(
                        ": "
                    )
                )
    return found
