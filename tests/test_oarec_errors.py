"""OGC API - Records answers precise errors to bad requests, and echoes no request header.

Unknown collections and items are 404, bad query parameters and search bodies 400 naming
the parameter (never 500, nor a silent 200), unknown parameters 400 (OGC API - Features
/req/core/query-param-unknown), and the valid forms of each parameter still answer 200.
"""

from __future__ import annotations

import pytest
import requests
from conftest import ANTIMERIDIAN_ID, DATA
from lxml import etree

TIMEOUT = 60
ITEMS = "/collections/metadata:main/items"
KNOWN_ID = "3e9a8c05"  # tests/data/records/iso19139/pycsw-apiso__3e9a8c05.xml
SLASH_RECORD = DATA / "records-extra" / "pycsw-idswithpaths__file_id_starting_with_forward_slash.xml"
SLASH_ID = "/i/started/with/a/slash"
ESCAPED_SLASH_ID = "%2Fi%2Fstarted%2Fwith%2Fa%2Fslash"


def get(catalogue, path: str, **params: str) -> requests.Response:
    return requests.get(f"{catalogue.url}{path}", params=params, timeout=TIMEOUT, allow_redirects=False)


def assert_json_error(response: requests.Response, status: int, parameter: str | None = None) -> dict:
    context = f"HTTP {response.status_code} {response.headers.get('Content-Type')}\n{response.text[:800]}"
    assert response.status_code == status, context
    assert response.headers.get("Content-Type", "").split(";")[0].strip() == "application/json", context
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], context
    assert isinstance(body.get("description"), str) and body["description"], context
    if parameter is not None:
        assert body["description"].startswith(f"{parameter}:"), context
    return body


def matched(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text[:800]
    return response.json()


def ids(response: requests.Response) -> set[str]:
    return {feature["id"] for feature in matched(response)["features"]}


# --------------------------------------------------------------------------- 404


@pytest.mark.parametrize(
    "path",
    [
        "/collections/nope",
        "/collections/nope/items",
        "/collections/nope/items/x",
        f"/collections/nope/items/{KNOWN_ID}",
        "/collections/nope/queryables",
        # a record that is no collection is not one either
        f"/collections/{KNOWN_ID}",
        f"/collections/{KNOWN_ID}/items",
        f"/collections/{KNOWN_ID}/queryables",
    ],
)
@pytest.mark.parametrize("f", ["json", None])
def test_unknown_collection_is_404(catalogue, path, f):
    response = get(catalogue, path, **({"f": f} if f else {}))
    body = assert_json_error(response, 404)
    assert "collection" in body["description"]


@pytest.mark.parametrize(
    "path", ["/collections/nope", "/collections/nope/items", "/collections/nope/items/x"]
)
def test_unknown_collection_in_html_is_404(catalogue, path):
    response = get(catalogue, path, f="html")
    assert response.status_code == 404, response.status_code
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("f", ["json", "xml", None])
def test_unknown_item_is_404_json(catalogue, f):
    response = get(catalogue, f"{ITEMS}/odatis-no-such-record", **({"f": f} if f else {}))
    assert_json_error(response, 404)


# --------------------------------------------------------------------------- 400 on GET items

BAD_PARAMETERS = {
    "limit-not-a-number": ({"limit": "abc"}, "limit"),
    "limit-decimal": ({"limit": "1.5"}, "limit"),
    "limit-zero": ({"limit": "0"}, "limit"),
    "limit-negative": ({"limit": "-3"}, "limit"),
    "limit-empty": ({"limit": ""}, "limit"),
    "offset-not-a-number": ({"offset": "abc"}, "offset"),
    "offset-negative": ({"offset": "-1"}, "offset"),
    "offset-beyond-int64": ({"offset": "99999999999999999999"}, "offset"),
    "bbox-not-numbers": ({"bbox": "abc"}, "bbox"),
    "bbox-three-numbers": ({"bbox": "1,2,3"}, "bbox"),
    "bbox-five-numbers": ({"bbox": "1,2,3,4,5"}, "bbox"),
    "bbox-south-above-north": ({"bbox": "-5,50,5,40"}, "bbox"),
    "bbox-latitude-beyond-90": ({"bbox": "-5,-95,5,40"}, "bbox"),
    "bbox-longitude-beyond-180": ({"bbox": "-5,40,185,50"}, "bbox"),
    "bbox-not-finite": ({"bbox": "nan,40,5,50"}, "bbox"),
    "datetime-not-a-date": ({"datetime": "notadate"}, "datetime"),
    "datetime-impossible-date": ({"datetime": "2020-13-45"}, "datetime"),
    "datetime-impossible-time": ({"datetime": "2020-01-01T25:00:00Z"}, "datetime"),
    "datetime-without-offset": ({"datetime": "2020-01-01T12:00:00"}, "datetime"),
    "datetime-bad-interval-end": ({"datetime": "2020-01-01/notadate"}, "datetime"),
    "datetime-bad-interval-start": ({"datetime": "notadate/2020-01-01"}, "datetime"),
    "datetime-start-after-end": ({"datetime": "2021-01-01/2020-01-01"}, "datetime"),
    "datetime-three-parts": ({"datetime": "2020-01-01/2020-02-01/2020-03-01"}, "datetime"),
    "sortby-unknown-property": ({"sortby": "nosuch"}, "sortby"),
    "sortby-several-properties": ({"sortby": "title,-date"}, "sortby"),
    "f-unknown": ({"f": "yaml"}, "f"),
    "f-xml-for-items": ({"f": "xml"}, "f"),
    "filter-syntax-error": ({"filter": "title LIKE"}, "filter"),
    "filter-unprintable-parse-error": ({"filter": "<script>alert(1)</script>"}, "filter"),
    "filter-unknown-property": ({"filter": "nosuch = 'a'"}, "filter"),
    "filter-bbox-crs-not-a-code": ({"filter": "BBOX(geometry,-10,40,10,60,'a :b')"}, "filter"),
    "filter-full-text-bind-parameter": ({"filter": "anytext LIKE 'a :b'"}, "filter"),
    "filter-lang-unknown": ({"filter-lang": "bogus", "filter": "title = 'a'"}, "filter-lang"),
    "filter-lang-unknown-without-filter": ({"filter-lang": "bogus"}, "filter-lang"),
    "unknown-parameter": ({"nosuch": "1"}, "nosuch"),
    "unknown-parameter-bbox-crs": ({"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}, "bbox-crs"),
    "geometry-is-no-parameter": ({"geometry": "POINT(0 0)"}, "geometry"),
    "collections-is-no-parameter": ({"collections": "metadata:main"}, "collections"),
    "queryable-with-control-character": ({"title": "a\nb"}, "title"),
    "ids-with-double-quote": ({"ids": 'a"b'}, "ids"),
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMETERS))
def test_invalid_items_parameter_is_400_naming_it(catalogue, case):
    params, parameter = BAD_PARAMETERS[case]
    response = get(catalogue, ITEMS, **{"f": "json", **params})
    assert_json_error(response, 400, parameter)


@pytest.mark.parametrize(
    "path", ["/", "/conformance", "/openapi", "/collections", "/collections/metadata:main", ITEMS]
)
@pytest.mark.parametrize("f", ["yaml", "xml", ""])
def test_unknown_format_is_400(catalogue, path, f):
    assert_json_error(get(catalogue, path, f=f), 400, "f")


def test_unknown_format_for_an_item_is_400(catalogue):
    assert_json_error(get(catalogue, f"{ITEMS}/{KNOWN_ID}", f="yaml"), 400, "f")


def test_an_item_is_served_as_xml(catalogue):
    response = get(catalogue, f"{ITEMS}/{KNOWN_ID}", f="xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert etree.fromstring(response.content).tag.endswith("MD_Metadata")


def test_error_pages_in_html_escape_what_the_request_said(catalogue):
    response = get(catalogue, ITEMS, f="html", filter="title = '<script>alert(1)</script>'x")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text


# --------------------------------------------------------------------------- valid forms still work


def test_limit_above_the_maximum_is_clamped(catalogue):
    everything = matched(get(catalogue, ITEMS, f="json", limit="1000000"))
    maximum = matched(get(catalogue, ITEMS, f="json"))["numberReturned"]
    assert everything["numberMatched"] > maximum  # the catalogue holds more than one page
    assert everything["numberReturned"] == maximum
    huge = matched(get(catalogue, ITEMS, f="json", limit="9" * 40))
    assert huge["numberReturned"] == maximum


def test_limit_and_offset_page(catalogue):
    first = matched(get(catalogue, ITEMS, f="json", limit="2", sortby="identifier"))
    second = matched(get(catalogue, ITEMS, f="json", limit="2", offset="1", sortby="identifier"))
    assert first["numberReturned"] == second["numberReturned"] == 2
    assert first["features"][1]["id"] == second["features"][0]["id"]
    assert matched(get(catalogue, ITEMS, f="json", offset="100000"))["features"] == []


@pytest.mark.parametrize(
    "value",
    [
        "2020-01-01",
        "2020-01-01T00:00:00Z",
        "2020-01-01t00:00:00.25z",
        "2020-01-01T00:00:00+02:00",
        "2016-12-31T23:59:60Z",
        "2000-01-01/2020-12-31",
        "2000-01-01T00:00:00Z/2000-01-01T00:00:00Z",
        "2000-01-01/..",
        "../2020-12-31",
        "../..",
        "2000-01-01/",
        "/2020-12-31",
    ],
)
def test_valid_datetime_is_accepted(catalogue, value):
    matched(get(catalogue, ITEMS, f="json", datetime=value))


def test_open_interval_end_may_be_empty_or_dots(catalogue):
    dots = ids(get(catalogue, ITEMS, f="json", datetime="1990-01-01/..", limit="100"))
    empty = ids(get(catalogue, ITEMS, f="json", datetime="1990-01-01/", limit="100"))
    assert dots and dots == empty
    dots = ids(get(catalogue, ITEMS, f="json", datetime="../2030-01-01", limit="100"))
    empty = ids(get(catalogue, ITEMS, f="json", datetime="/2030-01-01", limit="100"))
    assert dots and dots == empty


def test_bbox_with_heights_is_the_bbox_without(catalogue):
    flat = ids(get(catalogue, ITEMS, f="json", bbox="-10,40,10,60", limit="100"))
    tall = ids(get(catalogue, ITEMS, f="json", bbox="-10,40,-100,10,60,100", limit="100"))
    assert flat and flat == tall


def test_bbox_crossing_the_antimeridian_is_legal(catalogue):
    assert ANTIMERIDIAN_ID in ids(get(catalogue, ITEMS, f="json", bbox="178,-20,-178,-10"))


@pytest.mark.parametrize(
    "params",
    [
        {"q": "ocean"},
        {"Q": "ocean"},  # the engine reads parameter names in any case
        {"ids": f"{KNOWN_ID},odatis-no-such-record"},
        {"type": "dataset"},
        {"title": "some title"},
        {"identifier": KNOWN_ID},
        {"externalId": "x"},
        {"lang": "en"},
        {"facets": "true"},
        {"distributed": "false"},
        {"sortby": "-title"},
        {"sortby": "+title"},
        {"sortby": "title"},
        {"filter": "title LIKE '%a%'", "filter-lang": "cql2-text"},
        {"filter": "title LIKE '%a%'", "bbox": "178,-20,-178,-10"},
        {"keywords": "ocean"},
        {"anytext": "ocean"},
    ],
    ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()),
)
def test_known_parameters_are_accepted(catalogue, params):
    matched(get(catalogue, ITEMS, f="json", **params))


def test_ids_and_identifier_select_the_record(catalogue):
    assert ids(get(catalogue, ITEMS, f="json", ids=f"{KNOWN_ID},odatis-no-such-record")) == {KNOWN_ID}
    assert ids(get(catalogue, ITEMS, f="json", identifier=KNOWN_ID)) == {KNOWN_ID}


def test_lang_does_not_filter(catalogue):
    plain = matched(get(catalogue, ITEMS, f="json"))["numberMatched"]
    assert matched(get(catalogue, ITEMS, f="json", lang="en"))["numberMatched"] == plain


def test_free_text_with_an_apostrophe(catalogue):
    """French text is full of apostrophes: q=l'enquête is a search, not a CQL syntax error."""
    found = ids(get(catalogue, ITEMS, f="json", q="l'enquête"))
    assert "74f81503-8d39-4ec8-a49a-c76e0cd74946" in found


# --------------------------------------------------------------------------- POST search bodies

BAD_BODIES = {
    "not-json": (b"{not json", "request body"),
    "json-null": (b"null", "request body"),
    "json-number": (b"5", "request body"),
    "json-list": (b"[1]", "request body"),
    "limit-not-a-number": (b'{"limit": "abc"}', "limit"),
    "limit-zero": (b'{"limit": 0}', "limit"),
    "bbox-not-a-list": (b'{"bbox": "x"}', "bbox"),
    "bbox-three-numbers": (b'{"bbox": [1, 2, 3]}', "bbox"),
    "datetime-not-a-date": (b'{"datetime": "notadate"}', "datetime"),
    "sortby-not-a-list": (b'{"sortby": "title"}', "sortby"),
    "sortby-unknown-property": (b'{"sortby": [{"field": "nosuch"}]}', "sortby"),
    "collections-unknown": (b'{"collections": ["nope"]}', "collections"),
    "collections": (b'{"collections": ["metadata:main"]}', "collections"),
    "cql2-json-syntax": (b'{"op": "bogus"}', "request body"),
    "cql2-json-unknown-property": (b'{"op": "=", "args": [{"property": "nosuch"}, "a"]}', "request body"),
    # PostgreSQL full-text search: the engine writes this pattern into SQL text as it is
    "cql2-json-sql-injection": (
        b'{"op": "like", "args": [{"property": "anytext"},'
        b" \"x') @@ anytext_tsvector OR 1=1 OR plainto_tsquery('english', 'y\"]}",
        "request body",
    ),
    "cql2-json-and-bbox": (
        b'{"op": "=", "args": [{"property": "identifier"}, "x"], "bbox": [-180, -90, 180, 90]}',
        "bbox",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_invalid_search_body_is_400(catalogue, case):
    body, parameter = BAD_BODIES[case]
    response = requests.post(
        f"{catalogue.url}{ITEMS}", data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert_json_error(response, 400, parameter)


def test_search_body_limit(catalogue):
    response = requests.post(f"{catalogue.url}{ITEMS}", json={"limit": 2}, timeout=TIMEOUT)
    assert matched(response)["numberReturned"] == 2
    cql = {"op": "=", "args": [{"property": "identifier"}, KNOWN_ID]}
    response = requests.post(f"{catalogue.url}{ITEMS}", json={**cql, "limit": 1}, timeout=TIMEOUT)
    assert ids(response) == {KNOWN_ID}


@pytest.mark.parametrize("cql", ["date > 5", "title = 5", "date AFTER 2020-01-01T00:00:00Z"])
def test_filter_comparing_different_types_is_never_500(catalogue, cql):
    """SQLite compares anything; PostgreSQL refuses, which is the client's 400."""
    response = get(catalogue, ITEMS, f="json", filter=cql)
    if response.status_code != 200:
        assert_json_error(response, 400, "filter")


def test_cql2_json_search_with_query_parameter_filters_is_400(catalogue):
    cql = {"op": "=", "args": [{"property": "identifier"}, KNOWN_ID]}
    response = requests.post(f"{catalogue.url}{ITEMS}", params={"q": "ocean"}, json=cql, timeout=TIMEOUT)
    assert_json_error(response, 400, "q")


# --------------------------------------------------------------------------- response headers


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conformance",
        "/openapi",
        "/collections",
        "/collections/metadata:main",
        "/collections/metadata:main/queryables",
        ITEMS,
        f"{ITEMS}/{KNOWN_ID}",
        f"{ITEMS}/odatis-no-such-record",
        "/collections/nope",
        f"{ITEMS}?limit=abc",
    ],
)
def test_request_headers_are_not_echoed(catalogue, path):
    response = requests.get(
        f"{catalogue.url}{path}",
        headers={"Cache-Control": "public, max-age=31536000", "X-Evil": "1", "User-Agent": "odatis-probe"},
        timeout=TIMEOUT,
    )
    assert response.headers.get("Cache-Control") != "public, max-age=31536000", dict(response.headers)
    assert "X-Evil" not in response.headers, dict(response.headers)
    assert response.headers.get("User-Agent") is None, dict(response.headers)
    assert response.headers.get("Host") is None, dict(response.headers)
    assert "Accept" in response.headers.get("Vary", ""), dict(response.headers)


def test_accept_header_still_negotiates_the_format(catalogue):
    response = requests.get(f"{catalogue.url}/collections", headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Accept" not in response.headers


# --------------------------------------------------------------------------- identifiers starting with "/"


@pytest.fixture(scope="module")
def slash_cat(make_catalogue):
    return make_catalogue("slashid", SLASH_RECORD)


@pytest.mark.parametrize("path", [ESCAPED_SLASH_ID, SLASH_ID])
def test_item_whose_identifier_starts_with_a_slash(slash_cat, path):
    response = get(slash_cat, f"{ITEMS}/{path}", f="json")
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    assert response.json()["id"] == SLASH_ID


def test_item_whose_identifier_starts_with_a_slash_as_xml(slash_cat):
    response = get(slash_cat, f"{ITEMS}/{ESCAPED_SLASH_ID}", f="xml")
    assert response.status_code == 200, response.status_code
    root = etree.fromstring(response.content)
    gco = "{http://www.isotc211.org/2005/gco}CharacterString"
    identifier = root.find("{http://www.isotc211.org/2005/gmd}fileIdentifier").findtext(gco)
    assert identifier == SLASH_ID


def test_self_link_of_a_slash_identifier_is_followed(slash_cat):
    (feature,) = matched(get(slash_cat, ITEMS, f="json"))["features"]
    (link,) = [link for link in feature["links"] if link.get("rel") == "self"]
    response = requests.get(link["href"], params={"f": "json"}, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 200, (link["href"], response.status_code)
    assert response.json()["id"] == SLASH_ID


def test_other_unknown_paths_under_items_are_404(slash_cat):
    assert_json_error(get(slash_cat, f"{ITEMS}/%2Fno%2Fsuch", f="json"), 404)


def test_search_body_too_large_is_413(catalogue):
    body = b'{"op": "=", "args": [{"property": "title"}, "' + b"x" * (3 * 1024 * 1024) + b'"]}'
    response = requests.post(
        f"{catalogue.url}{ITEMS}", data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert_json_error(response, 413)
