"""Structural repairs make real ISO 19139 records schema-valid without changing what they say."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from odatis_csw.quality import repaired, validate
from odatis_csw.quality.paths import GMD, GML, GML32, NAMESPACES
from odatis_csw.safexml import parse_file

DATA = Path(__file__).resolve().parent / "data"
#: GML 3.1 TimePeriod (with gml:id) and keyword groups holding only a thesaurus (Marine Institute).
MARINE_IE = DATA / "quality" / "marine-ie-nodc__ie_marine_data__dataset_777.xml"
#: SeaDataNet CDI: a keyword group with a type and a thesaurus but no keyword.
SDN_CDI = (
    DATA
    / "records"
    / "csw-responses"
    / ("bluecloud-fairease__sdn-xml__sdn-open_urn_SDN_CDI_LOCAL_1022-1426-1022-ds04-4.xml")
)


def _record(path: Path) -> etree._Element:
    root = parse_file(path).getroot()
    found = root if root.tag.endswith("}MD_Metadata") or root.tag.endswith("}MI_Metadata") else None
    if found is None:
        found = next(el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("}MI_Metadata"))
    return found


def _repair(source: etree._Element) -> tuple[etree._Element, list[str]]:
    tree, trace = repaired(source)
    return tree.getroot(), [repair.what for repair in trace]


def _errors(root: etree._Element) -> list[str]:
    return [problem.message for problem in validate(root).problems if problem.severity == "error"]


def test_gml31_time_period_moves_to_gml32_with_its_values_and_id() -> None:
    source = _record(MARINE_IE)
    assert any("TimePeriod" in message for message in _errors(source))
    root, done = _repair(source)
    assert "gml-upgraded" in done
    assert not root.findall(f".//{{{GML}}}TimePeriod")
    period = root.find(f".//{{{GML32}}}TimePeriod")
    assert period is not None
    assert period.get(f"{{{GML32}}}id") == "timeperiod1"
    assert period.findtext(f"{{{GML32}}}beginPosition") == "2016-01-01T00:00:00"
    assert period.findtext(f"{{{GML32}}}endPosition") == "2016-12-31T23:59:59"
    assert not any("TimePeriod" in message for message in _errors(root))


def test_gml32_id_is_added_when_the_source_had_none() -> None:
    source = _record(MARINE_IE)
    period = source.find(f".//{{{GML}}}TimePeriod")
    assert period is not None
    del period.attrib[f"{{{GML}}}id"]
    root, _ = _repair(source)
    upgraded = root.find(f".//{{{GML32}}}TimePeriod")
    assert upgraded is not None and upgraded.get(f"{{{GML32}}}id") == "timeperiod-1"


def test_keyword_group_without_keyword_gets_a_nil_keyword_and_keeps_its_thesaurus() -> None:
    source = _record(MARINE_IE)
    empty_before = [
        group for group in source.iter(f"{{{GMD}}}MD_Keywords") if group.find(f"{{{GMD}}}keyword") is None
    ]
    assert len(empty_before) == 4
    root, done = _repair(source)
    assert done.count("keyword-nil") == 4
    nil = root.xpath("//gmd:MD_Keywords/gmd:keyword[@gco:nilReason='missing']", namespaces=NAMESPACES)
    assert len(nil) == 4
    titles = root.xpath("//gmd:thesaurusName//gmd:title/*/text()", namespaces=NAMESPACES)
    assert "SeaDataNet Parameter Discovery Vocabulary" in titles
    assert _errors(root) == []


def test_seadatanet_keyword_groups_validate_after_repair() -> None:
    source = _record(SDN_CDI)
    assert any("Expected is ( gmd:keyword )" in message for message in _errors(source))
    root, done = _repair(source)
    assert "keyword-nil" in done
    assert not any("gmd:keyword" in message for message in _errors(root))


def test_keywords_out_of_order_are_put_back_in_schema_order() -> None:
    source = _record(MARINE_IE)
    group = next(g for g in source.iter(f"{{{GMD}}}MD_Keywords") if g.find(f"{{{GMD}}}keyword") is not None)
    keyword = group.find(f"{{{GMD}}}keyword")
    group.append(keyword)  # after its thesaurusName: the order the schema refuses
    assert _errors(source)
    root, done = _repair(source)
    assert "keywords-reordered" in done
    assert _errors(root) == []


def test_citation_without_date_gets_a_nil_date_not_an_invented_one() -> None:
    source = _record(MARINE_IE)
    citation = source.find(f".//{{{GMD}}}thesaurusName/{{{GMD}}}CI_Citation")
    assert citation is not None
    for date in citation.findall(f"{{{GMD}}}date"):
        citation.remove(date)
    root, done = _repair(source)
    assert "citation-date-nil" in done
    dates = root.xpath("(//gmd:thesaurusName/gmd:CI_Citation)[1]/gmd:date", namespaces=NAMESPACES)
    assert len(dates) == 1 and dates[0].get("{http://www.isotc211.org/2005/gco}nilReason") == "missing"
    assert len(dates[0]) == 0
    assert _errors(root) == []
