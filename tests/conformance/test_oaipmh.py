"""OAI-PMH 2.0 conformance: requests, responses, errors and the verbs, clause by clause.

Open Archives Initiative Protocol for Metadata Harvesting 2.0 (2002-06-14, 2015-01-08 edition),
checked on a real server; every response is validated against the official schemas
(see tests/conformance/oai.py).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
from lxml import etree

from tests.conformance.oai import (
    DOIS,
    OAI,
    SOURCE,
    STAMP,
    assert_response_valid,
    codes,
    get,
    headers,
    identifiers,
    oai,
    stamp_of,
)

ISO_GMD = "ie.marine.data:dataset.1135"
ISO_MDB = "9e5c3031-a026-48b3-a153-a70c2e2b78b9"  # an ISO 19115-3 record: not ISO 19139
DC_RECORD = "ecbce8ad-79fe-41b2-9bf7-f0d5cd80582d"


def without_date(root: etree._Element) -> bytes:
    root.find(f"{OAI}responseDate").text = ""
    return etree.tostring(root)


# -- §3.1 HTTP embedding ---------------------------------------------------------------------------


def test_3_1_1_get_and_post_give_the_same_answer(provider):
    """§3.1.1: 'OAI-PMH requests must be submitted using either the HTTP GET or POST methods'."""
    for params in (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": f"centre:{SOURCE}"},
        {"verb": "GetRecord", "identifier": ISO_GMD, "metadataPrefix": "iso19139"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2099-01-01"},
        {"verb": "Foo"},
    ):
        by_get = oai(provider, params)
        answer = requests.post(f"{provider.url}/oaipmh", data=params, timeout=60)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/xml")
        by_post = etree.fromstring(answer.content)
        assert_response_valid(by_post)
        assert without_date(by_post) == without_date(by_get)


def test_3_1_1_2_post_repeats_are_seen_too(provider):
    """§3.1.1.2 POST carries the same keys and values as GET: a repeated argument is still one."""
    body = "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=iso19139"
    answer = requests.post(
        f"{provider.url}/oaipmh",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    root = etree.fromstring(answer.content)
    assert codes(root) == ["badArgument"]


@pytest.mark.parametrize("content_type", ["application/xml", "text/plain", "application/json"])
def test_3_1_1_2_post_of_another_media_type_is_refused_at_the_http_level(provider, content_type):
    """§3.1.1.2: 'Content-Type ... must be application/x-www-form-urlencoded'.

    A body in another media type holds no argument the provider can read: HTTP 415, as for any
    request the transport cannot carry (§3.1.2.1 keeps OAI-PMH errors for readable requests).
    """
    answer = requests.post(
        f"{provider.url}/oaipmh", data=b"verb=Identify", headers={"Content-Type": content_type}, timeout=30
    )
    assert answer.status_code == 415
    assert answer.headers["Accept-Post"] == "application/x-www-form-urlencoded"


def test_3_1_2_1_errors_are_answered_with_status_200_and_text_xml(provider):
    """§3.1.2.1: OAI-PMH errors are distinguished from HTTP status codes; §3.1.2.1 Content-Type text/xml."""
    answer = get(provider, {"verb": "Foo"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/xml")


# -- §3.2 XML response format ----------------------------------------------------------------------


def test_3_2_request_echoes_the_base_url_and_the_valid_arguments(provider):
    """§3.2: 'the request element ... the attributes ... the key=value pairs of the HTTP request'."""
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "type", "from": "2021-05-02"}
    root = oai(provider, params)
    request = root.find(f"{OAI}request")
    assert request.attrib == params
    assert request.text == f"{provider.url}/oaipmh"
    assert STAMP.fullmatch(root.findtext(f"{OAI}responseDate"))


@pytest.mark.parametrize(
    "params",
    [
        [("verb", "Foo")],
        [("verb", "Identify"), ("verb", "Identify")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("bogus", "1")],
        [("verb", "GetRecord"), ("identifier", ISO_GMD)],
    ],
)
def test_3_2_no_request_attributes_on_bad_verb_or_bad_argument(provider, params):
    """§3.2: 'In cases where the request that generated this response resulted in a badVerb or
    badArgument error condition, the repository must return the base URL of the protocol request
    only. Attributes must not be provided in these cases.'"""
    root = oai(provider, params)
    assert codes(root)[0] in ("badVerb", "badArgument")
    assert root.find(f"{OAI}request").attrib == {}


# -- §3.3 UTCdatetime ------------------------------------------------------------------------------


def test_3_3_datestamps_are_in_the_declared_granularity_and_never_empty(provider):
    """§3.3.1: datestamps are UTC, 'YYYY-MM-DDThh:mm:ssZ' when that granularity is declared."""
    root = oai(provider, verb="ListIdentifiers", metadataPrefix="oai_dc")
    found = headers(root)
    assert found
    for header in found:
        assert STAMP.fullmatch(header.findtext(f"{OAI}datestamp"))


def test_3_3_a_datestamp_is_when_the_catalogue_last_stored_the_record(provider):
    """§2.7.1: the datestamp is the date of creation, modification or deletion of the record."""
    first = provider.ids[0]
    root = oai(provider, verb="GetRecord", identifier=first, metadataPrefix="oai_dc")
    assert root.findtext(f".//{OAI}datestamp") == stamp_of(0)


# -- §3.6 error and exception conditions -----------------------------------------------------------

ERRORS = [
    ({}, "badVerb"),  # missing verb
    ({"verb": "Foo"}, "badVerb"),  # illegal verb
    ({"verb": "listrecords", "metadataPrefix": "oai_dc"}, "badVerb"),  # verbs are case-sensitive
    ([("verb", "Identify"), ("verb", "ListSets")], "badVerb"),  # repeated verb
    ({"verb": "Identify", "identifier": ISO_GMD}, "badArgument"),  # illegal argument
    ({"verb": "ListRecords"}, "badArgument"),  # missing metadataPrefix
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),  # missing identifier
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")], "badArgument"),
    (
        [
            ("verb", "GetRecord"),
            ("identifier", ISO_GMD),
            ("identifier", ISO_GMD),
            ("metadataPrefix", "oai_dc"),
        ],
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-13-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2021-05-01T12:00:00"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-05-01T12:00:00.5Z"}, "badArgument"),
    (
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2021-05-01",
            "until": "2021-05-02T00:00:00Z",
        },
        "badArgument",
    ),  # mixed granularities
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-05-03", "until": "2021-05-02"},
        "badArgument",
    ),  # from after until
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "centre::x"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": ISO_GMD, "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": ISO_MDB, "metadataPrefix": "iso19139"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": ISO_GMD, "metadataPrefix": "datacite"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "no-such-record", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "no-such-record"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-12-31"}, "noRecordsMatch"),
    (
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2099-01-01T00:00:00Z"},
        "noRecordsMatch",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "centre:nowhere"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "nothing"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "datacite", "set": "type:service"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
]


@pytest.mark.parametrize(("params", "code"), ERRORS)
def test_3_6_error_conditions_have_the_protocol_codes(provider, params, code):
    """§3.6: the error codes of the protocol, each in a response valid against the schema."""
    root = oai(provider, params)
    assert codes(root) == [code]
    assert root.find(f"{OAI}ListRecords") is None and root.find(f"{OAI}GetRecord") is None


def test_3_6_a_forged_token_is_a_bad_resumption_token(provider):
    """§3.6 badResumptionToken: 'The value of the resumptionToken argument is invalid or expired'."""
    for state in (
        {"v": 2, "prefix": "oai_dc", "cursor": -1, "part": "live"},
        {"v": 2, "prefix": "oai_dc", "cursor": 0, "part": "elsewhere"},
        {"v": 2, "prefix": "oai_dc", "cursor": 0, "part": "live", "start": "yesterday"},
        {"v": 1, "metadataprefix": "oai_dc", "cursor": 0},  # the tokens of the engine's provider
        ["oai_dc", 0],
    ):
        token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        assert codes(oai(provider, verb="ListIdentifiers", resumptionToken=token)) == ["badResumptionToken"]


# -- §4.2 Identify ---------------------------------------------------------------------------------


def test_4_2_identify(provider):
    """§4.2: repositoryName, baseURL, protocolVersion, earliestDatestamp, deletedRecord, granularity..."""
    identify = oai(provider, verb="Identify").find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}baseURL") == f"{provider.url}/oaipmh"  # no query string
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}adminEmail") == "contact@odatis-ocean.fr"  # pycsw.yml contact
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    # 'a lower limit for all datestamps recorded in the repository'
    assert identify.findtext(f"{OAI}earliestDatestamp") == stamp_of(0)


def test_4_2_the_earliest_datestamp_selects_everything(provider):
    earliest = oai(provider, verb="Identify").findtext(f".//{OAI}earliestDatestamp")
    root = oai(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": earliest})
    assert int(root.find(f".//{OAI}resumptionToken").get("completeListSize")) == len(provider.ids)


# -- §4.4 ListMetadataFormats ----------------------------------------------------------------------


def formats(root: etree._Element) -> dict[str, tuple[str, str]]:
    return {
        element.findtext(f"{OAI}metadataPrefix"): (
            element.findtext(f"{OAI}schema"),
            element.findtext(f"{OAI}metadataNamespace"),
        )
        for element in root.iter(f"{OAI}metadataFormat")
    }


def test_4_4_list_metadata_formats_of_the_repository(provider):
    """§4.4: the formats available from the repository; oai_dc is required (§3.4)."""
    found = formats(oai(provider, verb="ListMetadataFormats"))
    assert found["oai_dc"] == (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    )
    assert found["iso19139"][1] == "http://www.isotc211.org/2005/gmd"
    assert found["datacite"][1] == "http://datacite.org/schema/kernel-4"
    assert found["dcat_ap"][1] == "http://www.w3.org/ns/dcat#"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        (ISO_GMD, {"oai_dc", "iso19139", "dcat_ap"}),
        (ISO_MDB, {"oai_dc", "dcat_ap"}),
        (DC_RECORD, {"oai_dc", "dcat_ap"}),
        ("gov.noaa.nodc:NDBC-COOPS", {"oai_dc", "iso19139", "datacite", "dcat_ap"}),
    ],
)
def test_4_4_list_metadata_formats_of_one_item(provider, identifier, expected):
    """§4.4 identifier: 'the metadata formats available for a specific item'."""
    assert set(formats(oai(provider, verb="ListMetadataFormats", identifier=identifier))) == expected


# -- §4.6 ListSets ---------------------------------------------------------------------------------


def test_4_6_list_sets_lists_the_centres_and_resource_types_holding_records(provider):
    """§4.6 and §2.7.2: a set hierarchy; only sets that hold records; setName from the sources file."""
    sets = {
        element.findtext(f"{OAI}setSpec"): element.findtext(f"{OAI}setName")
        for element in oai(provider, verb="ListSets").iter(f"{OAI}set")
    }
    assert {
        "centre",
        "centre:local",
        f"centre:{SOURCE}",
        "type",
        "type:dataset",
        "type:series",
        "type:service",
    } <= set(sets)
    assert sets[f"centre:{SOURCE}"] == f"{SOURCE} (csw)"  # the title in sources.yml
    assert sets["centre:local"] == "local"


# -- §4.1 GetRecord --------------------------------------------------------------------------------


def test_4_1_get_record_answers_the_header_and_the_metadata(provider):
    """§4.1 GetRecord, §2.5 record: header (identifier, datestamp, setSpecs) and metadata."""
    root = oai(provider, verb="GetRecord", identifier=ISO_GMD, metadataPrefix="oai_dc")
    [header] = headers(root)
    assert identifiers(root) == [ISO_GMD]
    position = provider.ids.index(ISO_GMD)
    assert header.findtext(f"{OAI}datestamp") == stamp_of(position)
    centre = SOURCE if position % 2 else "local"
    assert [spec.text for spec in header.iter(f"{OAI}setSpec")] == [
        "centre",
        f"centre:{centre}",
        "type",
        "type:dataset",
    ]
    assert root.find(f".//{OAI}metadata") is not None


def test_4_1_the_dois_in_the_fixture_are_those_of_the_records(provider):
    """The DataCite tests rely on real DOIs: each record's document cites its DOI."""
    for identifier, doi in DOIS.items():
        root = oai(provider, verb="GetRecord", identifier=identifier, metadataPrefix="iso19139")
        assert doi.lower() in etree.tostring(root).decode().lower()
