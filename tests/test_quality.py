"""Record quality (odatis_csw.quality): traced repairs and offline ISO 19139 validation, on real records.

Files come from ``tests/data/quality`` (byte copies from the shared corpus, see its PROVENANCE.tsv) and
``tests/data/records``.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from lxml import etree

from odatis_csw.quality import Quality, repair, repaired, schemas, validate
from odatis_csw.quality.paths import NAMESPACES, find
from odatis_csw.quality.validate import PROFILE

DATA = Path(__file__).resolve().parent / "data"
QUALITY = DATA / "quality"
RECORDS = DATA / "records"
NS = NAMESPACES


def parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))


def by_what(repairs, what):
    return [r for r in repairs if r.what == what]


def box_values(element) -> list[str]:
    """west, east, south, north texts of a geographic bounding box (ISO 19139 or 19115-3)."""
    return [
        element.xpath(f"*[local-name()='{name}']/*")[0].text.strip()
        for name in ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")
    ]


# --------------------------------------------------------------------------- provenance


def test_quality_data_match_their_provenance():
    import hashlib

    lines = (QUALITY / "PROVENANCE.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[1].split("\t") == ["file", "repository", "commit", "source_path", "licence", "sha256"]
    listed = {}
    for line in lines[2:]:
        name, repository, commit, source_path, licence, sha256 = line.split("\t")
        assert len(commit) == 40 and repository and source_path and licence
        listed[name] = sha256
    on_disk = {p.name for p in QUALITY.glob("*.xml")}
    assert on_disk == set(listed)
    for name, sha256 in listed.items():
        assert hashlib.sha256((QUALITY / name).read_bytes()).hexdigest() == sha256, name


# --------------------------------------------------------------------------- repairs: boxes


def test_null_coordinates_keep_their_text_and_get_a_nil_reason():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-null-cords-metadata.xml")
    repairs = repair(tree)
    found = by_what(repairs, "coordinate-not-numeric")
    assert len(found) == 4 and all(r.changed for r in found)
    for r in found:
        (bound,) = find(tree, r.path)
        assert bound.get(f"{{{NS['gco']}}}nilReason") == "missing"
        assert bound.find("gco:Decimal", NS).text == "null"
    assert not by_what(repairs, "point-box")  # a non-numeric box is not checked further


def test_point_box_is_kept_and_flagged():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-point-cords-metadata.xml")
    (point,) = by_what(repair(tree), "point-box")
    assert not point.changed
    (box,) = find(tree, point.path)
    assert box_values(box) == ["-105", "-105", "40", "40"]


def test_all_zero_box_is_flagged_as_a_likely_placeholder():
    (point,) = by_what(
        repair(parse(QUALITY / "marine-ie-nodc__ie_marine_data__dataset_777.xml")), "point-box"
    )
    assert "placeholder" in point.why


def test_line_box_is_flagged():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-linestring-coords-metadata.xml")
    (line,) = by_what(repair(tree), "line-box")
    assert "south = north = -10" in line.why
    assert box_values(find(tree, line.path)[0]) == ["-80", "80", "-10", "-10"]


def test_a_zero_latitude_is_a_value_not_a_defect():
    # onestop's "zero bounding box" test: south = 0 is a real bound, nothing to repair in the box
    repairs = repair(parse(QUALITY / "ncei-onestop-admin__test-iso-zero-bounding-box-metadata.xml"))
    assert not [r for r in repairs if "box" in r.what or "itude" in r.what or "coordinate" in r.what]


def test_south_greater_than_north_is_swapped():
    # CIOOS sample record (ISO 19115-3): south 2, north 1
    tree = parse(RECORDS / "iso19115-3" / "cioos-iso-validate__valid.xml")
    (swap,) = by_what(repair(tree), "latitudes-swapped")
    assert swap.changed and swap.path.endswith("gex:EX_GeographicBoundingBox")
    assert box_values(find(tree, swap.path)[0]) == ["3", "4", "1", "2"]


def test_longitudes_0_360_are_brought_back_to_the_whole_globe():
    tree = parse(QUALITY / "b2find-enes-oairecord-iso19139__fff0c660-1eec-5cff-aaaf-498ef7731ad6.xml")
    (wrap,) = by_what(repair(tree), "longitude-wrapped")
    assert wrap.changed and "0.0 / east 360.0" in wrap.why
    # naive wrapping would have collapsed 0..360 into 0..0
    assert box_values(find(tree, wrap.path)[0]) == ["-180", "180", "-90.0", "90.0"]


def test_longitudes_below_minus_180_spanning_360_become_the_whole_globe():
    tree = parse(QUALITY / "aodn-esindexer__sample26.xml")
    (wrap,) = by_what(repair(tree), "longitude-wrapped")
    assert box_values(find(tree, wrap.path)[0])[:2] == ["-180", "180"]


def test_latitudes_beyond_90_are_not_guessed():
    # longitudes copied into the latitudes: ambiguous, left alone
    tree = parse(QUALITY / "aodn-esindexer__sample_self_intersect3.xml")
    before = etree.tostring(tree)
    repairs = repair(tree)
    (out,) = by_what(repairs, "latitude-out-of-range")
    assert not out.changed and not by_what(repairs, "latitudes-swapped")
    box = find(tree, out.path)[0]
    assert box_values(box) == ["115.3384944", "33.6298833", "115.3384944", "33.6298833"]
    # only the empty gml:timePosition was touched
    assert [r.what for r in repairs if r.changed] == ["date-indeterminate"]
    assert len(etree.tostring(tree)) == len(before) + len(' indeterminatePosition="unknown"')


@pytest.mark.parametrize(
    "path",
    [RECORDS / "iso19115-2" / "ncei-onestop__COOPS__C1.xml", QUALITY / "gnui__geoide.iso19139.dataset.xml"],
    ids=["pacific", "small-west-east-inversion"],
)
def test_antimeridian_boxes_are_noted_not_changed(path):
    tree = parse(path)
    before = etree.tostring(tree)
    dup, repairs = repaired(tree)
    (note,) = by_what(repairs, "antimeridian-box")
    assert not note.changed
    assert etree.tostring(find(dup, note.path)[0]) == etree.tostring(find(tree, note.path)[0])
    assert etree.tostring(tree) == before
    if "geoide" in path.name:
        # 1.9 > 0.63: probably west/east swapped, but legal, so only the note says so
        assert "spans 358.72018600°" in note.why and "would span 1.27981400°" in note.why


# --------------------------------------------------------------------------- repairs: dates


def test_invalid_gml_positions_are_reported_and_left_as_found():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-invalid-dates-metadata.xml")
    before = etree.tostring(tree)
    repairs = repair(tree)
    invalid = by_what(repairs, "date-invalid")
    assert [find(tree, r.path)[0].text for r in invalid] == ["2005-505-09T00:00:00Z", "2010-101-01"]
    assert all(not r.changed for r in repairs)
    assert etree.tostring(tree) == before  # no gco:nilReason exists on a GML time position


def test_invalid_gco_date_gets_a_nil_reason_and_keeps_its_text():
    tree = parse(QUALITY / "pygeometa__iso19139-no-bbox.xml")
    repairs = repair(tree)
    (nil,) = by_what(repairs, "date-nil-reason")
    (prop,) = find(tree, nil.path)
    assert prop.tag == f"{{{NS['gmd']}}}date"
    assert prop.get(f"{{{NS['gco']}}}nilReason") == "unknown"
    assert prop.find("gco:Date", NS).text == "2005 - 2020"
    # the empty GML 3.1 end position is made explicitly unknown
    (empty,) = by_what(repairs, "date-indeterminate")
    assert find(tree, empty.path)[0].get("indeterminatePosition") == "unknown"
    assert "/gml:TimePeriod/gml:endPosition" in empty.path  # GML 3.1 moved to 3.2 first


def test_a_date_time_in_gco_date_is_retyped_and_the_xsd_error_goes():
    path = QUALITY / "bluecloud-fairease__emodnet-xml__787986636B1E2EBE98670EE927059FEF709FB832.xml"
    tree = parse(path)
    errors_before = [p for p in validate(tree).problems if p.severity == "error"]
    assert any("'2012-03-01T23:59:59Z' is not a valid value" in p.message for p in errors_before)
    dup, repairs = repaired(tree)
    (retyped,) = by_what(repairs, "date-retyped")
    (element,) = find(dup, retyped.path)
    assert element.tag == f"{{{NS['gco']}}}DateTime" and element.text == "2012-03-01T23:59:59Z"
    errors_after = [p for p in validate(dup).problems if p.severity == "error"]
    assert len(errors_after) <= len(errors_before) - 1
    assert not any("2012-03-01T23:59:59Z" in p.message for p in errors_after)


def test_19115_3_dates_date_in_date_time_is_noted_space_separated_made_nil():
    tree = parse(QUALITY / "aodn-esindexer__sample26.xml")
    repairs = repair(tree)
    (wrong,) = by_what(repairs, "date-wrong-type")
    assert not wrong.changed and find(tree, wrong.path)[0].text == "2021-04-20"
    nil = by_what(repairs, "date-nil-reason")
    assert [find(tree, r.path)[0].find("gco3:DateTime", NS).text for r in nil] == [
        "2021-04-20 20:38:56",
        "2021-04-21 21:23:26",
        "2025-06-10 13:45:57",
    ]
    assert all(find(tree, r.path)[0].get(f"{{{NS['gco3']}}}nilReason") == "unknown" for r in nil)


@pytest.mark.parametrize(
    "name",
    [
        "ncei-onestop-admin__test-iso-paleo-dates-metadata.xml",  # -100000001 / -1601050: geologic years
        "aodn-esindexer__sample_malform_date.xml",  # 2005 / 2013-02: gYear and gYearMonth are valid
    ],
)
def test_short_and_geologic_dates_are_valid(name):
    assert not [r for r in repair(parse(QUALITY / name)) if r.what.startswith("date")]


# --------------------------------------------------------------------------- repairs: language


def test_missing_metadata_language_is_copied_from_the_resource_language():
    tree = parse(QUALITY / "ckanspatial__gemini2.1__FCSConservancyPolygons.xml")
    assert validate(tree).valid_xsd
    dup, repairs = repaired(tree)
    (added,) = by_what(repairs, "language-added")
    assert added.path == "/gmd:MD_Metadata/gmd:language"
    root = dup.getroot()
    assert [etree.QName(child).localname for child in root[:2]] == ["fileIdentifier", "language"]
    resource = root.find("gmd:identificationInfo/gmd:MD_DataIdentification/gmd:language", NS)
    assert (
        etree.tostring(root[1]).split(b">", 1)[1].strip()
        == etree.tostring(resource).split(b">", 1)[1].strip()
    )
    after = validate(dup)
    assert after.valid_xsd  # the repaired record is still valid against the ISO 19139 XSD
    assert after.completeness > validate(tree).completeness


def test_zero_box_record_gets_its_language_from_the_resource():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-zero-bounding-box-metadata.xml")
    (added,) = by_what(repair(tree), "language-added")
    assert added.path == "/gmi:MI_Metadata/gmd:language"
    assert find(tree, added.path)[0].xpath("normalize-space()") == "eng"


def test_no_language_is_invented_without_a_source():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-invalid-dates-metadata.xml")
    (missing,) = by_what(repair(tree), "language-missing")
    assert not missing.changed and missing.path == "/gmi:MI_Metadata"
    assert tree.getroot().find("gmd:language", NS) is None


# --------------------------------------------------------------------------- repairs: general


def test_repaired_works_on_a_copy():
    tree = parse(QUALITY / "ncei-onestop-admin__test-iso-null-cords-metadata.xml")
    before = etree.tostring(tree)
    dup, repairs = repaired(tree)
    assert repairs and etree.tostring(tree) == before and etree.tostring(dup) != before


def test_every_repair_path_names_exactly_one_element_and_serialises():
    files = sorted(QUALITY.glob("*.xml")) + sorted(RECORDS.glob("iso*/*.xml"))
    seen = set()
    for path in files:
        dup, repairs = repaired(parse(path))
        for r in repairs:
            assert len(find(dup, r.path)) == 1, (path.name, r)
            assert json.dumps(r.to_dict())
            seen.add(r.what)
    assert seen >= {
        "coordinate-not-numeric",
        "longitude-wrapped",
        "latitude-out-of-range",
        "latitudes-swapped",
        "antimeridian-box",
        "point-box",
        "line-box",
        "date-nil-reason",
        "date-retyped",
        "date-wrong-type",
        "date-invalid",
        "date-indeterminate",
        "language-added",
        "language-missing",
    }


# --------------------------------------------------------------------------- validation


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_schema_compiles_from_local_copies_only(no_network):
    resolver = schemas.LocalSchemaResolver()
    compiled = schemas.compile_schema(schemas.ENTRY, resolver)
    assert not resolver.refused
    assert "http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd" in resolver.resolved
    assert "http://schemas.opengis.net/gml/3.2.1/gml.xsd" in resolver.resolved
    for local in resolver.resolved.values():
        assert Path(local).is_relative_to(schemas.XSD) and Path(local).is_file()
    record = parse(QUALITY / "ckanspatial__gemini2.1__validation__04_Dataset_Valid.xml")
    assert compiled.validate(record)


def test_isotc211_urls_map_to_the_same_local_schemas():
    assert schemas.local_path("http://www.isotc211.org/2005/gmd/gmd.xsd") == schemas.local_path(
        "http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd"
    )


def test_a_schema_url_without_local_copy_is_refused_not_downloaded(no_network):
    # the schemaLocation announced by ckanspatial's validation records
    entry = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="http://www.isotc211.org/2005/srv"
                 schemaLocation="http://eden.ign.fr/xsd/isotc211/isofull/20090316/srv/srv.xsd"/></xs:schema>"""
    with pytest.raises(schemas.SchemaNotLocal, match="eden.ign.fr"):
        schemas.compile_schema(entry)


#: file → (valid_xsd, xsd_scope) for every ISO record of tests/data/records and the quality files.
EXPECTED_XSD = {
    "iso19139/gnui__metadata-for-i18n.dataset.xml": (True, "full"),
    "iso19139/owslib__csw_geobretagne_mdmetadata.xml": (True, "full"),
    "iso19139/owslib__iso_keywords_anchor.xml": (True, "full"),
    "iso19139/ckanspatial__gemini2.1__dataset1.xml": (False, "full"),  # gmd:protocol before gmd:function
    "iso19139/core-geonetwork__sextant-habitat-physiques-19139-from-19115-3.xml": (False, "full"),
    "iso19139/gnui__geocat-ch.iso19139.service.xml": (True, "partial"),  # srv set aside
    "iso19139/pycsw-apiso__3e9a8c05.xml": (False, "partial"),  # GML 3.1 TimePeriod
    "iso19115-2/datagov-harvester-waf__valid_iso2.xml": (True, "partial"),
    "iso19115-2/ncei-onestop__COOPS__C1.xml": (True, "partial"),
    "iso19115-2/ncei-onestop__GHRSST__1.xml": (True, "partial"),
    "iso19115-2/pycsw-apiso__pacioos-NS06agg.xml": (True, "partial"),
    "iso19115-2/owslib__iso_mi.xml": (False, "partial"),  # GML 3.1 TimePeriod and UnitDefinition
    "csw-responses/bluecloud-fairease__sdn-xml__sdn-open_urn_SDN_CDI_LOCAL_1022-1426-1022-ds04-4.xml": (
        False,
        "partial",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_XSD))
def test_xsd_validation_of_the_test_records(name):
    quality = validate(parse(RECORDS / name))
    assert (quality.valid_xsd, quality.xsd_scope) == EXPECTED_XSD[name], [
        p for p in quality.problems if p.severity != "warning"
    ]
    errors = [p for p in quality.problems if p.severity == "error"]
    assert bool(errors) is not quality.valid_xsd
    for problem in errors:
        assert problem.line and find(parse(RECORDS / name), problem.path), problem


def test_every_iso_test_record_is_listed():
    names = {
        str(p.relative_to(RECORDS)) for p in RECORDS.glob("*/*.xml") if validate(parse(p)).xsd_scope != "none"
    }
    assert names == set(EXPECTED_XSD)


@pytest.mark.parametrize("folder", ["iso19115-3", "dublin-core"])
def test_non_iso19139_records_are_not_scored(folder):
    for path in (RECORDS / folder).glob("*.xml"):
        quality = validate(parse(path))
        assert (quality.valid_xsd, quality.xsd_scope, quality.completeness) == (False, "none", 0)
        assert [p.severity for p in quality.problems] == ["info"]


@pytest.mark.parametrize(
    "name, line",
    [
        ("ckanspatial__gemini2.1__validation__01_Dataset_Invalid_XSD_No_Such_Element.xml", 6),
        ("ckanspatial__iso19139__dataset-invalid.xml", 3),
    ],
)
def test_unknown_element_is_an_error_with_line_and_path(name, line):
    quality = validate(parse(QUALITY / name))
    assert not quality.valid_xsd and quality.xsd_scope == "full"
    (error,) = [p for p in quality.problems if p.severity == "error"]
    assert (error.path, error.line) == ("/gmd:MD_Metadata/gmd:nosuchelement", line)
    assert "gmd:nosuchelement" in error.message and "{http" not in error.message


def test_gmi_record_is_validated_through_its_gmd_parts():
    quality = validate(parse(RECORDS / "iso19115-2" / "pycsw-apiso__pacioos-NS06agg.xml"))
    infos = [p for p in quality.problems if p.severity == "info"]
    assert infos[0].path == "/gmi:MI_Metadata" and "validated as the gmd:MD_Metadata" in infos[0].message
    assert any("2005/srv" in p.message and p.path.endswith("srv:SV_ServiceIdentification") for p in infos)
    assert any("2005/gmi" in p.message and p.path.endswith("gmi:MI_CoverageDescription") for p in infos)


def test_gmd_objects_inside_gmi_elements_are_validated_too():
    # the platform citation inside gmi:acquisitionInformation lacks its mandatory gmd:date
    quality = validate(
        parse(QUALITY / "bluecloud-fairease__emodnet-xml__787986636B1E2EBE98670EE927059FEF709FB832.xml")
    )
    assert quality.problems[0].message.startswith("record embedded in a wrapper document")
    assert any(
        p.severity == "error" and p.path.endswith("gmi:MI_Platform/gmi:citation/gmd:CI_Citation")
        for p in quality.problems
    )


def test_missing_profile_elements_are_warnings_at_the_right_place():
    quality = validate(
        parse(QUALITY / "ckanspatial__gemini2.1__validation__03_Dataset_Invalid_GEMINI_Missing_Keyword.xml")
    )
    assert quality.valid_xsd
    warnings = [p for p in quality.problems if p.severity == "warning"]
    assert [p.message.rsplit("[", 1)[1] for p in warnings] == ["keyword]", "inspire_theme]"]
    assert {p.path for p in warnings} == {"/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification"}


def test_services_are_not_asked_for_dataset_elements():
    quality = validate(parse(RECORDS / "iso19139" / "gnui__geocat-ch.iso19139.service.xml"))
    keys = {p.message.rsplit("[", 1)[1].rstrip("]") for p in quality.problems if p.severity == "warning"}
    dataset_only = {r.key for r in PROFILE if r.datasets_only}
    assert keys and not keys & dataset_only


def test_profile_weights_add_up_to_100_for_a_dataset():
    assert sum(r.weight for r in PROFILE) == 100


def test_completeness_orders_records_sensibly():
    def score(path):
        return validate(parse(path)).completeness

    complete = score(QUALITY / "ckanspatial__gemini2.1__validation__04_Dataset_Valid.xml")
    no_keyword = score(
        QUALITY / "ckanspatial__gemini2.1__validation__03_Dataset_Invalid_GEMINI_Missing_Keyword.xml"
    )
    no_theme = score(RECORDS / "iso19139" / "ckanspatial__gemini2.1__dataset1.xml")
    sparse = score(QUALITY / "ncei-onestop-admin__test-iso-invalid-dates-metadata.xml")
    sparser = score(QUALITY / "ncei-onestop-admin__test-iso-null-cords-metadata.xml")
    assert complete == 100
    assert complete > no_theme > no_keyword > sparse > sparser
    assert (no_theme, no_keyword, sparse, sparser) == (96, 90, 18, 13)


def test_quality_is_frozen_and_serialises_to_json():
    quality = validate(parse(QUALITY / "ckanspatial__iso19139__dataset-invalid.xml"))
    assert isinstance(quality, Quality)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quality.completeness = 100
    data = json.loads(quality.to_json())
    assert data["valid_xsd"] is False and data["xsd_scope"] == "full"
    assert data["completeness"] == quality.completeness
    assert data["problems"][0] == {
        "severity": "error",
        "path": "/gmd:MD_Metadata/gmd:nosuchelement",
        "message": quality.problems[0].message,
        "line": 3,
    }


def test_validate_accepts_bytes_elements_and_trees():
    path = QUALITY / "ckanspatial__iso19139__dataset-invalid.xml"
    tree = parse(path)
    assert validate(path.read_bytes()) == validate(tree) == validate(tree.getroot())
