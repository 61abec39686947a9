"""OGC API Records JSON reader: the spec's example record, LINZ's draft record, Ifremer's WCMP2 record."""

from __future__ import annotations

import json
from pathlib import Path

from odatis_csw.model.readers import read_json
from odatis_csw.model.record import BoundingBox, Polygon, Record

DATA = Path(__file__).resolve().parents[1] / "data" / "model"


def read(name: str) -> Record:
    return read_json(json.loads((DATA / name).read_text(encoding="utf-8")))


def test_spec_record():
    record = read("ogcapi-records-spec__record.json")
    assert record.dialect == "oarec"
    assert record.file_identifier.endswith("total-column-ozone/totalozone")
    assert record.identifiers[0].codespace == "WMO:WIS"
    assert record.title.value == "Total Ozone - daily observations"
    assert record.abstract.value.startswith("A measurement of the total amount of atmospheric ozone")
    assert record.metadata_date == "2021-02-08T00:00:00Z"  # updated: the record's own date
    assert (record.language, record.other_languages) == ("eng", ["fre"])  # en-CA, fr-CA
    assert [k.text.value for k in record.keywords[0].keywords][:3] == ["total", "ozone", "level 1.0"]
    instruments = record.keywords[1]
    assert instruments.thesaurus.value == "https://geo.woudc.org/codelists.xml#WOUDC_InstrumentCode"
    assert instruments.thesaurus.anchor == instruments.thesaurus.value
    assert (instruments.keywords[0].text.value, instruments.keywords[0].text.anchor) == (
        "dobson",
        "https://geo.woudc.org/codelists.xml#WOUDC_InstrumentCode_dobson",
    )
    (publisher,) = record.parties
    assert (publisher.role, publisher.organisation.value) == (
        "publisher",
        "World Ozone and Ultraviolet Radiation Data Centre",
    )
    assert publisher.url == "https://woudc.org"
    # the geometry is the world rectangle: one box, no polygon
    assert record.boxes == [BoundingBox(west=-180.0, east=180.0, south=-90.0, north=90.0)]
    assert record.extents[0].polygons == []
    (period,) = record.temporal_extents
    assert (period.begin, period.end, period.end_indeterminate) == ("1924-08-17T00:00:00Z", None, "now")
    enclosure = next(link for link in record.links if link.media_type == "application/zip")
    assert (enclosure.relation, enclosure.function, enclosure.name) == (
        "enclosure",
        "download",
        "Static dataset archive file",
    )
    assert record.graphic_overviews == ["https://woudc.org/data/preview.png"]
    assert record.constraints.licences[0].uri == "https://woudc.org/about/data-policy.php"  # rel=license link
    assert [t.value for t in record.constraints.other_constraints] == ["other"]
    assert [f.name for f in record.formats][:2] == ["TEXT", "CSV"]


def test_linz_draft_record_with_publisher_object_and_spdx_licence():
    record = read("ogcapi-records-spec-linz__nz-buildings-record.json")
    (publisher,) = record.parties
    assert publisher.role == "originator"  # "producer"
    assert publisher.organisation.value == "LINZ - Land Information New Zealand"
    assert publisher.email == ["customersupport@linz.govt.nz"]
    assert publisher.url == "https://data.linz.govt.nz/"
    spdx = record.constraints.licences[0]
    assert (spdx.text.value, spdx.uri) == ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert record.boxes == [
        BoundingBox(west=167.325430204, east=179.413063484, south=-47.001329508, north=-34.310623441)
    ]
    assert record.formats[0].name == "GeoPackage"


def test_wcmp2_record_contacts_with_roles_and_addresses():
    record = read("ifremer-wis2-coriolis-wcmp2__core-metadata__fr-ifremer-argo-core-metadata.json")
    assert [p.role for p in record.parties] == ["distributor", "originator"]  # host, producer
    contact = record.parties[0]
    assert contact.individual == "Coriolis Global Data Assembly Centre"
    assert contact.organisation.value == "Ifremer"
    assert (contact.phone, contact.email) == (["+33298224040"], ["sismer@ifremer.fr"])
    assert (contact.city, contact.postal_code, contact.country) == ("Plouzane", "29280", "France")
    assert contact.address == ["1625 Route de Sainte Anne CS 10070"]
    data = record.links[0]
    assert (data.url, data.function) == ("https://doi.org/10.17882/42182", "download")
    assert record.status == ["operational"]


def test_open_interval_start_and_polygon_geometry():
    record = read_json(
        {
            "id": "x",
            "type": "Feature",
            "time": {"interval": ["..", "2020-01-01"]},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [5, 8], [0, 0]]]},
            "properties": {"title": "t", "type": "series"},
        }
    )
    (period,) = record.temporal_extents
    assert (period.begin, period.begin_indeterminate, period.end) == (None, "unknown", "2020-01-01")
    assert record.extents[0].polygons == [Polygon([(0.0, 0.0), (10.0, 0.0), (5.0, 8.0), (0.0, 0.0)])]
    assert record.boxes == [BoundingBox(west=0.0, east=10.0, south=0.0, north=8.0)]
    assert record.hierarchy_level == "series"
