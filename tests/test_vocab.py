"""Vocabulary and identity mappings (mappings/vocab/*.csv, schemas/mapping.schema.json).

Lookup strings are copied from real records of the shared corpus; each case names its record
(path under ``shared/corpus``). The corpus tests check that those strings, and every row whose
``source`` cites the corpus or an NVS extract, really are in the cited file.
"""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from packaging.licenses._spdx import LICENSES as SPDX_LICENSES

from odatis_csw.mapping import (
    Anchor,
    MappingError,
    Mappings,
    anchors_for,
    cf_standard_name_anchor,
    inspire_themes,
    instrument_anchor,
    is_no_licence_statement,
    licence_anchor,
    link_relation,
    organisation_anchor,
    parameter_anchor,
    platform_anchor,
)
from odatis_csw.mapping.vocab import KINDS, text_key

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "mappings"
VOCAB = MAPPINGS / "vocab"

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
NVS = "http://vocab.nerc.ac.uk/collection/{}/current/{}/"

# (string as found, record it comes from, expected anchor URI or None)
LICENCES = [
    ("CC-By 4.0", "iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml", CC_BY_4),
    ("cc-by4.0", "iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml", CC_BY_4),
    ("CC-BY-4.0", "other/ogcapi-records-spec-linz__nz-buildings-record.json", CC_BY_4),
    (
        "Creative Commons Attribution 4.0 International",
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-144-144-144-ds01-4.xml",
        CC_BY_4,
    ),
    (
        "https://www.seadatanet.org/urnurl/SDN:L08::CB",
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-144-144-144-ds01-4.xml",
        CC_BY_4,
    ),
    ("https://creativecommons.org/licenses/by/4.0/", "datacite/lupo__schema_4.2.xml", CC_BY_4),
    ("http://creativecommons.org/licenses/by/4.0/", "datacite/lupo__datacite_namespace.xml", CC_BY_4),
    ("http://creativecommons.org/licenses/by/4.0/legalcode", "other/pygeometa__eml.xml", CC_BY_4),
    (
        "https://creativecommons.org/licenses/by/4.0/legalcode",
        "datacite/lupo__datacite_with_whitespace.xml",
        CC_BY_4,
    ),
    (
        "CC BY 4.0: https://creativecommons.org/licenses/by/4.0/",
        "csw-responses/bluecloud-fairease__emodnet-xml__b6eff0a9-ea56-408a-be00-fc458ae6ef54.xml",
        CC_BY_4,
    ),
    (
        "License: http://creativecommons.org/licenses/by-nc-sa/4.0/",
        "datacite/lupo__large_file.xml",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    (
        "CC BY-NC 4.0",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_2747.xml",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    (
        "CC-BY-3.0: Creative Commons Attribution 3.0 Unported",
        "oaipmh/pangaea-oai__GetRecord_oai_dc.xml",
        "https://creativecommons.org/licenses/by/3.0/",
    ),
    (
        "CC0",
        "oaipmh/b2find-seanoe-oairecord-oai_dc__4aefaa20-ae37-5c89-bc7a-7574303850c3.xml",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    (
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "datacite/bolognese__datacite_dataset.xml",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    (
        "Licence Ouverte / Open Licence Version 2.0\n"
        "                            https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
        "iso19139/gnui__geoide.iso19139.dataset.xml",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    ),
    (
        "Licence Ouverte 2.0",
        "iso19139/gnui__geo2france.iso19139.plu.xml",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    ),
    (
        "SeaDataNet licence",
        "iso19115-2/gn-schemaplugins-sdn-csr__CSR_ISO19139_full_example.xml",
        NVS.format("L08", "LS"),
    ),
    # access statements, not licences: recognised, no anchor
    ("no limitations", "csw-responses/pycsw__apiso__expected__post_GetRecords-all.xml", None),
    ("Pas de restriction d'accès public selon INSPIRE", "other/pygeometa__dcat.rdf.xml", None),
    # unversioned or compound: no anchor rather than a guess
    ("CC BY", "datacite/bolognese__pure.xml", None),
    ("LICENCE OUVERTE", "iso19139/gnui__geo2france.iso19139.scot.xml", None),
    (
        "Attribution-NonCommercial (CC BY-NC)",
        "csw-responses/bluecloud-sa__5762b1c1-69ab-496e-8b18-35b89069c466.xml",
        None,
    ),
    ("Marine Institute Licence", "iso19139/marine-ie-nodc__ie_marine_data__dataset_2740.xml", None),
]

ORGANISATIONS = [
    (
        "IFREMER / IDM/SISMER",
        None,
        "iso19115-2/gn-schemaplugins-sdn-csr__CSR_ISO19139_full_example.xml",
        "486",
    ),
    (
        "IFREMER, SISMER, Scientific Information Systems for the SEA",
        None,
        "csw-responses/bluecloud-sa__f089a39e-a589-4b69-ab61-1ad4bb9a9d2a.xml",
        "486",
    ),
    (
        "Ifremer, Marine Geosciences",
        None,
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-1022-485-1022-ds12-4.xml",
        "485",
    ),
    (
        "French Geological Survey (BRGM)",
        None,
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-1022-1426-1022-ds04-4.xml",
        "1022",
    ),
    ("Marine Institute", "Ireland", "iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml", "396"),
    # the same name for the Marine Institute of Memorial University, Newfoundland (CIOOS ERDDAP)
    ("Marine Institute", None, "iso19115-2/cioos-erddap-iso__SMA_bay_of_exploits_iso19115.xml", None),
    # several Ifremer units carry EDMO codes of their own: the bare name names none of them
    ("Ifremer", None, "csw-responses/bluecloud-sa__f089a39e-a589-4b69-ab61-1ad4bb9a9d2a.xml", None),
    (
        "US DOC; NOAA; National Centers for Environmental Information",
        None,
        "iso19115-2/ncei-onestop-admin__conflictStep1.xml",
        None,
    ),
]

PARAMETERS = [
    (
        "Temperature of the water column",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_1040.xml",
        NVS.format("P02", "TEMP"),
    ),
    (
        "http://www.seadatanet.org/urnurl/SDN:P02::PSAL/",
        "csw-responses/bluecloud-fairease__sdn-xml__sdn-open_urn_SDN_CDI_LOCAL_96-1570-96-ds03-4.xml",
        NVS.format("P02", "PSAL"),
    ),
    (
        "Practical salinity of the water body",
        "iso19115-3/aodn-esindexer__aienhancement__sample1.xml",
        NVS.format("P01", "PSLTZZ01"),
    ),
    (
        "Northward current velocity in the water body",
        "iso19115-3/aodn-esindexer__aienhancement__sample1.xml",
        NVS.format("P01", "LCNSZZ01"),
    ),
    # one label, two P01 codes in the corpus (CHUMZZ01, CRELZZ01): left out
    ("Relative humidity of the atmosphere", "iso19115-3/aodn-esindexer__sample_multiple_temporal1.xml", None),
]

INSTRUMENTS = [
    (
        "CTD",
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-144-144-144-ds01-4.xml",
        NVS.format("L05", "130"),
    ),
    (
        "Thermosalinographs",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_1040.xml",
        NVS.format("L05", "133"),
    ),
    (
        "Sea-Bird SBE 911plus CTD",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_1040.xml",
        NVS.format("L22", "TOOL0058"),
    ),
]

PLATFORMS = [
    (
        "research vessel",
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-1022-1426-1022-ds04-4.xml",
        NVS.format("L06", "31"),
    ),
    (
        "moored surface buoy",
        "csw-responses/bluecloud-sa__sdn-open-urn-SDN-CDI-LOCAL-144-144-144-ds01-4.xml",
        NVS.format("L06", "41"),
    ),
    (
        "drifting subsurface profiling float",
        "iso19115-3/aodn-esindexer__sample18.xml",
        NVS.format("L06", "46"),
    ),
]

CF_NAMES = [
    (
        "sea_water_temperature",
        "dublin-core/b2find-envriplus-sextant-cswrecord__0bf66760-5ca0-5fb6-9e1e-4519618384f9.xml",
        NVS.format("P07", "CFSN0335"),
    ),
    (
        "sea_water_salinity",
        "dublin-core/b2find-envriplus-sextant-cswrecord__0bf66760-5ca0-5fb6-9e1e-4519618384f9.xml",
        NVS.format("P07", "CFSN0331"),
    ),
    (
        "Sea Surface Temperature",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_1040.xml",
        NVS.format("P07", "CFSN0381"),
    ),
]

PROTOCOLS = [
    ("OGC:WMS-1.3.0-http-get-map", "csw-responses/owslib__csw_dov_getrecordbyid.xml", "service", None),
    (
        "OGC:WMS-1.3.0-http-get-capabilities",
        "csw-responses/owslib__csw_dov_getrecordbyid.xml",
        "service",
        "application/xml",
    ),
    (
        "WWW:DOWNLOAD-1.0-http--download",
        "iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml",
        "enclosure",
        None,
    ),
    ("WWW:LINK-1.0-http--link", "iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml", "related", None),
    (
        "WWW:LINK-1.0-http--metadata-URL",
        "csw-responses/aodn-csp-testdata-imos__aus-cpr.xml",
        "describedby",
        None,
    ),
    (
        "OPeNDAP:OPeNDAP",
        "iso19115-2/pycsw-idswithpaths__file_id_with_driveletter_and_backslashes.xml",
        "service",
        None,
    ),
    ("HTTP", "iso19115-2/ncei-onestop__GHRSST__3.xml", None, None),
]


def _ids(cases: list[tuple]) -> list[str]:
    return [f"{case[0][:40]!r}@{case[-2] if len(case) > 3 else case[1]}".replace(" ", "_") for case in cases]


# ---------------------------------------------------------------------------- the files


def test_every_file_validates_and_has_rows() -> None:
    schema = json.loads((REPO / "schemas" / "mapping.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert sorted(schema["properties"]) == sorted(KINDS)
    mappings = Mappings.load(MAPPINGS)
    for name in KINDS:
        assert mappings.rows(name), name
    assert sorted(path.name for path in VOCAB.glob("*.csv")) == sorted(KINDS)


def test_spdx_ids_are_listed_and_current() -> None:
    for row in Mappings.load(MAPPINGS).rows("licences.csv"):
        if "spdx" in row:
            listed = SPDX_LICENSES.get(row["spdx"].lower())
            assert listed is not None and listed["id"] == row["spdx"] and not listed["deprecated"], row


def test_the_files_are_plain_utf8_csv_with_a_source_on_every_row() -> None:
    for path in VOCAB.glob("*.csv"):
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf"), path.name
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and all(row["source"] for row in rows), path.name


# ---------------------------------------------------------------------------- broken copies


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of mappings/ to break, and a loader returning the MappingError's problems."""
    shutil.copytree(MAPPINGS, tmp_path / "mappings")
    folder = tmp_path / "mappings" / "vocab"

    def problems() -> list[str]:
        with pytest.raises(MappingError) as caught:
            Mappings.load(tmp_path / "mappings")
        assert "invalid vocabulary mappings" in caught.value.user_msg
        return caught.value.problems

    return folder, problems


def _edit(path: Path, row_number: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row_number][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_bad_uri_names_file_row_and_column(broken) -> None:
    folder, problems = broken
    _edit(folder / "parameters.csv", 3, "uri", "https://vocab.nerc.ac.uk/collection/P02/current/CNDC")
    found = problems()
    assert len(found) == 1
    assert found[0].startswith("parameters.csv, row 3 (line 4), column 'uri': ")
    assert "canonical NERC Vocabulary Server concept URI" in found[0]


def test_a_uri_of_the_wrong_collection_is_refused(broken) -> None:
    folder, problems = broken
    _edit(folder / "platforms.csv", 1, "uri", NVS.format("L05", "130"))
    assert problems() == [
        "platforms.csv, row 1 (line 2), column 'uri': "
        f"'{NVS.format('L05', '130')}' is not of the form /collection/L06/"
    ]


def test_a_missing_required_value_is_named(broken) -> None:
    folder, problems = broken
    _edit(folder / "organisations.csv", 2, "source", "")
    _edit(folder / "protocols.csv", 5, "relation", "download")
    found = problems()
    assert "organisations.csv, row 2 (line 3), column 'source': missing value" in found
    assert any(
        p.startswith("protocols.csv, row 5 (line 6), column 'relation': 'download' is not one of")
        for p in found
    )


def test_a_statement_without_uri_must_not_carry_a_label(broken) -> None:
    folder, problems = broken
    with (folder / "licences.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    number = next(i for i, row in enumerate(rows, start=1) if row["term"] == "no limitations")
    _edit(folder / "licences.csv", number, "spdx", "CC0-1.0")
    assert problems() == [
        f"licences.csv, row {number} (line {number + 1}), column 'spdx': "
        "must be empty when 'uri' is empty (statement without anchor)"
    ]


def test_header_problems_are_named(broken) -> None:
    folder, problems = broken
    text = (folder / "instruments.csv").read_text(encoding="utf-8")
    (folder / "instruments.csv").write_text(
        text.replace("term,uri,label,source", "term,uri,name,source", 1), encoding="utf-8"
    )
    assert problems() == [
        "instruments.csv, header (line 1): missing column 'label'; unknown column 'name' "
        "(expected: term, uri, label, source)"
    ]


def test_a_term_mapped_twice_is_refused(broken) -> None:
    folder, problems = broken
    with (folder / "parameters.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            [
                "temperature of the  WATER column",
                NVS.format("P02", "PSAL"),
                "Salinity of the water column",
                "alias:clash for the test",
            ]
        )
    found = problems()
    assert len(found) == 1
    assert re.fullmatch(
        r"parameters\.csv, row \d+ \(line \d+\), column 'term': 'temperature of the  WATER column' "
        r"already maps to http://vocab\.nerc\.ac\.uk/collection/P02/current/TEMP/ at row 1",
        found[0],
    ), found


def test_one_uri_carries_one_label(broken) -> None:
    folder, problems = broken
    with (folder / "parameters.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    second = [i for i, row in enumerate(rows, start=1) if row["uri"] == NVS.format("P01", "TURBXXXX")][1]
    _edit(folder / "parameters.csv", second, "label", "Turbidity")
    assert problems() == [
        f"parameters.csv, row {second} (line {second + 1}), column 'label': {NVS.format('P01', 'TURBXXXX')} "
        f"already carries other values at row {second - 1} (label, spdx, vocabulary and code must agree "
        "for one URI)"
    ]


def test_an_edmo_uri_must_match_its_code(broken) -> None:
    folder, problems = broken
    _edit(folder / "organisations.csv", 1, "edmo_code", "485")
    found = problems()
    assert (
        "organisations.csv, row 1 (line 2), column 'uri': 'https://edmo.seadatanet.org/report/486' "
        "does not end in the edmo_code '485'"
    ) in found


def test_bad_encoding_unknown_and_missing_files(broken) -> None:
    folder, problems = broken
    (folder / "platforms.csv").write_bytes("term,uri,label,source\nr\xe9search".encode("latin-1"))
    (folder / "cf_standard_names.csv").unlink()
    (folder / "extra.csv").write_text("a\n", encoding="utf-8")
    found = problems()
    assert "extra.csv: unknown mapping file" in found[0]
    assert any(p.startswith("platforms.csv: not UTF-8 (byte 23") for p in found)
    assert any(p.startswith("cf_standard_names.csv: missing from ") for p in found)


def test_the_real_files_are_unchanged_by_the_broken_copies() -> None:
    assert Mappings.load(MAPPINGS).rows("parameters.csv")[2]["uri"] == NVS.format("P02", "CNDC")


# ---------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(("text", "record", "expected"), LICENCES, ids=_ids(LICENCES))
def test_licence_anchor(text: str, record: str, expected: str | None) -> None:
    anchor = licence_anchor(text)
    assert (anchor.uri if anchor else None) == expected


def test_licence_anchor_carries_the_spdx_id_and_label() -> None:
    assert licence_anchor("CC-By 4.0") == Anchor(
        CC_BY_4, "Creative Commons Attribution 4.0 International", "Creative Commons", "CC-BY-4.0"
    )
    assert licence_anchor("Licence Ouverte 2.0").code == "etalab-2.0"
    assert licence_anchor("SeaDataNet licence").code is None


def test_access_statements_are_recognised_but_never_anchored() -> None:
    # iso19139/semiceu-iso2dcat-testcase__multilingual-resource-description__input.xml
    assert is_no_licence_statement("Pas de restriction d'accès public.")
    assert is_no_licence_statement("pas de restriction")
    assert licence_anchor("pas de restriction") is None
    # oaipmh/b2find-deims-oairecord-iso19139__8708dd68-f413-5414-80fb-da439a4224f9.xml
    assert (
        licence_anchor(
            "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"
        )
        is None
    )
    assert not is_no_licence_statement("CC-By 4.0")
    assert not is_no_licence_statement("something else entirely")


def test_text_naming_two_licences_gets_no_anchor() -> None:
    text = "https://creativecommons.org/licenses/by/4.0/ or https://creativecommons.org/licenses/by-nc/4.0/"
    assert licence_anchor(text) is None


@pytest.mark.parametrize(("name", "country", "record", "code"), ORGANISATIONS, ids=_ids(ORGANISATIONS))
def test_organisation_anchor(name: str, country: str | None, record: str, code: str | None) -> None:
    anchor = organisation_anchor(name, country)
    if code is None:
        assert anchor is None
    else:
        assert anchor == Anchor(f"https://edmo.seadatanet.org/report/{code}", anchor.label, "EDMO", code)


def test_organisation_by_edmo_uri_and_country_spelling() -> None:
    # csw-responses/bluecloud-fairease__emodnet-xml__b6eff0a9-ea56-408a-be00-fc458ae6ef54.xml (uuid)
    assert organisation_anchor("https://edmo.seadatanet.org/report/396").code == "396"
    assert organisation_anchor("http://edmo.seadatanet.org/report/396/").code == "396"
    assert organisation_anchor("marine institute", "  IRELAND ").code == "396"
    assert organisation_anchor("Marine Institute", "Canada") is None
    assert organisation_anchor("ifremer / sismer").code == "486"


@pytest.mark.parametrize(("term", "record", "expected"), PARAMETERS, ids=_ids(PARAMETERS))
def test_parameter_anchor(term: str, record: str, expected: str | None) -> None:
    anchor = parameter_anchor(term)
    assert (anchor.uri if anchor else None) == expected


def test_parameter_anchor_from_urn_and_uri_forms() -> None:
    temp = NVS.format("P02", "TEMP")
    for form in (
        "SDN:P02::TEMP",
        "SDN:P02:127:TEMP",
        "https://vocab.nerc.ac.uk/collection/P02/current/TEMP",
        temp,
    ):
        assert parameter_anchor(form) == Anchor(
            temp, "Temperature of the water column", "NVS P02", "SDN:P02::TEMP"
        )


@pytest.mark.parametrize(("term", "record", "expected"), INSTRUMENTS, ids=_ids(INSTRUMENTS))
def test_instrument_anchor(term: str, record: str, expected: str) -> None:
    assert instrument_anchor(term).uri == expected


@pytest.mark.parametrize(("term", "record", "expected"), PLATFORMS, ids=_ids(PLATFORMS))
def test_platform_anchor(term: str, record: str, expected: str) -> None:
    assert platform_anchor(term).uri == expected


def test_glider_is_not_guessed() -> None:
    # L06 "glider" (6A) is an aircraft; ocean records mean "sub-surface gliders" (27)
    assert platform_anchor("glider") is None
    assert platform_anchor("sub-surface gliders").uri == NVS.format("L06", "27")


@pytest.mark.parametrize(("name", "record", "expected"), CF_NAMES, ids=_ids(CF_NAMES))
def test_cf_standard_name_anchor(name: str, record: str, expected: str) -> None:
    assert cf_standard_name_anchor(name).uri == expected


def test_inspire_themes_for_topic_categories() -> None:
    # iso19139/marine-ie-nodc__ie_marine_data__dataset_845.xml: topicCategory elevation, theme el
    assert [a.uri for a in inspire_themes("elevation")] == ["http://inspire.ec.europa.eu/theme/el"]
    assert [a.code for a in inspire_themes("oceans")] == ["of", "sr"]
    assert [
        a.code for a in inspire_themes("http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/biota")
    ] == [
        "br",
        "hb",
        "sd",
    ]
    assert inspire_themes("location") == ()
    assert inspire_themes("") == ()


@pytest.mark.parametrize(("protocol", "record", "relation", "media_type"), PROTOCOLS, ids=_ids(PROTOCOLS))
def test_link_relation(protocol: str, record: str, relation: str | None, media_type: str | None) -> None:
    found = link_relation(protocol)
    if relation is None:
        assert found is None
    else:
        assert (found.relation, found.media_type) == (relation, media_type)
        assert link_relation(protocol.lower()) == found


@pytest.mark.parametrize(
    "lookup",
    [
        licence_anchor,
        organisation_anchor,
        parameter_anchor,
        platform_anchor,
        instrument_anchor,
        cf_standard_name_anchor,
    ],
)
def test_unknown_and_empty_terms_get_none(lookup) -> None:
    for value in ("", "   ", "zzz unknown term", "https://example.org/nothing", None, 42):
        assert lookup(value) is None
    assert link_relation("test-protocol") is None


def test_matching_never_alters_the_input() -> None:
    words = [
        "  CC-By 4.0 ",
        "IFREMER / IDM/SISMER",
        "Pas de restriction d’accès public",
        "Temperature of the water column",
        "unknown",
    ]
    kept = copy.deepcopy(words)
    pairs = anchors_for(words, licence_anchor)
    assert words == kept
    assert all(original is word for (original, _), word in zip(pairs, words, strict=True))
    assert pairs[0][1].uri == CC_BY_4 and pairs[0][0] == "  CC-By 4.0 "
    for lookup in (
        organisation_anchor,
        parameter_anchor,
        cf_standard_name_anchor,
        link_relation,
        inspire_themes,
    ):
        for word in words:
            lookup(word)
    assert words == kept
    row = Mappings.load(MAPPINGS).rows("licences.csv")[0]
    row["term"] = "changed"
    assert Mappings.load(MAPPINGS).rows("licences.csv")[0]["term"] != "changed"


# ---------------------------------------------------------------------------- against the corpus


def _flat(path: Path, fold: bool = False) -> str:
    return text_key(html.unescape(path.read_text(encoding="utf-8", errors="replace")), fold_separators=fold)


@pytest.mark.corpus
def test_lookup_strings_are_in_their_records(shared_corpus: Path) -> None:
    cases = [(c[0], c[1]) for c in LICENCES + PARAMETERS + INSTRUMENTS + PLATFORMS + CF_NAMES + PROTOCOLS]
    cases += [(c[0], c[2]) for c in ORGANISATIONS]
    for text, record in cases:
        assert text_key(text) in _flat(shared_corpus / record), (text, record)


def _sources(row: dict[str, str], prefix: str) -> list[str]:
    return [part[len(prefix) :] for part in row["source"].split(" + ") if part.startswith(prefix)]


@pytest.mark.corpus
def test_every_row_is_attested_where_its_source_says(shared_corpus: Path) -> None:
    mappings = Mappings.load(MAPPINGS)
    for name, kind in KINDS.items():
        for row in mappings.rows(name):
            term = row[kind.term]
            for relative in _sources(row, "nvs:"):
                extract = html.unescape((shared_corpus / relative).read_text(encoding="utf-8"))
                nvs_uri = term if term.startswith("http://vocab.nerc.ac.uk/") else row["uri"]
                collection, notation = re.search(r"collection/(\w+)/current/(\w+)/", nvs_uri).groups()
                match = re.search(rf'key="SDN:{collection}::{notation}"\s+label="([^"]*)"', extract)
                assert match, (name, row)
                assert text_key(match.group(1)) in (text_key(row.get("label", "")), text_key(term)), (
                    name,
                    row,
                )
            for relative in _sources(row, "corpus:"):
                content = _flat(shared_corpus / relative, fold=kind.fold_separators)
                if name not in ("topic_inspire_themes.csv",) and not term.startswith("http://vocab.nerc"):
                    assert text_key(term, fold_separators=kind.fold_separators) in content, (
                        name,
                        term,
                        relative,
                    )
                uri = row.get("uri", "")
                if name == "organisations.csv":
                    code = row["edmo_code"]
                    assert f"report/{code}" in content or f'codelistvalue="{code}"' in content, (
                        row,
                        relative,
                    )
                elif uri.startswith("http://vocab.nerc.ac.uk/") and name != "licences.csv":
                    collection, notation = uri.rstrip("/").split("/")[-3::2]
                    forms = (uri.split("://", 1)[1].rstrip("/"), f"SDN:{collection}::{notation}")
                    assert any(form.casefold() in content for form in forms), (row, relative)
