"""The ISO 19115-3 reader (mdb 2.0 and 1.0) on real records: values as the files state them."""

from __future__ import annotations

from pathlib import Path

from odatis_csw.model.readers import read_record
from odatis_csw.model.record import Record
from odatis_csw.safexml import parse_file
from tests.conftest import DATA, RECORDS

ISO3 = RECORDS / "iso19115-3"


def read(path: Path) -> Record:
    return read_record(parse_file(path).getroot())


def test_sextant_gn4_record_translations_anchors_before_end_and_platforms() -> None:
    record = read(ISO3 / "gnui__sextant.iso19115-3.dataset.xml")
    assert record.dialect == "iso19115-3"
    assert record.file_identifier == "74ce72b9-0196-4eca-abfe-8600f69bd5c4"
    assert (record.language, record.other_languages) == ("fre", ["eng"])
    assert record.title.value == "Position des fronts du Courant Circumpolaire Antarctique"
    assert record.abstract is not None and set(record.abstract.translations) == {"fre", "eng"}
    centre = record.keywords[0]
    assert centre.thesaurus is not None
    assert centre.thesaurus.anchor == "https://vocab.ifremer.fr/scheme/SXT/odatis_centre_donnees"
    keyword = centre.keywords[0].text
    assert keyword.value == "CDS-SAT-AVISO"
    assert keyword.anchor == (
        "https://vocab.ifremer.fr/scheme/SXT/odatis_centre_donnees/1500646c-46f5-4da2-b6b2-2bfa6eb9415d"
    )
    observation = record.keywords[1].keywords[0].text
    assert (observation.value, observation.translations["eng"]) == (
        "Données d'observation",
        "Observational data",
    )
    (period,) = record.temporal_extents
    assert (period.begin, period.end, period.end_indeterminate) == ("1993-01", "2023-12", "before")
    (box,) = record.boxes
    assert (box.west, box.east, box.south, box.north) == (-180.0, 180.0, -66.0, -35.0)
    # the linkage's PT_FreeText repeats the URL: the URL is read once
    assert record.links[0].url == "https://doi.org/10.24400/527896/a01-2023.004"
    assert record.links[0].protocol == "DOI"
    platforms = {p.identifier.value: p for p in record.platforms if p.identifier}
    assert [i.identifier.value for i in platforms["SARAL"].instruments if i.identifier] == ["AltiKa"]
    assert "TOPEX/Poseidon" in platforms


def test_metawal_identifiers_formats_and_anchored_constraints() -> None:
    record = read(ISO3 / "pycsw-iso19115p3__metawal.wallonie.be-catchments.xml")
    assert record.hierarchy_level == "series"
    assert [(i.code, i.codespace) for i in record.identifiers] == [
        ("PROTECT_CAPT", "BE.SPW.INFRASIG.GINET"),
        ("74f81503-8d39-4ec8-a49a-c76e0cd74946", "http://geodata.wallonie.be/id/"),
    ]
    assert [(d.value, d.type) for d in record.dates] == [
        ("2000-01-01", "creation"),
        ("2023-07-31", "revision"),
        ("2022-11-08", "publication"),
    ]
    assert ("ESRI File Geodatabase (.fgdb)", "10.x") in [(f.name, f.version) for f in record.formats]
    anchors = [t.anchor for t in record.constraints.other_constraints]
    assert "https://geoportail.wallonie.be/files/documents/ConditionsSPW/DataSPW-CGU.pdf" in anchors
    assert record.constraints.access_constraints == ["license"]
    wallon = record.keywords[0]
    assert wallon.thesaurus is not None and wallon.thesaurus.value == "Thèmes du géoportail wallon"
    assert wallon.keywords[1].text.anchor == (
        "https://metawal.wallonie.be/thesaurus/theme-geoportail-wallon#SubThemesGeoportailWallon/1020"
    )


def test_cioos_polygon_vertical_extent_platform_and_french_keyword() -> None:
    record = read(ISO3 / "cioos-iso-validate__valid.xml")
    assert record.other_languages == ["fra"]
    (vertical,) = [v for extent in record.extents for v in extent.vertical]
    assert (vertical.minimum, vertical.maximum) == (6.0, 5.0)
    assert vertical.crs == "http://www.epsg-registry.org/export.htm?gml=urn:ogc:def:crs:EPSG::5831"
    assert sum(len(extent.polygons) for extent in record.extents) == 1
    (platform,) = record.platforms
    assert platform.identifier is not None and platform.identifier.value == "platform_id"
    (instrument,) = platform.instruments
    assert instrument.type is not None and instrument.type.value == "instrument_1_type"
    french = record.keywords[0].keywords[1].text
    assert french.translations == {"fra": "keywords_fra"}


def test_aodn_polygons_in_latitude_first_urn_are_returned_lon_lat() -> None:
    record = read(ISO3 / "aodn-esindexer__sample1.xml")
    polygons = [p for extent in record.extents for p in extent.polygons]
    assert len(polygons) == 2
    for polygon in polygons:
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in polygon.exterior)
    assert record.parent_identifier == "d52d1e34-b8e2-45d4-a684-be05cd681ef1"
    (period,) = record.temporal_extents
    assert (period.begin, period.end, period.end_indeterminate) == ("2017-02-01", None, None)


def test_mdb_1_0_record() -> None:
    record = read(DATA / "records-extra" / "bluecloud-sa__ga-a05f7892-bc27-7506-e044-00144fdd4fa6.xml")
    assert record.dialect == "iso19115-3"
    assert record.file_identifier == "a05f7892-bc27-7506-e044-00144fdd4fa6"
    assert record.title.value == "Purumu Lagoon 1:50 000 topographic map"
    assert record.metadata_date == "2018-04-22T08:46:15"
    (identifier,) = record.identifiers
    assert identifier.code == "https://pid.geoscience.gov.au/dataset/ga/57423"
    (box,) = record.boxes
    assert (box.west, box.east, box.south, box.north) == (142.75, 143.0, -16.25, -16.0)
    assert record.links[1].url == "https://d28rz98at9flks.cloudfront.net/57423/7465_1_Purumu_Lagoon.tif"
