"""Engine defects of pycsw 3.0.0-beta1 that our layer neutralises.

Each test shows the defect on the bare engine, then the right behaviour on our server.
"""

from __future__ import annotations

import json

import pytest
import requests
from lxml import etree
from shapely.geometry import box, shape
from sickle import Sickle

from tests.bare_engine import BareEngine
from tests.conftest import ANTIMERIDIAN_ID, RECORDS, antimeridian_record

OAI = "{http://www.openarchives.org/OAI/2.0/}"
GREENWICH = "-5,-20,5,-10"
EAST_OF_ANTIMERIDIAN = "174,-20,176,-10"
WEST_OF_ANTIMERIDIAN = "-176,-20,-174,-10"
CROSSING = "178,-20,-178,-10"


def _ids(features_json: str) -> set[str]:
    return {feature["id"] for feature in json.loads(features_json)["features"]}


def _features(catalogue, **params: str) -> list[dict]:
    """Every matching item, following the pages."""
    features: list[dict] = []
    while True:
        query = {"f": "json", "offset": str(len(features)), **params}
        response = requests.get(f"{catalogue.url}/collections/metadata:main/items", params=query, timeout=30)
        assert response.status_code == 200, response.text
        page = response.json()
        features.extend(page["features"])
        if not page["features"] or len(features) >= page["numberMatched"]:
            return features


def _oarec_ids(catalogue, **params: str) -> set[str]:
    return {feature["id"] for feature in _features(catalogue, **params)}


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bare")
    return BareEngine(folder, [antimeridian_record(folder), RECORDS / "iso19139"], maxrecords=3)


# --- 1. antimeridian -------------------------------------------------------------------------


def test_bare_engine_stores_an_antimeridian_box_as_its_complement(bare):
    api = bare.records_api()
    found = {
        bbox: _ids(api.items({}, None, {"bbox": bbox, "f": "json"})[2])
        for bbox in (GREENWICH, EAST_OF_ANTIMERIDIAN)
    }
    assert ANTIMERIDIAN_ID in found[GREENWICH]
    assert ANTIMERIDIAN_ID not in found[EAST_OF_ANTIMERIDIAN]


@pytest.mark.parametrize("bbox", [EAST_OF_ANTIMERIDIAN, WEST_OF_ANTIMERIDIAN, CROSSING])
def test_pacific_record_is_found_on_both_sides_of_the_antimeridian(catalogue, bbox):
    assert ANTIMERIDIAN_ID in _oarec_ids(catalogue, bbox=bbox)


def test_pacific_record_is_not_found_at_greenwich(catalogue):
    assert ANTIMERIDIAN_ID not in _oarec_ids(catalogue, bbox=GREENWICH)


def test_crossing_query_box_finds_exactly_the_records_it_touches(catalogue):
    features = _features(catalogue)
    region = box(178, -20, 180, -10).union(box(-180, -20, -178, -10))
    touching = {f["id"] for f in features if f.get("geometry") and shape(f["geometry"]).intersects(region)}
    assert ANTIMERIDIAN_ID in touching
    assert _oarec_ids(catalogue, bbox=CROSSING) == touching


def _csw_bbox_hits(catalogue, lower: str, upper: str) -> set[str]:
    request = f"""<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"
      xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml"
      service="CSW" version="2.0.2" resultType="results" maxRecords="100">
      <csw:Query typeNames="csw:Record"><csw:ElementSetName>brief</csw:ElementSetName>
      <csw:Constraint version="1.1.0"><ogc:Filter><ogc:BBOX>
        <ogc:PropertyName>ows:BoundingBox</ogc:PropertyName>
        <gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:lowerCorner>{lower}</gml:lowerCorner><gml:upperCorner>{upper}</gml:upperCorner>
        </gml:Envelope></ogc:BBOX></ogc:Filter></csw:Constraint></csw:Query></csw:GetRecords>"""
    response = requests.post(
        f"{catalogue.url}/csw", data=request.encode(), timeout=30, headers={"Content-Type": "application/xml"}
    )
    tree = etree.fromstring(response.content)
    return {el.text for el in tree.iter("{http://purl.org/dc/elements/1.1/}identifier")}


def test_csw_bbox_filter_finds_the_pacific_record_across_the_antimeridian(catalogue):
    assert ANTIMERIDIAN_ID in _csw_bbox_hits(catalogue, "-20 178", "-10 -178")  # lat lon, crossing
    assert ANTIMERIDIAN_ID in _csw_bbox_hits(catalogue, "-20 174", "-10 176")
    assert ANTIMERIDIAN_ID not in _csw_bbox_hits(catalogue, "-20 -5", "-10 5")


def test_answers_show_the_crossing_box_as_published(catalogue):
    record = requests.get(
        f"{catalogue.url}/collections/metadata:main/items/{ANTIMERIDIAN_ID}", params={"f": "json"}, timeout=30
    ).json()
    assert record["bbox"] == [170.0, -20.0, -170.0, -10.0]
    assert record["geometry"]["type"] == "MultiPolygon"
    answer = requests.get(
        f"{catalogue.url}/csw",
        timeout=30,
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": ANTIMERIDIAN_ID,
            "elementsetname": "full",
        },
    )
    tree = etree.fromstring(answer.content)
    ows = "{http://www.opengis.net/ows}"
    assert tree.findtext(f".//{ows}LowerCorner").split() == ["-20.0", "170.0"]
    assert tree.findtext(f".//{ows}UpperCorner").split() == ["-10.0", "-170.0"]


# --- 2. OAI-PMH resumption tokens ------------------------------------------------------------


def test_bare_engine_refuses_a_resumption_token_alone(bare):
    first = etree.fromstring(bare.get("/oaipmh", verb="ListIdentifiers", metadataPrefix="oai_dc").encode())
    token = first.findtext(f".//{OAI}resumptionToken")
    assert token
    second = etree.fromstring(bare.get("/oaipmh", verb="ListIdentifiers", resumptionToken=token).encode())
    assert second.find(f"{OAI}error").get("code") == "badArgument"


@pytest.fixture(scope="module")
def paged_catalogue(make_catalogue):
    return make_catalogue("oaipaging", RECORDS, server__maxrecords=4)


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
@pytest.mark.parametrize("prefix", ["oai_dc", "iso19139"])
def test_a_harvester_pages_through_every_record_exactly_once(paged_catalogue, verb, prefix):
    expected = int(requests.get(f"{paged_catalogue.url}/healthz", timeout=10).json()["records"])
    client = Sickle(f"{paged_catalogue.url}/oaipmh", max_retries=0)
    items = getattr(client, verb)(metadataPrefix=prefix)
    ids = [item.header.identifier if verb == "ListRecords" else item.identifier for item in items]
    assert len(ids) == expected > 4
    assert len(set(ids)) == expected


def _oai(catalogue, **params: str) -> etree._Element:
    return etree.fromstring(requests.get(f"{catalogue.url}/oaipmh", params=params, timeout=30).content)


def test_cursor_and_complete_list_size_follow_the_protocol(paged_catalogue):
    expected = int(requests.get(f"{paged_catalogue.url}/healthz", timeout=10).json()["records"])
    page = _oai(paged_catalogue, verb="ListIdentifiers", metadataPrefix="oai_dc")
    cursors = []
    while True:
        token = page.find(f".//{OAI}resumptionToken")
        if token is None:
            break
        cursors.append(int(token.get("cursor")))
        assert int(token.get("completeListSize")) == expected
        if not token.text:
            break
        page = _oai(paged_catalogue, verb="ListIdentifiers", resumptionToken=token.text)
    assert cursors == list(range(0, expected, 4))


def test_resumption_token_is_exclusive(paged_catalogue):
    first = _oai(paged_catalogue, verb="ListRecords", metadataPrefix="oai_dc")
    token = first.findtext(f".//{OAI}resumptionToken")
    answer = _oai(paged_catalogue, verb="ListRecords", resumptionToken=token, metadataPrefix="oai_dc")
    assert answer.find(f"{OAI}error").get("code") == "badArgument"


def test_unknown_resumption_token_is_bad_resumption_token(paged_catalogue):
    answer = _oai(paged_catalogue, verb="ListRecords", resumptionToken="not-a-token")
    assert answer.find(f"{OAI}error").get("code") == "badResumptionToken"


def test_selective_harvest_arguments_survive_paging(paged_catalogue):
    everything = _oai(paged_catalogue, verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:dataset")
    token = everything.find(f".//{OAI}resumptionToken")
    assert token is not None and token.text
    total = int(token.get("completeListSize"))
    client = Sickle(f"{paged_catalogue.url}/oaipmh", max_retries=0)
    ids = [
        header.identifier for header in client.ListIdentifiers(metadataPrefix="oai_dc", set="type:dataset")
    ]
    assert len(ids) == total
    all_ids = [header.identifier for header in client.ListIdentifiers(metadataPrefix="oai_dc")]
    assert set(ids) <= set(all_ids)


# --- 3. CSW 3.0 POST with a CqlText constraint ------------------------------------------------

CQL_TITLE = "dc:title like '%Ocean%'"


def _cql_getrecords(version: str) -> bytes:
    if version == "3.0.0":
        return f"""<csw30:GetRecords xmlns:csw30="http://www.opengis.net/cat/csw/3.0" service="CSW"
          version="3.0.0"><csw30:Query typeNames="csw30:Record">
          <csw30:ElementSetName>brief</csw30:ElementSetName><csw30:Constraint version="1.1.0">
          <csw30:CqlText>{CQL_TITLE}</csw30:CqlText></csw30:Constraint></csw30:Query>
          </csw30:GetRecords>""".encode()
    return f"""<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW"
      version="2.0.2" resultType="hits"><csw:Query typeNames="csw:Record">
      <csw:ElementSetName>brief</csw:ElementSetName><csw:Constraint version="1.1.0">
      <csw:CqlText>{CQL_TITLE}</csw:CqlText></csw:Constraint></csw:Query></csw:GetRecords>""".encode()


def _matched(answer: bytes | str) -> int:
    root = etree.fromstring(answer.encode() if isinstance(answer, str) else answer)
    results = [el for el in root.iter() if etree.QName(el).localname == "SearchResults"]
    assert results, answer[:600]
    return int(results[0].get("numberOfRecordsMatched"))


def test_bare_engine_fails_every_csw30_cql_constraint(bare):
    answer = bare.post(_cql_getrecords("3.0.0"))
    assert "Invalid CQL request" in answer


def test_csw30_cql_constraint_matches_what_csw202_finds(catalogue):
    def post(version: str) -> requests.Response:
        return requests.post(
            f"{catalogue.url}/csw",
            data=_cql_getrecords(version),
            timeout=30,
            headers={"Content-Type": "application/xml"},
        )

    csw30, csw202 = post("3.0.0"), post("2.0.2")
    assert csw30.status_code == 200, csw30.text[:800]
    assert _matched(csw30.content) == _matched(csw202.content) > 0


def test_csw30_malformed_cql_is_an_exception_report(catalogue):
    body = _cql_getrecords("3.0.0").replace(b"like '%Ocean%'", b"like")
    answer = requests.post(
        f"{catalogue.url}/csw", data=body, timeout=30, headers={"Content-Type": "application/xml"}
    )
    assert answer.status_code == 400
    assert etree.fromstring(answer.content).tag == "{http://www.opengis.net/ows/2.0}ExceptionReport"


# --- 4. FGDC output of records whose links lack a protocol ------------------------------------

FGDC = "http://www.opengis.net/cat/csw/csdgm"
NO_PROTOCOL_ID = "3e9a8c05"  # tests/data/records/iso19139/pycsw-apiso__3e9a8c05.xml


def test_bare_engine_fails_fgdc_output_of_a_record_without_link_protocol(bare):
    with pytest.raises(TypeError):
        bare.get(
            "/csw",
            service="CSW",
            version="2.0.2",
            request="GetRecordById",
            id=NO_PROTOCOL_ID,
            outputschema=FGDC,
        )


@pytest.mark.parametrize("version", ["2.0.2", "3.0.0"])
def test_fgdc_output_of_every_record(catalogue, version):
    expected = int(requests.get(f"{catalogue.url}/healthz", timeout=10).json()["records"])
    seen, start = 0, 1
    while start:
        params = {
            "service": "CSW",
            "version": version,
            "request": "GetRecords",
            "resulttype": "results",
            "typenames": "csw:Record" if version == "2.0.2" else "csw30:Record",
            "elementsetname": "full",
            "outputschema": FGDC,
            "startposition": str(start),
        }
        answer = requests.get(f"{catalogue.url}/csw", params=params, timeout=60)
        assert answer.status_code == 200, answer.text[:800]
        root = etree.fromstring(answer.content)
        seen += len(root.findall(".//metadata"))
        results = [el for el in root.iter() if etree.QName(el).localname == "SearchResults"][0]
        start = int(results.get("nextRecord") or 0)
    assert seen == expected
    byid = requests.get(
        f"{catalogue.url}/csw",
        timeout=30,
        params={
            "service": "CSW",
            "version": version,
            "request": "GetRecordById",
            "id": NO_PROTOCOL_ID,
            "outputschema": FGDC,
        },
    )
    assert byid.status_code == 200
    assert etree.fromstring(byid.content).find(".//idinfo") is not None


# --- 5. writes -----------------------------------------------------------------------------------


def test_bare_engine_deletes_every_record_through_an_injected_item_id(tmp_path):
    engine = BareEngine(tmp_path, [RECORDS / "dublin-core"])
    api = engine.records_api(transactions=True, allowed_ips=["10.0.0.1"])
    before = json.loads(api.items({}, None, {"f": "json"})[2])["numberMatched"]
    api.manage_collection_item({}, "delete", "x' OR '1'='1")
    after = json.loads(api.items({}, None, {"f": "json"})[2])["numberMatched"]
    assert before > 0 and after == 0


def test_the_same_injection_changes_nothing_here(catalogue):
    before = requests.get(f"{catalogue.url}/healthz", timeout=10).json()["records"]
    answer = requests.delete(
        f"{catalogue.url}/collections/metadata:main/items/x%27%20OR%20%271%27%3D%271", timeout=10
    )
    assert answer.status_code == 405
    assert requests.get(f"{catalogue.url}/healthz", timeout=10).json()["records"] == before
