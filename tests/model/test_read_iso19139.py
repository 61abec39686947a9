"""The ISO 19139 / 19115-2 reader on real records of each profile: values as the files state them."""

from __future__ import annotations

from pathlib import Path

import pytest

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.readers import read_record, reader_name
from odatis_csw.model.record import Record
from odatis_csw.safexml import parse_bytes, parse_file
from tests.conftest import DATA, RECORDS

DIALECTS = DATA / "dialects"


def read(path: Path) -> Record:
    return read_record(parse_file(path).getroot())


def test_sdn_cdi_profile_boxes_vertical_extent_and_licence_anchor() -> None:
    record = read(DIALECTS / "gn-schemaplugins-sdn-cdi__CDI_ISO19139_full_example.xml")
    assert record.dialect == "iso19139"
    assert record.file_identifier == "urn:SDN:CDI:LOCAL:MARIS-TEST"
    assert record.title.value == "Test record with full coverage"
    assert [(b.west, b.east, b.south, b.north) for b in record.boxes] == [
        (-68.548849, -49.007153, 59.400296, 73.889864),
        (106.574831, 114.842479, 5.916728, 17.636232),
        (-80.198605, -70.052045, -57.079131, -36.777203),
    ]
    (vertical,) = record.extents[0].vertical
    assert (vertical.minimum, vertical.maximum) == (0.0, 100.0)
    assert record.temporal_extents[0].begin == "2009-01-01T00:00:00"
    licence = record.constraints.licences[0]
    assert licence.text.value == "SeaDataNet licence"
    assert licence.text.anchor == "http://www.seadatanet.org/urnurl/SDN:L08::LS"
    assert licence.uri == "http://vocab.nerc.ac.uk/collection/L08/current/LS/"
    # an Anchor naming no licence stays among the other constraints, with its link
    assert [(t.value, t.anchor) for t in record.constraints.other_constraints] == [
        ("licence", "http://www.seadatanet.org/urnurl/SDN:L08::LI")
    ]


def test_sdn_csr_platforms_and_instruments_under_operations() -> None:
    record = read(DIALECTS / "gn-schemaplugins-sdn-csr__CSR_ISO19139_full_example.xml")
    assert record.dialect == "iso19115-2"
    platforms = {p.identifier.value: p for p in record.platforms if p.identifier}
    assert set(platforms) >= {"D01/487", "H72/487", "H10/1046"}
    (instrument,) = platforms["D01/487"].instruments
    assert instrument.identifier is not None and instrument.identifier.value == "instrument-1-D01-487"
    assert instrument.type is not None and instrument.type.value == "Current meters"


def test_19115_2_doi_anchor_open_period_and_organisation_anchor() -> None:
    record = read(RECORDS / "iso19115-2" / "ncei-onestop__COOPS__C1.xml")
    assert record.dialect == "iso19115-2"
    assert record.hierarchy_level == "series"
    assert record.dois == ["10.5072/fk2test"]
    (period,) = record.temporal_extents
    assert (period.begin, period.end, period.end_indeterminate) == ("2013-03-01", None, "now")
    publisher = record.parties[0]
    assert publisher.role == "publisher"
    assert publisher.anchor == "http://www.nodc.noaa.gov/cgi-bin/OAS/prd/institution/details/1730"


def test_doi_code_with_doi_codespace() -> None:
    record = read(DATA / "records-extra" / "marine-ie-nodc__ie_marine_data__dataset_2752.xml")
    assert "10.20393/657328d9-bbed-4427-ac73-85a2dae184b2" in record.dois
    doi = next(i for i in record.identifiers if i.doi == "10.20393/657328d9-bbed-4427-ac73-85a2dae184b2")
    assert doi.codespace == "https://dx.doi.org"
    group = record.keywords[0]
    assert [(k.text.value, k.text.anchor) for k in group.keywords][:1] == [
        ("Oceanographic geographical features", "http://inspire.ec.europa.eu/theme/of")
    ]
    assert group.thesaurus is not None
    assert group.thesaurus.anchor == "http://www.eionet.europa.eu/gemet/inspire_themes"


def test_pt_freetext_translations_and_polygon() -> None:
    record = read(RECORDS / "iso19139" / "gnui__metadata-for-i18n.dataset.xml")
    assert record.language == "fre"
    assert record.other_languages == ["ita", "eng", "ger"]
    gemet = next(g for g in record.keywords if g.thesaurus and g.thesaurus.value == "GEMET")
    shelter = gemet.keywords[0].text
    assert shelter.value == "abri"
    assert shelter.translations["eng"] == "shelter"
    assert shelter.translations["ger"] == "Unterschlupf"
    (other,) = record.constraints.other_constraints
    assert other.translations["eng"] == "Opendata BY: Open use. Must provide the source."
    assert other.anchor == "https://opendata.swiss/en/terms-of-use/#terms_by"
    (polygon,) = record.extents[0].polygons
    assert polygon.exterior[0] == (8.995, 45.816)
    assert polygon.exterior[0] == polygon.exterior[-1]


def test_erddap_https_namespaces_read_as_19115_2() -> None:
    path = DIALECTS / "cioos-erddap-iso__SMA_bay_of_exploits_iso19115.xml"
    element = parse_file(path).getroot()
    assert element.tag.startswith("{https://")
    assert reader_name(element) == "iso19139"
    record = read_record(element)
    assert record.dialect == "iso19115-2"
    assert record.title.value == "Bay of Exploits Buoy"
    # ERDDAP repeats the extent in each of its three identifications: read once
    (box,) = record.boxes
    assert (box.west, box.east, box.south, box.north) == (-56.100563, -53.33089, 48.68087, 51.348488)
    assert ("https://www.smartatlantic.ca/erddap/tabledap/SMA_bay_of_exploits", "ERDDAP:tabledap") in [
        (link.url, link.protocol) for link in record.links
    ]


def test_mcp_profile_root_vertical_extent() -> None:
    path = DIALECTS / "aodn-imos-mcp2__CARS.xml"
    record = read(path)
    assert record.title.value == "CARS 2009 - Australian weekly"
    (vertical,) = record.extents[0].vertical
    assert (vertical.minimum, vertical.maximum) == (0.0, 5500.0)


def test_no_identification_is_unsupported() -> None:
    element = parse_bytes(
        b'<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd"><gmd:fileIdentifier/></gmd:MD_Metadata>'
    ).getroot()
    with pytest.raises(UnsupportedRecordError):
        read_record(element)
