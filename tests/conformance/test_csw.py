"""CSW 2.0.2 and 3.0 conformance, written from the standards' text.

Standards: OGC 07-006r1 (CSW 2.0.2), OGC 12-176r7 (CSW 3.0 HTTP binding), OGC 06-121r3 and
06-121r9 (OWS Common 1.1 and 2.0), OGC 04-095 and 09-026r2 (Filter Encoding 1.1 and 2.0).

The server holds the OGC CITE CSW 2.0.2 data set (tests/data/cite: the 12 csw:Record files of
opengeospatial/ets-csw202) and nothing else, as a server under the CITE tests does; the ISO
scope-code tests add one real ISO 19139 service record. Expected answers are computed from the
record files, never from the server. XML answers are validated against the local schemas
(tests/xmlschemas.py).
"""

from __future__ import annotations

import copy
import re

import pytest
import requests
import xmlschemas
from conftest import DATA, RECORDS
from lxml import etree
from owslib import fes2
from owslib.catalogue.csw3 import CatalogueServiceWeb, Csw30Record

CITE = DATA / "cite"
SERVICE_RECORD = RECORDS / "iso19139" / "gnui__geocat-ch.iso19139.service.xml"
SERVICE_ID = "4a008c24-ecf1-4430-b7e7-cb76b2856bad-8371"
TIMEOUT = 60
VERSIONS = ("2.0.2", "3.0.0")
NS = {
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
    "csw30": "http://www.opengis.net/cat/csw/3.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ows": "http://www.opengis.net/ows",
    "ows20": "http://www.opengis.net/ows/2.0",
    "ogc": "http://www.opengis.net/ogc",
    "fes": "http://www.opengis.net/fes/2.0",
    "gmd": "http://www.isotc211.org/2005/gmd",
    "srv": "http://www.isotc211.org/2005/srv",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "xlink": "http://www.w3.org/1999/xlink",
}
GMD = NS["gmd"]
OWS = {"2.0.2": NS["ows"], "3.0.0": NS["ows20"]}
CSW = {"2.0.2": NS["csw"], "3.0.0": NS["csw30"]}
WRAPPER = {"2.0.2": "wrappers/csw202.xsd", "3.0.0": "wrappers/csw30.xsd"}
TYPENAMES = {"2.0.2": "csw:Record", "3.0.0": "csw30:Record"}
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


# --------------------------------------------------------------------------- the CITE data set


def cite_records() -> dict[str, dict]:
    """identifier → title, dc:type and (south, west, north, east) box, read from the CITE files."""
    records = {}
    for path in sorted(CITE.glob("Record_*.xml")):
        root = etree.parse(str(path), PARSER).getroot()
        box = None
        lower = root.findtext("ows:BoundingBox/ows:LowerCorner", namespaces=NS)
        upper = root.findtext("ows:BoundingBox/ows:UpperCorner", namespaces=NS)
        if lower and upper:  # EPSG:4326 axis order: latitude, longitude
            box = (*map(float, lower.split()), *map(float, upper.split()))
        records[root.findtext("dc:identifier", namespaces=NS)] = {
            "title": root.findtext("dc:title", namespaces=NS),
            "type": root.findtext("dc:type", namespaces=NS),
            "box": box,
        }
    return records


RECORDS_CITE = cite_records()
TITLED = {i for i, r in RECORDS_CITE.items() if r["title"]}
UNTITLED = set(RECORDS_CITE) - TITLED
LOREM = next(i for i, r in RECORDS_CITE.items() if r["title"] == "Lorem ipsum")


def test_cite_data_is_the_official_set():
    """tests/data/cite holds the 12 records of the CITE CSW 2.0.2 data set, with provenance."""
    assert len(RECORDS_CITE) == 12
    assert len(TITLED) == 9 and len(UNTITLED) == 3
    provenance = (DATA / "PROVENANCE.tsv").read_text(encoding="utf-8")
    for path in CITE.glob("Record_*.xml"):
        assert f"cite/{path.name}\topengeospatial/ets-csw202\t" in provenance


@pytest.fixture(scope="module")
def cite(make_catalogue):
    return make_catalogue("cite", CITE)


# --------------------------------------------------------------------------- helpers


def get(catalogue, **params: str) -> requests.Response:
    return requests.get(f"{catalogue.url}/csw", params=params, timeout=TIMEOUT)


def post(catalogue, body: str) -> requests.Response:
    return requests.post(
        f"{catalogue.url}/csw",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/xml"},
        timeout=TIMEOUT,
    )


def valid_xml(response: requests.Response, version: str, status: int = 200) -> etree._Element:
    context = f"HTTP {response.status_code}\n{response.text[:1500]}"
    assert response.status_code == status, context
    root = etree.fromstring(response.content, PARSER)
    xmlschemas.assert_valid(root, WRAPPER[version])
    return root


def assert_exception(response: requests.Response, version: str, code: str, locator: str) -> etree._Element:
    """An OWS exception report (OWS 1.0 for 2.0.2, OWS 2.0 for 3.0), valid, with ``code`` at ``locator``.

    OWS Common 2.0 (06-121r9) fixes the HTTP status of each code; CSW 2.0.2 fixes none.
    """
    root = etree.fromstring(response.content, PARSER)
    context = f"HTTP {response.status_code}\n{response.text[:1500]}"
    assert root.tag == f"{{{OWS[version]}}}ExceptionReport", context
    xmlschemas.assert_valid(root, WRAPPER[version])
    exceptions = root.findall(f"{{{OWS[version]}}}Exception")
    assert [(e.get("exceptionCode"), e.get("locator")) for e in exceptions] == [(code, locator)], context
    assert (exceptions[0].findtext(f"{{{OWS[version]}}}ExceptionText") or "").strip(), context
    assert response.status_code in ({200, 400} if version == "2.0.2" else {400}), context
    return root


def found_ids(root: etree._Element, version: str) -> set[str]:
    results = root.find(f"{{{CSW[version]}}}SearchResults")
    assert results is not None, etree.tostring(root)[:800]
    ids = {el.text for el in results.iter(f"{{{NS['dc']}}}identifier")}
    assert int(results.get("numberOfRecordsMatched")) == len(ids), "not every match on one page"
    return ids


def getrecords_post(version: str, filter_xml: str) -> str:
    if version == "2.0.2":
        return (
            f'<csw:GetRecords xmlns:csw="{NS["csw"]}" xmlns:ogc="{NS["ogc"]}" service="CSW" version="2.0.2" '
            'resultType="results" maxRecords="50"><csw:Query typeNames="csw:Record">'
            "<csw:ElementSetName>brief</csw:ElementSetName>"
            f'<csw:Constraint version="1.1.0">{filter_xml}</csw:Constraint></csw:Query></csw:GetRecords>'
        )
    return (
        f'<csw30:GetRecords xmlns:csw30="{NS["csw30"]}" xmlns:fes="{NS["fes"]}" service="CSW" '
        'version="3.0.0" maxRecords="50"><csw30:Query typeNames="csw30:Record">'
        "<csw30:ElementSetName>brief</csw30:ElementSetName>"
        f'<csw30:Constraint version="2.0.0">{filter_xml}</csw30:Constraint></csw30:Query></csw30:GetRecords>'
    )


def comparison(version: str, operator: str, match_case: bool, value: str, prop: str = "dc:title") -> str:
    if version == "2.0.2":
        return (
            f'<ogc:Filter xmlns:ogc="{NS["ogc"]}"><ogc:{operator} matchCase="{str(match_case).lower()}">'
            f"<ogc:PropertyName>{prop}</ogc:PropertyName><ogc:Literal>{value}</ogc:Literal>"
            f"</ogc:{operator}></ogc:Filter>"
        )
    return (
        f'<fes:Filter xmlns:fes="{NS["fes"]}"><fes:{operator} matchCase="{str(match_case).lower()}">'
        f"<fes:ValueReference>{prop}</fes:ValueReference><fes:Literal>{value}</fes:Literal>"
        f"</fes:{operator}></fes:Filter>"
    )


# --------------------------------------------------------------------------- 1. matchCase


def _titles_below(bound: str) -> set[str]:
    return {i for i in TITLED if RECORDS_CITE[i]["title"].lower() < bound.lower()}


#: (operator, matchCase, literal) → identifiers among the titled records (untitled ones are left out:
#: a comparison with a missing property is no match in the engine, and the standards leave it open).
MATCH_CASES = {
    "equal-ignoring-case": (("PropertyIsEqualTo", False, "LOREM IPSUM"), {LOREM}),
    "equal-with-case": (("PropertyIsEqualTo", True, "LOREM IPSUM"), set()),
    "not-equal-ignoring-case": (("PropertyIsNotEqualTo", False, "LOREM IPSUM"), TITLED - {LOREM}),
    "not-equal-with-case": (("PropertyIsNotEqualTo", True, "LOREM IPSUM"), TITLED),
    "not-equal-with-case-same-case": (("PropertyIsNotEqualTo", True, "Lorem ipsum"), TITLED - {LOREM}),
    "less-than-ignoring-case": (("PropertyIsLessThan", False, "M"), _titles_below("m")),
}


@pytest.mark.parametrize("binding", ["2.0.2-POST", "2.0.2-KVP", "3.0.0-POST", "3.0.0-KVP"])
@pytest.mark.parametrize("case", sorted(MATCH_CASES))
def test_match_case_false_keeps_the_comparison_operator(cite, binding, case):
    """matchCase="false" makes a comparison case-insensitive; it never changes the operator.

    OGC 04-095 (Filter Encoding 1.1, the filter language of CSW 2.0.2) and OGC 09-026r2 §7.7
    (Filter Encoding 2.0, CSW 3.0): binary comparison operators carry matchCase (default true);
    false means values are compared without regard to case. So
    PropertyIsNotEqualTo(matchCase=false) holds exactly where PropertyIsEqualTo(matchCase=false)
    does not, and OGC 07-006r1 §10.5.2 Table 58 requires every catalogue to support
    PropertyIsNotEqualTo. The CITE titles "Lorem ipsum" and "Lorem ipsum dolor sit amet" tell an
    equality from a pattern match.
    """
    version, encoding = binding.split("-")
    (operator, match_case, value), expected = MATCH_CASES[case]
    filter_xml = comparison(version, operator, match_case, value)
    if encoding == "POST":
        response = post(cite, getrecords_post(version, filter_xml))
    else:
        response = get(
            cite,
            service="CSW",
            version=version,
            request="GetRecords",
            typenames=TYPENAMES[version],
            resulttype="results",
            elementsetname="brief",
            maxrecords="50",
            constraintlanguage="FILTER",
            constraint=filter_xml,
        )
    found = found_ids(valid_xml(response, version), version)
    assert found - UNTITLED == expected, (
        f"unexpected: {sorted(found - UNTITLED - expected)}; missing: {sorted(expected - found)}"
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_not_equal_ignoring_case_is_the_complement_of_equal_ignoring_case(cite, version):
    """OGC 04-095 / 09-026r2 §7.7: for every titled record exactly one of the two holds."""
    equal = found_ids(
        valid_xml(
            post(
                cite, getrecords_post(version, comparison(version, "PropertyIsEqualTo", False, "lOrEm IpSuM"))
            ),
            version,
        ),
        version,
    )
    not_equal = found_ids(
        valid_xml(
            post(
                cite,
                getrecords_post(version, comparison(version, "PropertyIsNotEqualTo", False, "lOrEm IpSuM")),
            ),
            version,
        ),
        version,
    )
    assert equal == {LOREM}
    assert not equal & not_equal
    assert (equal | not_equal) - UNTITLED == TITLED


# --------------------------------------------------------------------------- 2. VERSION is mandatory

WITHOUT_VERSION = {
    "GetRecords": {"typenames": "csw:Record", "elementsetname": "brief"},
    "GetRecordById": {"id": LOREM},
    "DescribeRecord": {},
    "GetDomain": {"parametername": "GetRecords.resultType"},
}


@pytest.mark.parametrize("version_value", [None, ""], ids=["absent", "empty"])
@pytest.mark.parametrize("request_name", sorted(WITHOUT_VERSION))
def test_request_without_version_is_missing_parameter_value(cite, request_name, version_value):
    """VERSION is mandatory in every request but GetCapabilities.

    OGC 07-006r1 clause 10 (common KVP request parameters) and OGC 06-121r3 clause 7: service,
    request and version are mandatory, GetCapabilities excepted; OGC 06-121r3 §8.3 Table 25: a
    missing mandatory value is MissingParameterValue with the parameter's name as locator. Without
    a version the server answers as CSW 2.0.2, its default (OWS 1.0 exception report).
    """
    params = {"service": "CSW", "request": request_name, **WITHOUT_VERSION[request_name]}
    if version_value is not None:
        params["version"] = version_value
    assert_exception(get(cite, **params), "2.0.2", "MissingParameterValue", "version")


def test_getcapabilities_without_version_is_not_an_error(cite):
    """OGC 06-121r3 §7.3.2 (version negotiation): GetCapabilities negotiates the version; without
    one, the server picks its own (2.0.2)."""
    root = valid_xml(get(cite, service="CSW", request="GetCapabilities"), "2.0.2")
    assert root.tag == f"{{{NS['csw']}}}Capabilities" and root.get("version") == "2.0.2"


# --------------------------------------------------------------------------- 3. sections

SECTION_TAGS = {
    "2.0.2": {
        "ServiceIdentification": f"{{{NS['ows']}}}ServiceIdentification",
        "ServiceProvider": f"{{{NS['ows']}}}ServiceProvider",
        "OperationsMetadata": f"{{{NS['ows']}}}OperationsMetadata",
        "Filter_Capabilities": f"{{{NS['ogc']}}}Filter_Capabilities",
    },
    "3.0.0": {
        "ServiceIdentification": f"{{{NS['ows20']}}}ServiceIdentification",
        "ServiceProvider": f"{{{NS['ows20']}}}ServiceProvider",
        "OperationsMetadata": f"{{{NS['ows20']}}}OperationsMetadata",
        "Languages": f"{{{NS['ows20']}}}Languages",
        "Filter_Capabilities": f"{{{NS['fes']}}}Filter_Capabilities",
    },
}
#: CSW-discovery.xsd makes ogc:Filter_Capabilities mandatory in a 2.0.2 capabilities document, and
#: OGC 07-006r1 Table 58 says the section "shall be included".
ALWAYS = {"2.0.2": {"Filter_Capabilities"}, "3.0.0": set()}


def _sections(root: etree._Element, version: str) -> set[str]:
    tags = {tag: name for name, tag in SECTION_TAGS[version].items()}
    return {tags[child.tag] for child in root if child.tag in tags}


def _section_requests() -> list:
    cases = []
    for version, names in SECTION_TAGS.items():
        for name in names:
            cases.append(pytest.param(version, name, {name}, id=f"{version}-{name}"))
        pair = ["ServiceProvider", "OperationsMetadata"]
        cases.append(pytest.param(version, ",".join(pair), set(pair), id=f"{version}-two"))
        cases.append(pytest.param(version, "All", set(names), id=f"{version}-All"))
    return cases


@pytest.mark.parametrize(("version", "sections", "expected"), _section_requests())
def test_sections_return_the_sections_asked_for(cite, version, sections, expected):
    """GetCapabilities Sections: each listed section is returned, and only those.

    OGC 07-006r1 §10.5.2 Table 58 and §10.5.3 Table 59 (ServiceIdentification, ServiceProvider,
    OperationsMetadata, Filter_Capabilities; "any combination of these sections can be requested and
    returned"), OGC 06-121r3 §7.3.3 Table 7 ("All"); CSW 3.0: OGC 06-121r9 §7.3.3 with OGC
    12-176r7's Filter_Capabilities section. The answer stays schema-valid.
    """
    params = {"service": "CSW", "request": "GetCapabilities", "sections": sections}
    params.update({"version": version} if version == "2.0.2" else {"acceptversions": version})
    root = valid_xml(get(cite, **params), version)
    assert root.tag == f"{{{CSW[version]}}}Capabilities"
    assert _sections(root, version) == expected | ALWAYS[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_section_is_invalid_parameter_value(cite, version):
    """OGC 06-121r3 §7.3.3 / 06-121r9 §7.3.3: a section name must be one the specification lists;
    another value is an invalid value of the Sections parameter (exception code tables of §8.3:
    InvalidParameterValue, locator = parameter name)."""
    params = {"service": "CSW", "request": "GetCapabilities", "sections": "ServiceIdentification,Bogus"}
    params.update({"version": version} if version == "2.0.2" else {"acceptversions": version})
    assert_exception(get(cite, **params), version, "InvalidParameterValue", "sections")


# --------------------------------------------------------------------------- 4. OpenSearch in CSW 3.0


def _osd(response: requests.Response) -> etree._Element:
    assert response.status_code == 200, response.text[:800]
    root = etree.fromstring(response.content, PARSER)
    assert root.tag == f"{{{NS['os']}}}OpenSearchDescription", response.text[:800]
    return root


def test_csw30_capabilities_advertise_the_opensearch_description(cite):
    """OGC 12-176r7 §6.5.6 (enabling OpenSearch): the capabilities document names the OpenSearch
    description document in a constraint named OpenSearchDescriptionDocument, claims
    the OpenSearch conformance class, and stays valid (cswAll.xsd)."""
    root = valid_xml(get(cite, service="CSW", version="3.0.0", request="GetCapabilities"), "3.0.0")
    values = root.xpath(
        "//ows20:OperationsMetadata//ows20:Constraint[@name='OpenSearchDescriptionDocument']//ows20:Value/text()",
        namespaces=NS,
    )
    assert len(values) == 1, values
    assert values[0].startswith(f"{cite.url}/csw?"), values
    claimed = root.xpath(
        "//ows20:Constraint[@name='http://www.opengis.net/spec/csw/3.0/conf/OpenSearch']//ows20:Value/text()",
        namespaces=NS,
    )
    assert claimed == ["TRUE"]
    description = _osd(requests.get(values[0], timeout=TIMEOUT))
    templates = [url.get("template") for url in description.iter(f"{{{NS['os']}}}Url")]
    assert templates and all(t.startswith(f"{cite.url}/csw?") for t in templates), templates
    assert any("{searchTerms" in t for t in templates), templates


def test_base_url_with_opensearch_accept_header_gives_the_description(cite):
    """OGC 12-176r7 §6.5.6 (requirement 008 of the CSW 3.0 test suite): a GET of the GetCapabilities
    endpoint preferring application/opensearchdescription+xml returns the description document."""
    root = valid_xml(get(cite, service="CSW", version="3.0.0", request="GetCapabilities"), "3.0.0")
    href = root.xpath("//ows20:Operation[@name='GetCapabilities']//ows20:Get/@xlink:href", namespaces=NS)[0]
    accept = "application/xml; q=0.5, application/opensearchdescription+xml"
    _osd(requests.get(href.split("?")[0], headers={"Accept": accept}, timeout=TIMEOUT))


# --------------------------------------------------------------------------- 5. bad constraints

BAD_FILTERS = {
    "2.0.2": {
        "unknown-property": "<ogc:Filter><ogc:PropertyIsEqualTo>"
        "<ogc:PropertyName>nosuch:thing</ogc:PropertyName>"
        "<ogc:Literal>x</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>",
        "comparison-without-property": "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:Literal>x</ogc:Literal>"
        "</ogc:PropertyIsEqualTo></ogc:Filter>",
        "unknown-operator": "<ogc:Filter><ogc:NoSuchOperator><ogc:PropertyName>dc:title</ogc:PropertyName>"
        "<ogc:Literal>x</ogc:Literal></ogc:NoSuchOperator></ogc:Filter>",
        "empty-constraint": "",
        "bad-cql": "<csw:CqlText>dc:title LIKE</csw:CqlText>",
    },
    "3.0.0": {
        "unknown-property": "<fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>nosuch:thing"
        "</fes:ValueReference><fes:Literal>x</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>",
        "comparison-without-property": "<fes:Filter><fes:PropertyIsEqualTo><fes:Literal>x</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Filter>",
        "unknown-operator": "<fes:Filter><fes:NoSuchOperator>"
        "<fes:ValueReference>dc:title</fes:ValueReference>"
        "<fes:Literal>x</fes:Literal></fes:NoSuchOperator></fes:Filter>",
        "empty-constraint": "",
        "bad-cql": "<csw30:CqlText>dc:title LIKE</csw30:CqlText>",
    },
}


@pytest.mark.parametrize("case", sorted(BAD_FILTERS["2.0.2"]))
@pytest.mark.parametrize("version", VERSIONS)
def test_post_bad_constraint_is_invalid_parameter_value(cite, version, case):
    """OGC 07-006r1 §10.8 / 12-176r7 §7.3 (GetRecords Constraint): a constraint the server cannot
    evaluate (unknown queryable, malformed filter, bad CQL) is an invalid value of the Constraint
    parameter: InvalidParameterValue, locator "constraint" (OGC 06-121r3 §8.3; 06-121r9 §8.3, HTTP
    400). The rest of the request being valid, it is no NoApplicableCode."""
    response = post(cite, getrecords_post(version, BAD_FILTERS[version][case]))
    assert_exception(response, version, "InvalidParameterValue", "constraint")


@pytest.mark.parametrize("case", ["not-xml", "unknown-property", "unknown-operator"])
@pytest.mark.parametrize("version", VERSIONS)
def test_kvp_bad_filter_is_invalid_parameter_value(cite, version, case):
    """OGC 07-006r1 §10.8 / 12-176r7 §7.3 (KVP CONSTRAINT parameter): a bad FILTER value →
    InvalidParameterValue with locator "constraint" (never another parameter's name)."""
    if case == "not-xml":
        constraint = "<not-xml"
    else:
        prefix = "ogc" if version == "2.0.2" else "fes"
        body = BAD_FILTERS[version][case]
        constraint = body.replace(f"<{prefix}:Filter>", f'<{prefix}:Filter xmlns:{prefix}="{NS[prefix]}">', 1)
    response = get(
        cite,
        service="CSW",
        version=version,
        request="GetRecords",
        typenames=TYPENAMES[version],
        resulttype="results",
        elementsetname="brief",
        constraintlanguage="FILTER",
        constraint=constraint,
    )
    assert_exception(response, version, "InvalidParameterValue", "constraint")


# --------------------------------------------------------------------------- 7. ISO scope code of services


@pytest.fixture(scope="module")
def cite_and_service(make_catalogue):
    return make_catalogue("citeservice", CITE, SERVICE_RECORD)


def _records(root: etree._Element) -> list[etree._Element]:
    return list(root.iterchildren(etree.Element))


def _scope_codes(record: etree._Element) -> list[str]:
    return record.xpath("gmd:hierarchyLevel/gmd:MD_ScopeCode/@codeListValue", namespaces=NS)


def _envelope_valid(root: etree._Element) -> None:
    """The response without its records is valid (records are checked on their own)."""
    envelope = copy.deepcopy(root)
    for child in list(envelope):
        envelope.remove(child)
    xmlschemas.assert_valid(envelope, WRAPPER["2.0.2"])


def _messages(document: etree._Element) -> set[str]:
    alone = etree.fromstring(etree.tostring(document), PARSER)
    return {re.sub(r"^line \d+: ", "", m) for m in xmlschemas.errors(alone, "wrappers/csw202.xsd")}


@pytest.mark.parametrize("elementset", ["brief", "summary", "full"])
def test_service_record_is_scoped_service_in_iso(cite_and_service, elementset):
    """A service's ISO 19139 metadata carries hierarchyLevel MD_ScopeCode "service" (ISO 19115
    MD_ScopeCode code list; ISO 19119 services are described by srv:SV_ServiceIdentification), in
    every element set of the CSW ISO AP output schema (outputSchema=gmd, OGC 07-045)."""
    root = etree.fromstring(
        get(
            cite_and_service,
            service="CSW",
            version="2.0.2",
            request="GetRecordById",
            id=SERVICE_ID,
            outputschema=GMD,
            elementsetname=elementset,
        ).content,
        PARSER,
    )
    _envelope_valid(root)
    (record,) = _records(root)
    assert _scope_codes(record) == ["service"]
    if elementset == "full":  # the publisher's record as stored: the engine adds no schema error
        source = etree.parse(str(SERVICE_RECORD), PARSER).getroot()
        assert _messages(record) <= _messages(source)


@pytest.mark.parametrize("elementset", ["brief", "summary", "full"])
def test_service_record_is_typed_service_in_dublin_core(cite_and_service, elementset):
    """OGC 07-006r1 Table 1 (core queryable Type, dc:type): the ISO service record is typed
    "service" (the CSW ISO AP, OGC 07-045, maps Type to hierarchyLevel). The answer is valid."""
    root = valid_xml(
        get(
            cite_and_service,
            service="CSW",
            version="2.0.2",
            request="GetRecordById",
            id=SERVICE_ID,
            elementsetname=elementset,
        ),
        "2.0.2",
    )
    (record,) = _records(root)
    assert record.xpath("dc:type/text()", namespaces=NS) == ["service"]


CITE_SERVICES = sorted(i for i, r in RECORDS_CITE.items() if r["type"].endswith("/dcmitype/Service"))


@pytest.mark.parametrize("identifier", CITE_SERVICES)
def test_dublin_core_service_is_scoped_service_in_iso(cite_and_service, identifier):
    """A CITE record typed http://purl.org/dc/dcmitype/Service is a service: its ISO view is scoped
    "service" with an srv:SV_ServiceIdentification (a DCMI URI is no MD_ScopeCode value), and its
    csw:Record shows that normalised type."""
    assert len(CITE_SERVICES) == 3
    for elementset in ("brief", "summary", "full"):
        root = etree.fromstring(
            get(
                cite_and_service,
                service="CSW",
                version="2.0.2",
                request="GetRecordById",
                id=identifier,
                outputschema=GMD,
                elementsetname=elementset,
            ).content,
            PARSER,
        )
        _envelope_valid(root)
        (record,) = _records(root)
        assert _scope_codes(record) == ["service"], elementset
        assert record.xpath("gmd:identificationInfo/srv:SV_ServiceIdentification", namespaces=NS), elementset
    root = valid_xml(
        get(cite_and_service, service="CSW", version="2.0.2", request="GetRecordById", id=identifier), "2.0.2"
    )
    # the Dublin Core view shows the normalised type; the DCMI URI stays in the source document
    assert RECORDS_CITE[identifier]["type"] == "http://purl.org/dc/dcmitype/Service"
    assert root.xpath("csw:SummaryRecord/dc:type/text()", namespaces=NS) == ["service"]


# --------------------------------------------------------------------------- 8. OWSLib's CSW 3.0 client

#: Query box over Brittany and the Channel: (south, west, north, east), EPSG:4326 latitude first.
QUERY_BOX = (44.0, -7.0, 52.0, 1.0)


def _box_matches(box: tuple[float, float, float, float]) -> set[str]:
    south, west, north, east = box
    return {
        i
        for i, r in RECORDS_CITE.items()
        if r["box"]
        and r["box"][0] <= north
        and r["box"][2] >= south
        and r["box"][1] <= east
        and r["box"][3] >= west
    }


@pytest.fixture(scope="module")
def owslib3(cite) -> CatalogueServiceWeb:
    return CatalogueServiceWeb(f"{cite.url}/csw", timeout=TIMEOUT)


def test_owslib_csw3_gets_csw30_capabilities(cite, owslib3):
    """OGC 06-121r9 §7.3.2 (version negotiation): OWSLib's CSW 3.0 client asks for 3.0.0 and gets a
    csw30:Capabilities, although a GetCapabilities without version is answered in 2.0.2."""
    assert "version=3.0.0" in owslib3.request
    assert owslib3._exml.getroot().tag == f"{{{NS['csw30']}}}Capabilities"
    assert owslib3.version == "3.0.0" and owslib3.identification.type == "CSW"
    assert {"GetCapabilities", "GetRecords", "GetRecordById"} <= {op.name for op in owslib3.operations}
    plain = valid_xml(get(cite, service="CSW", request="GetCapabilities"), "2.0.2")
    assert plain.get("version") == "2.0.2"


def test_owslib_csw3_bbox_getrecords(owslib3):
    """OGC 12-176r7 GetRecords with an FES 2.0 BBOX (09-026r2 §7.8): OWSLib's fes2.BBox (it writes
    its envelope in the GML 3.1.1 namespace; CSW 3.0 names GML 3.2) finds the CITE records whose
    box intersects the query box, titles parsed by OWSLib."""
    expected = _box_matches(QUERY_BOX)
    assert len(expected) == 2
    owslib3.getrecords(
        constraints=[fes2.BBox(list(QUERY_BOX), crs="urn:ogc:def:crs:EPSG::4326")], esn="full", maxrecords=50
    )
    assert owslib3.results["matches"] == len(expected)
    assert set(owslib3.records) == expected
    for identifier, record in owslib3.records.items():
        assert record.identifier == identifier and record.title == RECORDS_CITE[identifier]["title"]


def test_owslib_csw3_gml32_bbox_getrecords(owslib3):
    """The same query with its envelope in GML 3.2 (the encoding CSW 3.0's SupportedGMLVersions
    advertises), sent through OWSLib's getrecords, and the answer valid against cswAll.xsd."""
    south, west, north, east = QUERY_BOX
    request = (
        f'<csw30:GetRecords xmlns:csw30="{NS["csw30"]}" xmlns:fes="{NS["fes"]}" '
        'xmlns:gml="http://www.opengis.net/gml/3.2" service="CSW" version="3.0.0" maxRecords="50">'
        '<csw30:Query typeNames="csw30:Record"><csw30:ElementSetName>full</csw30:ElementSetName>'
        '<csw30:Constraint version="2.0.0"><fes:Filter><fes:BBOX><fes:ValueReference>ows:BoundingBox'
        '</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326">'
        f"<gml:lowerCorner>{south} {west}</gml:lowerCorner><gml:upperCorner>{north} {east}</gml:upperCorner>"
        "</gml:Envelope></fes:BBOX></fes:Filter></csw30:Constraint></csw30:Query></csw30:GetRecords>"
    )
    owslib3.getrecords(xml=request)
    assert set(owslib3.records) == _box_matches(QUERY_BOX)
    xmlschemas.assert_valid(owslib3._exml.getroot(), WRAPPER["3.0.0"])


@pytest.mark.parametrize("identifier", [LOREM, *sorted(_box_matches(QUERY_BOX))])
def test_owslib_csw3_getrecordbyid(owslib3, identifier):
    """OGC 12-176r7 GetRecordById: the answer is the record itself (cswGetRecordById.xsd defines no
    response wrapper), valid. OWSLib sends the request; its csw30 record parser reads identifier and
    title. (OWSLib's getrecordbyid looks for records *below* the root, so owslib3.records stays empty
    against any server that answers as the standard says: we parse the root with its own class.)"""
    owslib3.getrecordbyid([identifier])
    root = owslib3._exml.getroot()
    assert root.tag == f"{{{NS['csw30']}}}Record", etree.tostring(root)[:500]
    xmlschemas.assert_valid(root, WRAPPER["3.0.0"])
    record = Csw30Record(root)
    assert record.identifier == identifier
    assert record.title == RECORDS_CITE[identifier]["title"]


# --------------------------------------------------------------------------- DCAT-AP output schema


def test_get_record_by_id_answers_dcat_ap(cite_and_service):
    """The catalogue's DCAT-AP output (``outputSchema=http://www.w3.org/ns/dcat#``, as GeoNetwork
    names it) is advertised and answers one rdf:RDF describing one dcat:Dataset."""
    capabilities = valid_xml(
        get(cite_and_service, service="CSW", version="2.0.2", request="GetCapabilities"), "2.0.2"
    )
    advertised = capabilities.xpath(
        "//ows:Operation[@name='GetRecordById']/ows:Parameter[@name='outputSchema']/ows:Value/text()",
        namespaces=NS,
    )
    assert "http://www.w3.org/ns/dcat#" in advertised
    identifier = sorted(RECORDS_CITE)[0]
    response = get(
        cite_and_service,
        service="CSW",
        version="2.0.2",
        request="GetRecordById",
        id=identifier,
        outputschema="http://www.w3.org/ns/dcat#",
    )
    root = etree.fromstring(response.content, PARSER)
    (rdf,) = [el for el in root if etree.QName(el).localname == "RDF"]
    (dataset,) = rdf.findall("{http://www.w3.org/ns/dcat#}Dataset")
    title = dataset.findtext("{http://purl.org/dc/terms/}title")
    assert title == RECORDS_CITE[identifier]["title"]
