"""Real clients, written by others, against the real server.

OWSLib (CSW 2.0.2 and OGC API - Records), GDAL's CSW driver (ogrinfo), Sickle (OAI-PMH), an
OpenSearch client that follows the description document's URL template, and XML Schema
validation of CSW responses against local copies of the official schemas (tests/xmlschemas.py).

Expected answers are computed from the SOURCE record files (tests/test_records_roundtrip.py reads
them), never from the server itself.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import xmlschemas
import yaml
from conftest import ANTIMERIDIAN_ID, RECORDS, REPO, antimeridian_record
from lxml import etree
from owslib import fes
from owslib.csw import CatalogueServiceWeb
from owslib.ogcapi.records import Records
from sickle import Sickle
from test_records_roundtrip import GMD, NS, Expected, record_files, source_records

CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
OS = "http://a9.com/-/spec/opensearch/1.1/"
ATOM = "http://www.w3.org/2005/Atom"
COLLECTION = "metadata:main"
#: A term of the records' text whose matches are the same with and without case folding, so the
#: expected set does not depend on the backend's LIKE (case-insensitive on SQLite, not on PostgreSQL).
TERM = "temperature"
#: A query box over the Bay of Biscay, the Channel and the western Mediterranean: (W, S, E, N).
BOX = (-10.0, 40.0, 10.0, 60.0)
TITLE = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))["metadata"]["identification"][
    "title"
]
XML_PARSER = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)


# --------------------------------------------------------------------------- what the sources say


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Expected, etree._Element]]:
    """Every record loaded in the ``catalogue`` fixture, by identifier, with its source element."""
    paths = record_files(RECORDS) + [antimeridian_record(tmp_path_factory.mktemp("antimeridian-source"))]
    found: dict[str, tuple[Expected, etree._Element]] = {}
    for path in paths:
        for expected, element in source_records(path):
            assert expected.identifier not in found, f"{expected.identifier} twice in the test data"
            found[expected.identifier] = (expected, element)
    assert ANTIMERIDIAN_ID in found
    return found


def text_matches(sources: dict, term: str) -> set[str]:
    """Identifiers whose source text contains ``term`` (case-insensitive), as csw:AnyText LIKE does."""
    hits = {i for i, (_, el) in sources.items() if term.lower() in " ".join(el.itertext()).lower()}
    exact = {i for i, (_, el) in sources.items() if term in " ".join(el.itertext())}
    assert hits == exact, f"{term!r} matches differently with and without case folding: pick another term"
    assert hits, f"no source record contains {term!r}"
    return hits


def _intersects(record: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    return record[0] <= box[2] and record[2] >= box[0] and record[1] <= box[3] and record[3] >= box[1]


def box_matches(sources: dict, box: tuple[float, float, float, float]) -> tuple[set[str], set[str]]:
    """(identifiers whose source bounding box intersects ``box``, identifiers left out of the comparison).

    Left out: records whose source box is unusable (out of range, south > north) and records crossing
    the antimeridian (their handling is tested elsewhere). Records without a box must not match.
    """
    expected, unsure = set(), set()
    for identifier, (record, _) in sources.items():
        if identifier == ANTIMERIDIAN_ID or (record.bbox is not None and record.bbox_skip is not None):
            unsure.add(identifier)
        elif record.bbox is not None and _intersects(record.bbox, box):
            expected.add(identifier)
    return expected, unsure


def _xml(response: requests.Response) -> etree._Element:
    assert response.status_code == 200, f"{response.url}: HTTP {response.status_code}\n{response.text[:800]}"
    return etree.fromstring(response.content, XML_PARSER)


def csw_get(url: str, **params: str) -> etree._Element:
    return _xml(requests.get(f"{url}/csw", params=params, timeout=60))


def hits(url: str, constraints: list) -> int:
    """numberOfRecordsMatched for a GetRecords hits request (OWSLib builds the filter)."""
    csw = CatalogueServiceWeb(f"{url}/csw", version="2.0.2", timeout=60, skip_caps=True)
    csw.getrecords2(constraints=constraints, resulttype="hits", esn="brief")
    return int(csw.results["matches"])


def bbox_filter(box: tuple[float, float, float, float]) -> fes.BBox:
    """An OGC BBOX on ows:BoundingBox in EPSG:4326, whose axis order is latitude, longitude."""
    west, south, east, north = box
    return fes.BBox([south, west, north, east], crs="urn:ogc:def:crs:EPSG::4326")


# --------------------------------------------------------------------------- OWSLib, CSW 2.0.2


@pytest.fixture(scope="module")
def csw(catalogue) -> CatalogueServiceWeb:
    return CatalogueServiceWeb(f"{catalogue.url}/csw", version="2.0.2", timeout=60)


def all_records(csw: CatalogueServiceWeb, constraints: list, page: int = 20, esn: str = "brief") -> list[str]:
    """Identifiers of every match, page after page, in identifier order."""
    ids: list[str] = []
    start = 1
    sort = fes.SortBy([fes.SortProperty("dc:identifier", "ASC")])
    while True:
        csw.getrecords2(constraints=constraints, startposition=start, maxrecords=page, esn=esn, sortby=sort)
        ids += list(csw.records)
        if not csw.results["nextrecord"]:
            return ids
        assert csw.results["nextrecord"] > start, csw.results
        start = csw.results["nextrecord"]


def test_owslib_capabilities(csw: CatalogueServiceWeb) -> None:
    assert csw.identification.title == TITLE
    assert csw.identification.type == "CSW"
    assert "2.0.2" in csw.identification.version
    operations = {op.name for op in csw.operations}
    assert {"GetCapabilities", "DescribeRecord", "GetDomain", "GetRecords", "GetRecordById"} <= operations
    assert not operations & {"Transaction", "Harvest", "UnHarvest"}, operations
    outputschemas = csw.get_operation_by_name("GetRecords").parameters["outputSchema"]["values"]
    assert GMD in outputschemas


def test_csw3_capabilities_advertise_no_write(catalogue) -> None:
    """CSW 3.0: no write operation, and no Transaction/Harvest conformance class claimed."""
    root = csw_get(catalogue.url, service="CSW", version="3.0.0", request="GetCapabilities")
    ows = "http://www.opengis.net/ows/2.0"
    operations = set(root.xpath("//o:OperationsMetadata/o:Operation/@name", namespaces={"o": ows}))
    assert {"GetCapabilities", "GetRecords", "GetRecordById"} <= operations
    assert not operations & {"Transaction", "Harvest", "UnHarvest"}, operations
    claimed = []
    for constraint in root.xpath("//o:OperationsMetadata/o:Constraint", namespaces={"o": ows}):
        name = constraint.get("name", "")
        values = [v.strip().upper() for v in constraint.xpath(".//o:Value/text()", namespaces={"o": ows})]
        if re.search(r"/conf/(Transaction|Harvest)", name) and "TRUE" in values:
            claimed.append(name)
    assert not claimed, f"a read-only catalogue claims write conformance classes: {claimed}"


def test_owslib_anytext_like(csw: CatalogueServiceWeb, sources) -> None:
    expected = text_matches(sources, TERM)
    found = all_records(csw, [fes.PropertyIsLike("csw:AnyText", f"%{TERM}%")])
    assert csw.results["matches"] == len(expected)
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize(
    "crs, order",
    [("urn:ogc:def:crs:EPSG::4326", "latlon"), ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "lonlat")],
)
def test_owslib_bbox(csw: CatalogueServiceWeb, sources, crs: str, order: str) -> None:
    west, south, east, north = BOX
    corners = [south, west, north, east] if order == "latlon" else [west, south, east, north]
    expected, unsure = box_matches(sources, BOX)
    found = set(all_records(csw, [fes.BBox(corners, crs=crs)]))
    assert found - unsure == expected, (
        f"unexpected: {sorted(found - unsure - expected)}; missing: {sorted(expected - found)}"
    )


def test_owslib_paging(csw: CatalogueServiceWeb, sources) -> None:
    total, page, start = len(sources), 5, 1
    sort = fes.SortBy([fes.SortProperty("dc:identifier", "ASC")])
    seen: list[str] = []
    while True:
        csw.getrecords2(startposition=start, maxrecords=page, esn="brief", sortby=sort)
        results = csw.results
        returned = min(page, total - start + 1)
        following = start + returned if start + returned <= total else 0
        assert results["matches"] == total, results
        assert results["returned"] == returned == len(csw.records), (start, results)
        assert results["nextrecord"] == following, (start, results)
        seen += list(csw.records)
        if not following:
            break
        start = following
    assert len(seen) == len(set(seen)), (
        f"records on two pages: {sorted(i for i in seen if seen.count(i) > 1)}"
    )
    assert set(seen) == set(sources)


@pytest.mark.parametrize("outputschema", [CSW202, GMD], ids=["csw", "gmd"])
def test_owslib_getrecordbyid(csw: CatalogueServiceWeb, sources, outputschema: str) -> None:
    problems = []
    for identifier, (expected, _) in sorted(sources.items()):
        csw.getrecordbyid([identifier], outputschema=outputschema)
        record = csw.records.get(identifier)
        if record is None:
            problems.append(f"{identifier}: not in the answer (got {list(csw.records)})")
            continue
        if outputschema == GMD:
            title = record.identification[0].title if record.identification else None
        else:
            title = record.title
        if record.identifier != identifier:
            problems.append(f"{identifier}: identifier {record.identifier!r}")
        if expected.title and " ".join((title or "").split()) != expected.title:
            problems.append(f"{identifier}: title {title!r} != {expected.title!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- OWSLib, OGC API - Records


@pytest.fixture(scope="module")
def records_api(catalogue) -> Records:
    return Records(catalogue.url, timeout=60)


def all_items(api: Records, **query) -> tuple[list[str], int]:
    """Identifiers of every matching item, following offset paging; and numberMatched."""
    ids: list[str] = []
    matched = None
    while True:
        page = api.collection_items(COLLECTION, offset=len(ids), limit=10, **query)
        matched = page.get("numberMatched", matched)
        ids += [feature["id"] for feature in page["features"]]
        if not page["features"] or (matched is not None and len(ids) >= matched):
            return ids, matched


def test_ogcapi_conformance_and_collections(records_api: Records) -> None:
    classes = records_api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/json" in classes
    collections = [c["id"] for c in records_api.collections()["collections"]]
    assert COLLECTION in collections


def test_ogcapi_items_limit(records_api: Records, sources) -> None:
    page = records_api.collection_items(COLLECTION, limit=5)
    assert page["numberMatched"] == len(sources)
    assert page["numberReturned"] == len(page["features"]) == 5
    ids, matched = all_items(records_api)
    assert matched == len(sources)
    assert sorted(ids) == sorted(sources)


def test_ogcapi_items_q(records_api: Records, sources) -> None:
    expected = text_matches(sources, TERM)
    ids, matched = all_items(records_api, q=TERM)
    assert matched == len(expected)
    assert sorted(ids) == sorted(expected)


def test_ogcapi_items_bbox(records_api: Records, sources) -> None:
    expected, unsure = box_matches(sources, BOX)
    ids, _ = all_items(records_api, bbox=list(BOX))
    found = set(ids)
    assert found - unsure == expected, (
        f"unexpected: {sorted(found - unsure - expected)}; missing: {sorted(expected - found)}"
    )


def test_ogcapi_item_by_id(records_api: Records, sources) -> None:
    problems = []
    for identifier, (expected, _) in sorted(sources.items()):
        try:
            item = records_api.collection_item(COLLECTION, identifier)
        except Exception as err:  # noqa: BLE001 - report every failing record at once
            problems.append(f"{identifier}: {type(err).__name__}: {err}")
            continue
        if item.get("id") != identifier:
            problems.append(f"{identifier}: id {item.get('id')!r}")
        title = (item.get("properties") or {}).get("title")
        if expected.title and " ".join((title or "").split()) != expected.title:
            problems.append(f"{identifier}: title {title!r} != {expected.title!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- GDAL's CSW driver


def ogr_feature_count(ogrinfo: str, source: str, *options: str) -> tuple[int | None, str]:
    env = dict(os.environ, GDAL_HTTP_TIMEOUT="60", CPL_DEBUG="OFF")
    result = subprocess.run(
        [ogrinfo, "-ro", "-al", "-so", *options, source],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    counts = re.findall(r"^Feature Count: (-?\d+)", result.stdout, re.MULTILINE)
    errors = re.findall(r"^ERROR .*?(?=^ERROR |\Z)", result.stderr + result.stdout, re.MULTILINE | re.DOTALL)
    summary = f"ogrinfo {source} {' '.join(options)}: Feature Count {counts}\n" + "".join(
        error[:1200] for error in errors[:1]
    )
    return (int(counts[0]) if len(counts) == 1 else None), summary


#: The endpoint as documented (``CSW:<url>``), and with the CSW version pinned in the URL.
ENDPOINTS = pytest.mark.parametrize("suffix", ["", "?version=2.0.2"], ids=["plain", "version-2.0.2"])


@ENDPOINTS
def test_gdal_csw_feature_count(ogrinfo: str, catalogue, sources, suffix: str) -> None:
    count, summary = ogr_feature_count(ogrinfo, f"CSW:{catalogue.url}/csw{suffix}")
    assert "ERROR" not in summary, summary
    assert count == len(sources), summary


@ENDPOINTS
def test_gdal_csw_spatial_filter(ogrinfo: str, catalogue, suffix: str) -> None:
    west, south, east, north = BOX
    server = hits(catalogue.url, [bbox_filter(BOX)])
    assert 0 < server < hits(catalogue.url, [])
    spat = ["-spat", str(west), str(south), str(east), str(north)]
    count, summary = ogr_feature_count(ogrinfo, f"CSW:{catalogue.url}/csw{suffix}", *spat)
    assert "ERROR" not in summary, summary
    assert count == server, summary


# --------------------------------------------------------------------------- Sickle, OAI-PMH


def test_oai_identify(catalogue) -> None:
    identify = Sickle(f"{catalogue.url}/oaipmh", max_retries=0, timeout=60).Identify()
    assert identify.repositoryName == TITLE
    assert identify.protocolVersion == "2.0"
    # OAI-PMH 2.0 §3.1.1: the base URL is host, port and path; harvesters append "?verb=...".
    base = urlsplit(identify.baseURL)
    assert base.path == "/oaipmh" and not base.query, identify.baseURL
    assert Sickle(identify.baseURL, max_retries=0, timeout=60).Identify().repositoryName == TITLE


def test_oai_list_metadata_formats(catalogue) -> None:
    formats = Sickle(f"{catalogue.url}/oaipmh", max_retries=0, timeout=60).ListMetadataFormats()
    prefixes = {f.metadataPrefix: f.metadataNamespace for f in formats}
    assert prefixes.get("oai_dc") == "http://www.openarchives.org/OAI/2.0/oai_dc/"
    assert "iso19139" in prefixes


def test_oai_list_records_every_page(make_catalogue) -> None:
    """ListRecords with a small page size: every loaded record comes back exactly once."""
    catalogue = make_catalogue("oaipaging", RECORDS, server__maxrecords=3)
    expected = {e.identifier: e for path in record_files(RECORDS) for e, _ in source_records(path)}
    assert len(expected) > 3 * 2  # several pages, several resumption tokens

    first = _xml(
        requests.get(f"{catalogue.url}/oaipmh", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    )
    oai = {"oai": "http://www.openarchives.org/OAI/2.0/"}
    assert len(first.xpath("//oai:record", namespaces=oai)) == 3
    assert first.xpath("string(//oai:resumptionToken)", namespaces=oai).strip(), "no resumption token"

    sickle = Sickle(f"{catalogue.url}/oaipmh", max_retries=0, timeout=60)
    seen: list[str] = []
    problems = []
    for record in sickle.ListRecords(metadataPrefix="oai_dc"):
        identifier = record.header.identifier
        seen.append(identifier)
        if identifier in expected and identifier not in record.metadata.get("identifier", []):
            problems.append(f"{identifier}: dc:identifier {record.metadata.get('identifier')}")
    twice = sorted({i for i in seen if seen.count(i) > 1})
    assert not twice, f"returned more than once: {twice}"
    assert sorted(seen) == sorted(expected), (
        f"missing: {sorted(set(expected) - set(seen))}; unexpected: {sorted(set(seen) - set(expected))}"
    )
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- OpenSearch


def _description(url: str) -> etree._Element:
    root = _xml(requests.get(f"{url}/opensearch", timeout=60))
    assert etree.QName(root).text == f"{{{OS}}}OpenSearchDescription"
    return root


def fill_template(template: str, values: dict[str, str]) -> str:
    """OpenSearch 1.1 URL template: given parameters filled in, unknown optional ones left empty."""

    def value(match: re.Match) -> str:
        name, optional = match.group(1), match.group(2) == "?"
        if name in values:
            return requests.utils.quote(values[name], safe="")
        assert optional, f"required template parameter {name} not provided"
        return ""

    return re.sub(r"\{([^}?]+)(\??)\}", value, template)


def test_opensearch_description(catalogue) -> None:
    root = _description(catalogue.url)
    assert root.findtext(f"{{{OS}}}ShortName")
    assert root.findtext(f"{{{OS}}}LongName") == TITLE
    templates = {u.get("type"): u.get("template") for u in root.iter(f"{{{OS}}}Url")}
    assert "application/atom+xml" in templates, templates
    assert "{searchTerms" in templates["application/atom+xml"]


def test_opensearch_search_matches_csw(catalogue, sources) -> None:
    expected = text_matches(sources, TERM)
    csw_count = hits(catalogue.url, [fes.PropertyIsLike("csw:AnyText", f"%{TERM}%")])
    assert csw_count == len(expected)

    root = _description(catalogue.url)
    template = next(
        u.get("template") for u in root.iter(f"{{{OS}}}Url") if u.get("type") == "application/atom+xml"
    )
    url = fill_template(template, {"searchTerms": TERM, "count": "50", "startIndex": "1"})
    response = requests.get(url, timeout=60)
    feed = _xml(response)
    assert etree.QName(feed).text == f"{{{ATOM}}}feed", response.text[:800]
    entries = feed.findall(f"{{{ATOM}}}entry")
    assert int(feed.findtext(f"{{{OS}}}totalResults")) == csw_count
    assert len(entries) == csw_count
    assert sorted(e.findtext(f"{{{ATOM}}}id") for e in entries) == sorted(expected)


# --------------------------------------------------------------------------- XML Schema validation


def _messages(document: etree._Element, entry: str) -> set[str]:
    """Validation messages (without line numbers) of ``document`` taken alone.

    A record is validated as a document of its own: xs:ID values must be unique per document, and
    two publishers' records on one page may both use, say, ``<gmd:PT_Locale id="EN">``.
    """
    alone = etree.fromstring(etree.tostring(document), XML_PARSER)
    return {error.split(": ", 1)[1] for error in xmlschemas.errors(alone, entry)}


def test_csw202_capabilities_valid(catalogue) -> None:
    root = csw_get(catalogue.url, service="CSW", version="2.0.2", request="GetCapabilities")
    xmlschemas.assert_valid(root, "wrappers/csw202.xsd")


def test_csw30_capabilities_valid(catalogue) -> None:
    root = csw_get(catalogue.url, service="CSW", version="3.0.0", request="GetCapabilities")
    xmlschemas.assert_valid(root, "wrappers/csw30.xsd")


def test_csw202_exception_report_valid(catalogue) -> None:
    root = csw_get(catalogue.url, service="CSW", version="2.0.2", request="GetRecordsWrong")
    assert etree.QName(root).localname == "ExceptionReport"
    xmlschemas.assert_valid(root, "wrappers/csw202.xsd")


@pytest.mark.parametrize(
    "outputschema, typenames, elementset",
    [
        (CSW202, "csw:Record", "brief"),
        (CSW202, "csw:Record", "summary"),
        (CSW202, "csw:Record", "full"),
        (GMD, "gmd:MD_Metadata", "full"),
    ],
    ids=["csw-brief", "csw-summary", "csw-full", "gmd-full"],
)
def test_csw202_getrecords_valid(
    catalogue, sources, outputschema: str, typenames: str, elementset: str
) -> None:
    """Every page of a GetRecords answer is valid; so is every record, unless the publisher's own
    record (returned as stored) already had the same errors: the engine must add none."""
    entry = "wrappers/csw202.xsd"
    problems: list[str] = []
    seen: list[str] = []
    start = 1
    while start:
        root = csw_get(
            catalogue.url,
            service="CSW",
            version="2.0.2",
            request="GetRecords",
            typenames=typenames,
            resulttype="results",
            elementsetname=elementset,
            outputschema=outputschema,
            startposition=str(start),
            maxrecords="10",
        )
        results = root.find(f"{{{CSW202}}}SearchResults")
        assert results is not None, etree.tostring(root)[:800]
        records = list(results.iterchildren(etree.Element))
        envelope = copy.deepcopy(root)
        for child in list(envelope.find(f"{{{CSW202}}}SearchResults")):
            envelope.find(f"{{{CSW202}}}SearchResults").remove(child)
        problems += [f"page at {start}: {m}" for m in _messages(envelope, entry)]
        for record in records:
            identifier = _identifier(record)
            seen.append(identifier)
            added = _messages(record, entry)
            if identifier in sources:
                added -= _messages(sources[identifier][1], entry)
            problems += [f"{identifier} ({etree.QName(record).localname}): {m}" for m in sorted(added)]
        start = int(results.get("nextRecord") or 0)
    assert sorted(seen) == sorted(sources)
    assert not problems, f"{len(problems)} schema errors the engine added:\n" + "\n".join(problems)


def _identifier(record: etree._Element) -> str:
    for xpath in ("dc:identifier", "gmd:fileIdentifier/*"):
        value = record.xpath(f"string({xpath})", namespaces=NS).strip()
        if value:
            return value
    return f"<no identifier: {etree.QName(record).text}>"


def test_xsd_resolver_is_offline() -> None:
    """The schemas compile from the local copies alone (an unknown URL would raise SchemaNotLocal)."""
    for entry in ("wrappers/csw202.xsd", "wrappers/csw30.xsd", "wrappers/gmd.xsd"):
        xmlschemas.schema(entry)
    assert xmlschemas.RESOLVED
    assert all(Path(path).is_file() for path in xmlschemas.RESOLVED.values())
