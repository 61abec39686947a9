"""OGC API - Records - Part 1 1.0 (approved 2025), against the real server.

Each test names the requirement (``/req/...``) of the Records requirement classes it checks
(building blocks record-core, record-collection, record-core-query-parameters, records-api,
sorting, cql-filter, json; deployment searchable-catalog), or of OGC API - Features Part 1/3
and CQL2. Documents are validated with the published Records and Features JSON schema
fragments (``schemas/ogcapi``), OpenAPI 3.0 idioms rewritten as the README there says.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import requests
from conftest import ANTIMERIDIAN_ID, REPO
from lxml import etree
from pyshacl import validate as shacl_validate
from rdflib import Graph
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from shapely.geometry import shape

TIMEOUT = 60
ITEMS = "/collections/metadata:main/items"
COLLECTION = "/collections/metadata:main"
SCHEMAS = REPO / "schemas" / "ogcapi"
RECORDS_SCHEMAS = "https://schemas.opengis.net/ogcapi/records/part1/1.0/openapi/schemas/"
FEATURES_SCHEMAS = "https://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/schemas/"
CONF = "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/"
GEOJSON = "application/geo+json"


# --------------------------------------------------------------------------- schemas

#: OpenAPI 3.0: ``oneOf: [{type: object, nullable: true}, X]`` means "null or X".
NULL_IDIOM = {"type": "object", "nullable": True}


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object as JSON Schema (``nullable`` and the null idiom)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    branches = node.get("oneOf")
    if isinstance(branches, list) and NULL_IDIOM in branches:
        del node["oneOf"]
        node["anyOf"] = [{"type": "null"}, *(branch for branch in branches if branch != NULL_IDIOM)]
    if node.pop("nullable", False):
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [{"type": "null"}, node]}
    return {key: json_schema(value) for key, value in node.items()}


def load_schemas(geometry_may_be_null: bool) -> Registry:
    """Every fragment under its published address.

    ``geometry_may_be_null``: the one deviation, documented in the README of the schemas:
    Features 1.0 ``featureGeoJSON`` requires a geometry, which RFC 7946 §3.2 and the Records
    ``recordGeoJSON`` (that ``recordCollectionGeoJSON`` puts in the same place) let be null.
    """
    resources = []
    for folder in ("records", "features"):
        for path in sorted((SCHEMAS / folder).glob("*.json")):
            schema = json_schema(json.loads(path.read_text(encoding="utf-8")))
            if geometry_may_be_null and path.name == "featureGeoJSON.json":
                schema = copy.deepcopy(schema)
                schema["properties"]["geometry"] = {
                    "anyOf": [{"type": "null"}, schema["properties"]["geometry"]]
                }
            resources.append((schema["$id"], Resource.from_contents(schema, DRAFT202012)))
    return Registry().with_resources(resources)


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.fullmatch(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


STRICT = load_schemas(geometry_may_be_null=False)
LENIENT = load_schemas(geometry_may_be_null=True)


def schema_errors(document: Any, url: str, registry: Registry = STRICT) -> list[str]:
    validator = jsonschema.Draft202012Validator({"$ref": url}, registry=registry, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:15]]


def assert_valid(document: Any, url: str, registry: Registry = STRICT) -> None:
    errors = schema_errors(document, url, registry)
    assert not errors, f"not valid against {url}:\n" + "\n".join(errors)


def test_schema_loader_reads_the_openapi_idioms():
    """The validator itself: ``time: null`` valid, a wrong ``time`` invalid, a nullable ``type`` kept."""
    record = {"id": "x", "type": "Feature", "geometry": None, "properties": {}, "time": None}
    assert not schema_errors(record, RECORDS_SCHEMAS + "recordGeoJSON.yaml")
    assert schema_errors({**record, "time": {"date": "2020"}}, RECORDS_SCHEMAS + "recordGeoJSON.yaml")
    assert schema_errors(
        {**record, "properties": {"updated": "2020-01-01"}}, RECORDS_SCHEMAS + "recordGeoJSON.yaml"
    )
    collection = {"type": "FeatureCollection", "features": [record]}
    assert schema_errors(collection, FEATURES_SCHEMAS + "featureCollectionGeoJSON.yaml")  # the deviation
    assert not schema_errors(collection, FEATURES_SCHEMAS + "featureCollectionGeoJSON.yaml", LENIENT)


# --------------------------------------------------------------------------- helpers


def get(catalogue, path: str, **params: str) -> requests.Response:
    return requests.get(f"{catalogue.url}{path}", params=params, timeout=TIMEOUT, allow_redirects=False)


def ok_json(response: requests.Response, media_type: str = "application/json") -> dict[str, Any]:
    media = response.headers.get("Content-Type")
    context = f"{response.url}: HTTP {response.status_code} {media}\n{response.text[:600]}"
    assert response.status_code == 200, context
    assert response.headers["Content-Type"].split(";")[0].strip() == media_type, context
    return response.json()


def assert_error(response: requests.Response, status: int, parameter: str | None = None) -> None:
    context = f"{response.url}: HTTP {response.status_code}\n{response.text[:600]}"
    assert response.status_code == status, context
    assert response.headers["Content-Type"].split(";")[0] == "application/json", context
    body = response.json()
    assert body.get("code") and body.get("description"), context
    if parameter:
        assert body["description"].startswith(f"{parameter}:"), context


def pages(catalogue, **params: str) -> list[dict[str, Any]]:
    """Every items page of a search, following ``next`` links (each page checked as GeoJSON)."""
    found: list[dict[str, Any]] = []
    response = get(catalogue, ITEMS, **{"limit": "100", **params})
    for _ in range(50):
        page = ok_json(response, GEOJSON)
        found.append(page)
        following = [link["href"] for link in page["links"] if link.get("rel") == "next"]
        if not following:
            return found
        response = requests.get(following[0], timeout=TIMEOUT)
    raise AssertionError("more than 50 pages")


def features(catalogue, **params: str) -> list[dict[str, Any]]:
    return [feature for page in pages(catalogue, **params) for feature in page["features"]]


def ids(catalogue, **params: str) -> list[str]:
    return [feature["id"] for feature in features(catalogue, **params)]


def post_ids(catalogue, body: dict[str, Any]) -> set[str]:
    response = requests.post(f"{catalogue.url}{ITEMS}", json={"limit": 100, **body}, timeout=TIMEOUT)
    page = ok_json(response, GEOJSON)
    assert page["numberMatched"] == page["numberReturned"], "more than one page"
    return {feature["id"] for feature in page["features"]}


@pytest.fixture(scope="module")
def everything(catalogue) -> dict[str, dict[str, Any]]:
    """Every record of the catalogue as the items answers show it, by id."""
    records = {feature["id"]: feature for feature in features(catalogue)}
    assert len(records) >= 20
    return records


# --------------------------------------------------------------------------- conformance

REQUIRED_CLASSES = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    CONF + "core",
    CONF + "record-core",
    CONF + "record-collection",
    CONF + "record-core-query-parameters",
    CONF + "records-api",
    CONF + "sorting",
    CONF + "cql-filter",
    CONF + "json",
    CONF + "html",
    CONF + "searchable-catalog",
    CONF + "searchable-catalog-sorting",
    CONF + "searchable-catalog-filtering",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]


def test_conformance_declares_the_searchable_catalog_classes(catalogue):
    """/req/searchable-catalog/conformance (A, B, C, D), /req/searchable-catalog/sorting-conformance,
    /req/searchable-catalog/filtering-conformance: the deployment and its building blocks,
    JSON and HTML; OGC API - Features core and GeoJSON; the CQL2 classes implemented."""
    document = ok_json(get(catalogue, "/conformance", f="json"))
    assert_valid(document, FEATURES_SCHEMAS + "confClasses.yaml")
    classes = document["conformsTo"]
    assert [uri for uri in REQUIRED_CLASSES if uri not in classes] == []
    assert len(classes) == len(set(classes))
    # a read-only catalogue: no write class (OGC API - Features Part 4, Records transactions)
    assert [
        uri for uri in classes if re.search(r"create-replace-delete|/update|transaction", uri, re.I)
    ] == []
    # no class of a draft that the approved standard renamed
    assert not any(uri.endswith(("/conf/JSON", "/conf/cql", "/conf/opensearch")) for uri in classes)


def test_conformance_in_html(catalogue):
    """/req/html/conformance: the conformance declaration is also offered as HTML."""
    response = get(catalogue, "/conformance", f="html")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert CONF + "searchable-catalog" in response.text


# --------------------------------------------------------------------------- landing page, collections


def test_landing_page_is_valid_and_its_links_resolve(catalogue):
    """OGC API - Features /req/core/root-success (Records landingPage schema); every link leads somewhere."""
    document = ok_json(get(catalogue, "/", f="json"))
    assert_valid(document, RECORDS_SCHEMAS + "landingPage.yaml")
    rels = {link["rel"] for link in document["links"]}
    assert {"self", "conformance", "data", "service-desc", "service-doc"} <= rels
    for link in document["links"]:
        response = requests.get(link["href"], timeout=TIMEOUT)
        assert response.status_code == 200, (link, response.status_code)


def test_collections_list_the_catalog_as_a_record_collection(catalogue):
    """/req/records-api/catalogs-response, /req/json/catalog-content: /collections lists each catalog
    as the Records collection schema wants it (``type: Collection``, ``itemType: record``)."""
    document = ok_json(get(catalogue, "/collections", f="json"))
    assert_valid(document, RECORDS_SCHEMAS + "catalogs.yaml")
    assert_valid(document, FEATURES_SCHEMAS + "collections.yaml")
    (main,) = [c for c in document["collections"] if c["id"] == "metadata:main"]
    for collection in document["collections"]:
        assert_valid(collection, RECORDS_SCHEMAS + "collection.yaml")
        assert collection["type"] == "Collection" and collection["itemType"] == "record"
        assert isinstance(collection["crs"], list)
    assert any(link["rel"] == "items" for link in main["links"])


def test_collection_is_a_record_collection(catalogue):
    """/req/record-collection/mandatory-properties, /req/record-collection/itemType,
    /req/records-api/catalog-response: the catalog's collection document."""
    document = ok_json(get(catalogue, COLLECTION, f="json"))
    assert_valid(document, RECORDS_SCHEMAS + "collection.yaml")
    assert_valid(document, FEATURES_SCHEMAS + "collection.yaml")
    assert document["type"] == "Collection"
    assert document["itemType"] == "record"
    assert document["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    links = {(link["rel"], link.get("type")) for link in document["links"]}
    assert ("items", GEOJSON) in links
    assert ("http://www.opengis.net/def/rel/ogc/1.0/sortables", "application/schema+json") in links
    assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") in links
    for link in document["links"]:
        assert requests.get(link["href"], timeout=TIMEOUT).status_code == 200, link


@pytest.mark.parametrize("path", ["/", "/collections", COLLECTION, f"{COLLECTION}/sortables", ITEMS])
def test_resources_in_html(catalogue, path):
    """/req/html/content: each resource is offered as HTML too."""
    response = get(catalogue, path, f="html")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html")


# --------------------------------------------------------------------------- records


def test_items_are_geojson_valid_against_the_records_schemas(catalogue):
    """/req/json/record-response, /req/records-api/records-op, OGC API - Features
    /req/geojson/content: every items page is ``application/geo+json`` and valid against
    recordCollectionGeoJSON and featureCollectionGeoJSON (null geometry allowed, see loader)."""
    for page in pages(catalogue):
        assert_valid(page, RECORDS_SCHEMAS + "recordCollectionGeoJSON.yaml", LENIENT)
        assert_valid(page, FEATURES_SCHEMAS + "featureCollectionGeoJSON.yaml", LENIENT)
        assert page["numberReturned"] == len(page["features"])
        for feature in page["features"]:
            if feature["geometry"] is not None:
                assert_valid(feature, FEATURES_SCHEMAS + "featureGeoJSON.yaml")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "ocean"},
        {"bbox": "170,-25,-170,0"},
        {"datetime": "2010-01-01/.."},
        {"filter": "title LIKE '%a%'"},
    ],
    ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()),
)
def test_searches_answer_valid_record_collections(catalogue, params):
    """/req/json/record-response: search answers are valid record collections too."""
    for page in pages(catalogue, **params):
        assert_valid(page, RECORDS_SCHEMAS + "recordCollectionGeoJSON.yaml", LENIENT)


def test_every_record_is_valid_against_record_geojson(catalogue, everything):
    """/req/record-core/mandatory-properties-record, /req/json/record-content, /req/records-api/record-op:
    each record (``/items/{id}``) is ``application/geo+json``, valid against recordGeoJSON, and
    shows id, type, time (maybe null), geometry (maybe null), properties and links."""
    for identifier in everything:
        record = ok_json(get(catalogue, f"{ITEMS}/{quote(identifier, safe='')}", f="json"), GEOJSON)
        assert_valid(record, RECORDS_SCHEMAS + "recordGeoJSON.yaml")
        assert record["id"] == identifier and record["type"] == "Feature"
        assert {"id", "type", "time", "geometry", "properties", "links"} <= set(record)
        assert isinstance(record["properties"].get("title"), str), identifier
        if record["geometry"] is not None:
            assert_valid(record, FEATURES_SCHEMAS + "featureGeoJSON.yaml")


def test_record_time_is_its_temporal_extent(everything):
    """/req/record-core/time-interval, /req/record-core/time-zone: the temporal extent as an interval,
    ``..`` for an open end, date-times in UTC; a year is the whole year."""
    assert everything["NS06agg"]["time"] == {"interval": ["2010-05-07T00:00:00Z", "2014-03-17T23:56:00Z"]}
    # ISO 19115-2 endPosition indeterminatePosition="now": an ongoing extent
    assert everything["gov.noaa.nodc:NDBC-COOPS"]["time"] == {"interval": ["2013-03-01", ".."]}
    # gml:beginPosition 1998, gml:endPosition 2010
    assert everything["test-dataset-1"]["time"] == {"interval": ["1998-01-01", "2010-12-31"]}
    # no temporal extent: null (never the record's metadata date)
    assert everything["3e9a8c05"]["time"] == {"interval": ["2011-04-18", "2011-04-20"]}
    assert everything["urn:uuid:19887a8a-f6b0-4a63-ae56-7fba0e17801f"]["time"] is None


def test_record_dates_are_rfc3339(everything):
    """recordCommonProperties ``created``/``updated`` are RFC 3339 date-times (UTC)."""
    for identifier, record in everything.items():
        for name in ("created", "updated"):
            value = record["properties"].get(name)
            if value is not None:
                assert RFC3339.fullmatch(value) and value.endswith("Z"), (identifier, name, value)
        assert record["properties"].get("updated"), identifier


def test_antimeridian_record_keeps_its_true_geometry(everything):
    """RFC 7946 §3.1.9/§5.2: a box crossing the antimeridian is a MultiPolygon with west > east bbox."""
    record = everything[ANTIMERIDIAN_ID]
    assert record["geometry"]["type"] == "MultiPolygon"
    assert record["bbox"] == [170.0, -20.0, -170.0, -10.0]


# --------------------------------------------------------------------------- alternates


def test_records_link_to_their_iso_dcat_and_html_forms(catalogue, everything, dcat_shapes):
    """/req/record-core/record-links: typed ``alternate`` links to the record's ISO 19139 (CSW
    GetRecordById), DCAT-AP (RDF/XML) and HTML forms, each answering with the media type it claims;
    the DCAT-AP form conforms to the DCAT-AP 3 shapes."""
    for identifier in sorted(everything)[:6] + [ANTIMERIDIAN_ID]:
        alternates = {
            link["title"]: link for link in everything[identifier]["links"] if link["rel"] == "alternate"
        }
        iso_link = alternates["ISO 19139 (gmd:MD_Metadata)"]
        assert iso_link["type"] == "application/xml"
        iso = requests.get(iso_link["href"], timeout=TIMEOUT)
        assert iso.status_code == 200
        root = etree.fromstring(iso.content)
        found = [el for el in root if etree.QName(el).localname in ("MD_Metadata", "MI_Metadata")]
        assert len(found) == 1, identifier  # ISO 19139 (gmd), or its ISO 19115-2 extension (gmi)
        dcat_link = alternates["DCAT-AP"]
        assert dcat_link["type"] == "application/rdf+xml"
        dcat = requests.get(dcat_link["href"], timeout=TIMEOUT)
        assert dcat.status_code == 200 and dcat.headers["Content-Type"].startswith("application/rdf+xml")
        graph = Graph().parse(data=dcat.content, format="xml")
        conforms, _, report = shacl_validate(graph, shacl_graph=dcat_shapes, inference="none")
        assert conforms, (identifier, report)
        page_link = alternates["HTML page"]
        page = requests.get(page_link["href"], timeout=TIMEOUT)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


@pytest.fixture(scope="module")
def dcat_shapes() -> Graph:
    return Graph().parse(REPO / "schemas" / "shacl" / "dcat-ap_3.0.1_shapes.ttl")


# --------------------------------------------------------------------------- 404


@pytest.mark.parametrize(
    "path",
    [
        "/collections/nope",
        "/collections/nope/items",
        "/collections/nope/items/x",
        "/collections/nope/sortables",
        "/collections/nope/queryables",
        f"{ITEMS}/odatis-no-such-record",
    ],
)
def test_unknown_collections_and_records_are_404(catalogue, path):
    """/req/records-api/record-op (OGC API - Features /req/core/f-op, 404 for an unknown resource)."""
    assert_error(get(catalogue, path, f="json"), 404)


# --------------------------------------------------------------------------- sorting


def test_sortables_is_a_json_schema_of_sortable_properties(catalogue):
    """/req/sorting/get-sortables-op, /req/sorting/get-sortables-success."""
    document = ok_json(get(catalogue, f"{COLLECTION}/sortables", f="json"), "application/schema+json")
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["type"] == "object"
    assert document["$id"].endswith(f"{COLLECTION}/sortables")
    assert {"title", "updated", "created", "identifier"} <= set(document["properties"])


def _displayed(values: list[Any]) -> list[Any]:
    return [value for value in values if value is not None]


@pytest.mark.parametrize("field", ["title", "updated", "created", "identifier", "type"])
def test_sortby_ascending_and_descending(catalogue, field):
    """/req/sorting/sortby-definition, /req/sorting/sortby-response: ``sortby=field``, ``+field`` and
    ``-field`` order the whole result (across pages) on the property the records show."""
    key = "id" if field == "identifier" else field

    def shown(params: dict[str, str]) -> list[Any]:
        found = features(catalogue, **params)
        return [f["id"] if key == "id" else f["properties"].get(key) for f in found]

    plain, plus, minus = (
        shown({"sortby": field}),
        shown({"sortby": f"+{field}"}),
        shown({"sortby": f"-{field}"}),
    )
    assert plain == plus
    assert len(plain) == len(minus) >= 20
    values = _displayed(plain)
    assert len(values) >= 5, f"too few records show {field}"
    if field in ("updated", "created"):
        moments = [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values]
        assert moments == sorted(moments)
        descending = [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in _displayed(minus)]
        assert descending == sorted(descending, reverse=True)
    else:
        assert values == sorted(values)  # the test databases compare text by code point
        assert _displayed(minus) == sorted(values, reverse=True)


def test_sortby_updated_puts_the_latest_first(catalogue, everything):
    latest = max(
        everything.values(),
        key=lambda f: datetime.fromisoformat(f["properties"]["updated"].replace("Z", "+00:00")),
    )
    first = ok_json(get(catalogue, ITEMS, sortby="-updated", limit="1"), GEOJSON)["features"][0]
    assert first["properties"]["updated"] == latest["properties"]["updated"]


@pytest.mark.parametrize("value", ["nosuch", "-nosuch", "geometry", "anytext", "title,-updated"])
def test_unknown_sortable_is_400(catalogue, value):
    """/req/sorting/sortby-response: a property that is not a sortable is refused (400)."""
    assert_error(get(catalogue, ITEMS, sortby=value), 400, "sortby")


def test_sortby_in_a_search_body(catalogue):
    body = {"sortby": [{"field": "title", "direction": "desc"}], "limit": 3}
    response = requests.post(f"{catalogue.url}{ITEMS}", json=body, timeout=TIMEOUT)
    titles = [f["properties"]["title"] for f in ok_json(response, GEOJSON)["features"]]
    expected = [f["properties"]["title"] for f in features(catalogue, sortby="-title")][:3]
    assert titles == expected
    response = requests.post(
        f"{catalogue.url}{ITEMS}", json={"sortby": [{"field": "nosuch"}]}, timeout=TIMEOUT
    )
    assert_error(response, 400, "sortby")


# --------------------------------------------------------------------------- datetime


def _start(value: str) -> datetime:
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def _end(value: str) -> datetime:
    """The last instant a shown value covers (a date covers its whole day)."""
    if len(value) == 10:
        return _start(value) + timedelta(days=1) - timedelta(microseconds=1)
    return _start(value)


def _intersects(time: dict[str, Any] | None, query: str) -> bool:
    """The Features/Records ``datetime`` rule, on the extent the record shows."""
    if time is None:
        return False
    begin, end = time["interval"]
    low, high = (query.split("/") + [query])[:2] if "/" in query else (query, query)
    record_low = None if begin == ".." else _start(begin)
    record_high = None if end == ".." else _end(end)
    query_low = None if low in ("..", "") else _start(low)
    query_high = None if high in ("..", "") else _end(high)
    if record_low is not None and query_high is not None and record_low > query_high:
        return False
    return not (record_high is not None and query_low is not None and record_high < query_low)


DATETIME_QUERIES = [
    # NS06agg: 2010-05-07T00:00:00Z .. 2014-03-17T23:56:00Z
    "2014-03-17T23:56:00Z",
    "2014-03-17T23:56:01Z",
    "2014-03-17",
    "2014-03-18",
    "2014-03-18T00:56:00+01:00",
    "2010-05-06T23:59:59Z/2010-05-07T00:00:00Z",
    "../2010-05-06T23:59:59Z",
    # owslib anchor record: 2009-06-14T00:00:00 .. 2009-06-22T23:59:59 (no offset: UTC)
    "2009-06-22T23:59:59Z",
    "2009-06-23T00:00:00Z",
    "2009-06-23/..",
    # gemini record: 1998 .. 2010
    "2010-12-31T12:00:00Z",
    "2011-01-01",
    "1997-12-31",
    "1998-01-01",
    "2010-06-15/2010-06-16",
    # COOPS: 2013-03-01 .. (now)
    "2030-01-01",
    "2013-02-28",
    "2013-02-28/2013-03-01",
    # 3e9a8c05: 2011-04-18 .. 2011-04-20
    "2011-04-20T23:59:59Z",
    "2011-04-21T00:00:00Z/2011-04-25",
    # open intervals
    "../..",
    "1990-01-01/..",
    "../1950-07-31",
    "/1950-07-30",
    "2000-01-01/",
]


@pytest.mark.parametrize("query", DATETIME_QUERIES)
def test_datetime_selects_records_whose_extent_intersects(catalogue, everything, query):
    """/req/record-core-query-parameters/datetime (OGC API - Features /req/core/fc-time-response):
    an interval selects the records whose shown ``time`` intersects it, an instant those whose
    extent contains it (a date: the whole day); open ends ``..`` or empty; no extent, no match."""
    expected = {identifier for identifier, record in everything.items() if _intersects(record["time"], query)}
    found = ids(catalogue, datetime=query)
    assert len(found) == len(set(found))
    assert set(found) == expected, f"extra: {set(found) - expected}, missing: {expected - set(found)}"


def test_datetime_queries_are_not_vacuous(everything):
    """The edge cases above do select and leave out records on both sides of each edge."""
    selected = [
        {i for i, r in everything.items() if _intersects(r["time"], query)} for query in DATETIME_QUERIES
    ]
    assert "NS06agg" in selected[0] and "NS06agg" not in selected[1] and "NS06agg" in selected[2]
    assert "NS06agg" not in selected[3] and "NS06agg" in selected[4]  # 00:56+01:00 is 23:56Z
    assert "test-dataset-1" in selected[10] and "test-dataset-1" not in selected[11]
    assert "gov.noaa.nodc:NDBC-COOPS" in selected[15] and "gov.noaa.nodc:NDBC-COOPS" not in selected[16]
    assert len(selected[20]) == sum(1 for r in everything.values() if r["time"] is not None)


def test_datetime_in_a_search_body(catalogue):
    assert post_ids(catalogue, {"datetime": "2013-02-28/2013-03-01"}) == set(
        ids(catalogue, datetime="2013-02-28/2013-03-01")
    )


# --------------------------------------------------------------------------- filtering

EUROPE = "POLYGON((-10 40, 10 40, 10 60, -10 60, -10 40))"
BRITTANY = "POINT(-5 48)"
PARALLEL = "LINESTRING(-20 45, 20 45)"
PACIFIC = "POLYGON((175 -25, 180 -25, 180 -5, 175 -5, 175 -25))"
#: tests/data/records/csw-responses record: its box, and a box sharing its eastern edge
SDN_BOX = "POLYGON((-6 47.76, 0.19 47.76, 0.19 50.73, -6 50.73, -6 47.76))"
SDN_NEIGHBOUR = "POLYGON((0.19 47.76, 5 47.76, 5 50.73, 0.19 50.73, 0.19 47.76))"

SPATIAL_CASES = [
    ("S_INTERSECTS", EUROPE),
    ("S_INTERSECTS", BRITTANY),
    ("S_INTERSECTS", PACIFIC),
    ("S_WITHIN", EUROPE),
    ("S_CONTAINS", BRITTANY),
    ("S_DISJOINT", EUROPE),
    ("S_CROSSES", PARALLEL),
    ("S_OVERLAPS", EUROPE),
    ("S_TOUCHES", SDN_NEIGHBOUR),
    ("S_EQUALS", SDN_BOX),
]


def _wkt_geojson(wkt: str) -> dict[str, Any]:
    from shapely import wkt as shapely_wkt

    return json.loads(json.dumps(shapely_wkt.loads(wkt).__geo_interface__))


def _expected(everything, predicate: str, wkt: str) -> set[str]:
    from shapely import wkt as shapely_wkt

    query = shapely_wkt.loads(wkt)
    method = predicate[2:].lower()
    return {
        identifier
        for identifier, record in everything.items()
        if record["geometry"] is not None and getattr(shape(record["geometry"]), method)(query)
    }


@pytest.mark.parametrize(("predicate", "wkt"), SPATIAL_CASES, ids=[f"{p}-{w[:12]}" for p, w in SPATIAL_CASES])
def test_spatial_predicates_in_cql2_text_and_json(catalogue, everything, predicate, wkt):
    """CQL2 /req/basic-spatial-functions, /req/spatial-functions; Records /req/cql-filter/filter-param,
    /req/cql-filter/response: each S_* predicate, in CQL2 text and CQL2 JSON on GET and as a POSTed
    search, selects exactly the records whose geometry is in that relation (as shapely computes it)."""
    expected = _expected(everything, predicate, wkt)
    text = set(ids(catalogue, filter=f"{predicate}(geometry, {wkt})", **{"filter-lang": "cql2-text"}))
    cql2_json = {"op": predicate.lower(), "args": [{"property": "geometry"}, _wkt_geojson(wkt)]}
    as_json = set(ids(catalogue, filter=json.dumps(cql2_json), **{"filter-lang": "cql2-json"}))
    posted = post_ids(catalogue, cql2_json)
    assert text == expected, f"text: extra {text - expected}, missing {expected - text}"
    assert as_json == expected and posted == expected


def test_spatial_cases_are_not_vacuous(everything):
    counts = {f"{p} {w[:12]}": len(_expected(everything, p, w)) for p, w in SPATIAL_CASES}
    assert all(counts.values()), counts
    assert ANTIMERIDIAN_ID in _expected(everything, "S_INTERSECTS", PACIFIC)
    assert "sdn-open:urn:SDN:CDI:LOCAL:1022-1426-1022-ds04-4" in _expected(
        everything, "S_TOUCHES", SDN_NEIGHBOUR
    )


def test_spatial_literal_forms(catalogue, everything):
    """CQL2 BBOX() literals (also crossing the antimeridian), the geometry as second operand."""
    europe = _expected(everything, "S_INTERSECTS", EUROPE)
    assert set(ids(catalogue, filter="S_INTERSECTS(geometry, BBOX(-10, 40, 10, 60))")) == europe
    assert set(ids(catalogue, filter=f"S_INTERSECTS({EUROPE}, geometry)")) == europe
    bbox = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [-10, 40, 10, 60]}]}
    assert set(ids(catalogue, filter=json.dumps(bbox), **{"filter-lang": "cql2-json"})) == europe
    crossing = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [175, -25, -175, -5]}]}
    halves = (
        "MULTIPOLYGON(((175 -25, 180 -25, 180 -5, 175 -5, 175 -25)),"
        " ((-180 -25, -175 -25, -175 -5, -180 -5, -180 -25)))"
    )
    expected = _expected(everything, "S_INTERSECTS", halves)
    assert ANTIMERIDIAN_ID in expected
    assert set(ids(catalogue, filter=json.dumps(crossing), **{"filter-lang": "cql2-json"})) == expected
    within = {"op": "s_within", "args": [_wkt_geojson(BRITTANY), {"property": "geometry"}]}  # = S_CONTAINS
    assert set(ids(catalogue, filter=json.dumps(within), **{"filter-lang": "cql2-json"})) == _expected(
        everything, "S_CONTAINS", BRITTANY
    )


COMPARISON_CASES = [
    ("identifier = '3e9a8c05'", {"op": "=", "args": [{"property": "identifier"}, "3e9a8c05"]}),
    ("type <> 'dataset'", {"op": "<>", "args": [{"property": "type"}, "dataset"]}),
    ("title LIKE '%Ocean%'", {"op": "like", "args": [{"property": "title"}, "%Ocean%"]}),
    ("type IN ('service', 'series')", {"op": "in", "args": [{"property": "type"}, ["service", "series"]]}),
    (
        "time_begin BETWEEN '2000' AND '2012'",
        {"op": "between", "args": [{"property": "time_begin"}, "2000", "2012"]},
    ),
    ("time_end IS NULL", {"op": "isNull", "args": [{"property": "time_end"}]}),
    (
        "NOT (type = 'dataset' OR type = 'service')",
        {
            "op": "not",
            "args": [
                {
                    "op": "or",
                    "args": [
                        {"op": "=", "args": [{"property": "type"}, "dataset"]},
                        {"op": "=", "args": [{"property": "type"}, "service"]},
                    ],
                }
            ],
        },
    ),
    (
        "updated >= TIMESTAMP('2020-01-01T00:00:00Z') AND type = 'dataset'",
        {
            "op": "and",
            "args": [
                {"op": ">=", "args": [{"property": "updated"}, {"timestamp": "2020-01-01T00:00:00Z"}]},
                {"op": "=", "args": [{"property": "type"}, "dataset"]},
            ],
        },
    ),
    ("created < DATE('2010-01-01')", {"op": "<", "args": [{"property": "created"}, {"date": "2010-01-01"}]}),
]


@pytest.mark.parametrize(("text", "cql2_json"), COMPARISON_CASES, ids=[case[0] for case in COMPARISON_CASES])
def test_cql2_json_on_get_equals_cql2_text(catalogue, text, cql2_json):
    """Records /req/cql-filter/filter-lang-param: ``filter-lang=cql2-json`` on GET (and a POSTed
    CQL2 JSON search) select what the same CQL2 text filter selects (basic CQL2, advanced
    comparison operators)."""
    as_text = set(ids(catalogue, filter=text, **{"filter-lang": "cql2-text"}))
    as_json = set(ids(catalogue, filter=json.dumps(cql2_json), **{"filter-lang": "cql2-json"}))
    assert as_text == as_json == post_ids(catalogue, cql2_json)
    assert 0 < len(as_text) < 22, as_text


def test_cql2_filters_select_what_the_records_show(everything, catalogue):
    """The property filters agree with the shown records (``updated``, ``created``, ``type``)."""
    since = datetime(2020, 1, 1, tzinfo=UTC)
    expected = {
        i
        for i, r in everything.items()
        if datetime.fromisoformat(r["properties"]["updated"].replace("Z", "+00:00")) >= since
    }
    assert set(ids(catalogue, filter="updated >= TIMESTAMP('2020-01-01T00:00:00Z')")) == expected
    services = {i for i, r in everything.items() if r["properties"].get("type") == "service"}
    assert set(ids(catalogue, filter="type = 'service'")) == services


def test_cql2_json_string_with_a_quote(catalogue, everything):
    """A CQL2 JSON string holding a quote (French text) is compared exactly."""
    record = everything["74f81503-8d39-4ec8-a49a-c76e0cd74946"]
    description = record["properties"]["description"]
    assert "'" in description
    query = {"op": "=", "args": [{"property": "description"}, description]}
    assert set(ids(catalogue, filter=json.dumps(query), **{"filter-lang": "cql2-json"})) == {record["id"]}
    assert post_ids(catalogue, query) == {record["id"]}


def test_filter_combines_with_the_other_parameters(catalogue, everything):
    """Records /req/cql-filter/response: ``filter`` (CQL2 JSON), ``bbox``, ``datetime`` and ``q``
    all hold together; the ``next`` link repeats the same search."""
    cql2_json = {"op": "=", "args": [{"property": "type"}, "dataset"]}
    params = {"filter": json.dumps(cql2_json), "filter-lang": "cql2-json", "bbox": "-180,-90,180,90"}
    params["datetime"] = "1990-01-01/.."
    combined = set(ids(catalogue, **params))
    separately = (
        set(ids(catalogue, filter="type = 'dataset'"))
        & set(ids(catalogue, bbox="-180,-90,180,90"))
        & set(ids(catalogue, datetime="1990-01-01/.."))
    )
    assert combined == separately and combined
    first = ok_json(get(catalogue, ITEMS, limit="2", **params), GEOJSON)
    (following,) = [link["href"] for link in first["links"] if link["rel"] == "next"]
    second = ok_json(requests.get(following, timeout=TIMEOUT), GEOJSON)
    assert second["numberMatched"] == first["numberMatched"] == len(combined)
    assert {f["id"] for f in first["features"]}.isdisjoint(f["id"] for f in second["features"])
    (self_link,) = [link["href"] for link in first["links"] if link["rel"] == "self"]
    assert ok_json(requests.get(self_link, timeout=TIMEOUT), GEOJSON)["numberMatched"] == len(combined)


BAD_FILTERS = {
    "json-not-json": ("{op: '='", "cql2-json"),
    "json-unknown-operator": ('{"op": "bogus", "args": []}', "cql2-json"),
    "json-between-arity": ('{"op": "between", "args": [{"property": "title"}, "a"]}', "cql2-json"),
    "json-unknown-property": ('{"op": "=", "args": [{"property": "nosuch"}, "a"]}', "cql2-json"),
    "json-geometry-compared": ('{"op": "=", "args": [{"property": "geometry"}, "a"]}', "cql2-json"),
    "json-bad-bbox": (
        '{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [1, 2]}]}',
        "cql2-json",
    ),
    "json-temporal": (
        '{"op": "t_after", "args": [{"property": "updated"}, {"timestamp": "2020-01-01T00:00:00Z"}]}',
        "cql2-json",
    ),
    "text-spatial-on-title": ("S_INTERSECTS(title, POINT(1 2))", "cql2-text"),
    "text-two-geometries": ("S_INTERSECTS(POINT(1 2), POINT(1 2))", "cql2-text"),
    "text-temporal": ("T_AFTER(updated, TIMESTAMP('2020-01-01T00:00:00Z'))", "cql2-text"),
    "text-unknown-function": ("casei(title) = 'a'", "cql2-text"),
    "text-syntax": ("S_INTERSECTS(geometry", "cql2-text"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILTERS))
def test_invalid_filters_are_400(catalogue, case):
    """Records /req/cql-filter/filter-param: a filter that is not valid (or not supported) is a 400."""
    value, lang = BAD_FILTERS[case]
    assert_error(get(catalogue, ITEMS, filter=value, **{"filter-lang": lang}), 400, "filter")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"datetime": "2020-13-01"}, "datetime"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"filter-lang": "cql-text", "filter": "title = 'a'"}, "filter-lang"),
        ({"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}, "filter-crs"),
        ({"nosuch": "1"}, "nosuch"),
    ],
)
def test_other_invalid_parameters_are_still_400(catalogue, params, parameter):
    """Records /req/record-core-query-parameters/*, OGC API - Features /req/core/query-param-invalid."""
    assert_error(get(catalogue, ITEMS, **params), 400, parameter)


def test_queryables_list_the_record_properties(catalogue):
    """OGC API - Features Part 3 /req/queryables/get-queryables-response, Records
    /req/searchable-catalog/mandatory-queryables: the geometry and the record's core properties,
    each of which a filter takes."""
    document = ok_json(get(catalogue, f"{COLLECTION}/queryables", f="json"), "application/schema+json")
    properties = document["properties"]
    assert properties["geometry"]["x-ogc-role"] == "primary-geometry"
    assert properties["identifier"]["x-ogc-role"] == "id"
    assert {"type", "title", "description", "keywords", "created", "updated"} <= set(properties)
    for name in sorted(set(properties) - {"geometry"}):
        response = get(catalogue, ITEMS, filter=f"{name} IS NULL")
        assert response.status_code == 200, (name, response.text[:300])


def test_themes_carry_concept_uris_and_the_licence_is_linked(catalogue, everything):
    """/req/record-core: ``themes`` concepts with their ``url`` (the NVS anchors the catalogue adds to a
    SeaDataNet CDI's free-text keywords), topic categories kept; the licence as ``rel: license`` with
    its SPDX identifier in ``license``."""
    record = everything["sdn-open:urn:SDN:CDI:LOCAL:1022-1426-1022-ds04-4"]
    themes = record["properties"]["themes"]
    concepts = {concept["id"]: concept.get("url") for theme in themes for concept in theme["concepts"]}
    assert concepts["Lithology"] == "http://vocab.nerc.ac.uk/collection/P02/current/LITH/"
    assert concepts["sediment dredges"] == "http://vocab.nerc.ac.uk/collection/L05/current/60/"
    assert any(theme["scheme"].endswith("MD_TopicCategoryCode") for theme in themes)
    licences = [link for link in record["links"] if link["rel"] == "license"]
    assert [link["href"] for link in licences] == ["https://creativecommons.org/licenses/by/4.0/"]
    assert record["properties"]["license"] == "CC-BY-4.0"
