"""Vocabulary anchors are added to real ISO 19139 records next to the publisher's own words."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from odatis_csw.mapping.anchors import add_anchors
from odatis_csw.quality import repaired, validate
from odatis_csw.quality.paths import NAMESPACES
from odatis_csw.safexml import parse_file

DATA = Path(__file__).resolve().parent / "data"
#: SeaDataNet CDI (BRGM) with free-text parameter, instrument and platform keywords.
SDN_CDI = (
    DATA
    / "records"
    / "csw-responses"
    / ("bluecloud-fairease__sdn-xml__sdn-open_urn_SDN_CDI_LOCAL_1022-1426-1022-ds04-4.xml")
)
#: French GeoNetwork record whose use limitation names the Etalab open licence.
GEOIDE = DATA / "quality" / "gnui__geoide.iso19139.dataset.xml"
HREF = "{http://www.w3.org/1999/xlink}href"


def _metadata(path: Path) -> etree._Element:
    root = parse_file(path).getroot()
    return next(el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("_Metadata"))


def _anchor(root: etree._Element, text: str) -> etree._Element:
    (found,) = [
        a for a in root.iter("{http://www.isotc211.org/2005/gmx}Anchor") if a.text and a.text.strip() == text
    ]
    return found


def test_free_text_keywords_get_their_nvs_concept_and_keep_their_words() -> None:
    root = repaired(_metadata(SDN_CDI))[0].getroot()
    done = add_anchors(root)
    assert _anchor(root, "sediment dredges").get(HREF) == "http://vocab.nerc.ac.uk/collection/L05/current/60/"
    assert (
        _anchor(root, "vessel of opportunity").get(HREF)
        == "http://vocab.nerc.ac.uk/collection/L06/current/32/"
    )
    assert _anchor(root, "Lithology").get(HREF) == "http://vocab.nerc.ac.uk/collection/P02/current/LITH/"
    assert {repair.what for repair in done} == {"anchor-added"}
    assert all(repair.changed for repair in done)
    (traced,) = [r for r in done if "L05/current/60/" in r.why]
    assert root.getroottree().xpath(traced.path, namespaces=NAMESPACES)[0].text == "sediment dredges"


def test_organisation_names_get_their_edmo_code() -> None:
    root = _metadata(SDN_CDI)
    add_anchors(root)
    names = root.xpath("//gmd:organisationName/gmx:Anchor", namespaces=NAMESPACES)
    brgm = [name for name in names if name.text == "French Geological Survey (BRGM)"]
    assert brgm and {name.get(HREF) for name in brgm} == {"https://edmo.seadatanet.org/report/1022"}


def test_a_licence_statement_gets_the_canonical_licence_uri() -> None:
    root = _metadata(GEOIDE)
    add_anchors(root)
    (limitation,) = root.xpath("//gmd:useLimitation/gmx:Anchor", namespaces=NAMESPACES)
    assert limitation.get(HREF) == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
    assert limitation.text.startswith("Licence Ouverte / Open Licence Version 2.0")


def test_anchoring_keeps_a_valid_record_valid_and_is_idempotent() -> None:
    root = repaired(_metadata(SDN_CDI))[0].getroot()
    errors_before = [p.message for p in validate(root).problems if p.severity == "error"]
    assert add_anchors(root)
    assert [p.message for p in validate(root).problems if p.severity == "error"] == errors_before
    assert add_anchors(root) == []


def test_unknown_terms_and_existing_anchors_are_left_alone() -> None:
    root = _metadata(SDN_CDI)
    anchors_before = {(a.text, a.get(HREF)) for a in root.iter("{http://www.isotc211.org/2005/gmx}Anchor")}
    add_anchors(root)
    anchors_after = {(a.text, a.get(HREF)) for a in root.iter("{http://www.isotc211.org/2005/gmx}Anchor")}
    assert anchors_before <= anchors_after
    strings = root.xpath("//gmd:keyword/gco:CharacterString/text()", namespaces=NAMESPACES)
    assert "Oceanographic geographical features" in [text.strip() for text in strings]  # no mapping
