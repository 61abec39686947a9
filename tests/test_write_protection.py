"""No HTTP request can insert, change or delete a record.

A dedicated catalogue is loaded with a few real records; every write path pycsw knows
(CSW-T Transaction, CSW Harvest, OGC API - Records create/replace/update/delete) is tried
over HTTP, and the stored state (database rows, CSW hit counts, every record as served)
must be identical afterwards. Each attempt must be refused with a proper OGC exception.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from conftest import RECORDS, free_port, write_config
from lxml import etree
from sqlalchemy import create_engine, text

TIMEOUT = 30
GMD = "http://www.isotc211.org/2005/gmd"
CSW202 = "http://www.opengis.net/cat/csw/2.0.2"
CSW30 = "http://www.opengis.net/cat/csw/3.0"
OWS = {"2.0.2": "http://www.opengis.net/ows", "3.0.0": "http://www.opengis.net/ows/2.0"}
#: OGC 06-121r9 (OWS Common 2.0, used by CSW 3.0) table 28: HTTP status of each exception code.
OWS2_STATUS = {
    "OperationNotSupported": 501,
    "OptionNotSupported": 501,
    "MissingParameterValue": 400,
    "InvalidParameterValue": 400,
    "VersionNegotiationFailed": 400,
    "InvalidUpdateSequence": 400,
}

LOADED = (
    RECORDS / "iso19139" / "pycsw-apiso__3e9a8c05.xml",
    RECORDS / "dublin-core" / "pycsw-cite__Record_19887a8a-f6b0-4a63-ae56-7fba0e17801f.xml",
    RECORDS / "iso19115-2" / "owslib__iso_mi.xml",
    RECORDS / "iso19115-3" / "cioos-iso-validate__valid.xml",
)
#: A real record that is *not* loaded: harvesting it would be an insert.
NOT_LOADED = RECORDS / "iso19139" / "ckanspatial__gemini2.1__dataset1.xml"
INSERTED_ID = "odatis-attack-inserted"
SQL_INJECTION_ID = "x' OR '1'='1"


# --------------------------------------------------------------------------- state


def db_rows(catalogue) -> list[tuple]:
    engine = create_engine(catalogue.database)
    try:
        with engine.connect() as connection:
            return [
                tuple(row) for row in connection.execute(text("SELECT * FROM records ORDER BY identifier"))
            ]
    finally:
        engine.dispose()


def stored_ids(catalogue) -> list[str]:
    engine = create_engine(catalogue.database)
    try:
        with engine.connect() as connection:
            return [
                row[0]
                for row in connection.execute(text("SELECT identifier FROM records ORDER BY identifier"))
            ]
    finally:
        engine.dispose()


def csw_hits(catalogue, version: str) -> int:
    typenames = "csw:Record" if version == "2.0.2" else "csw30:Record"
    response = requests.get(
        f"{catalogue.url}/csw",
        params={
            "service": "CSW",
            "version": version,
            "request": "GetRecords",
            "typenames": typenames,
            "resulttype": "hits",
            "elementsetname": "brief",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    match = re.search(rb'numberOfRecordsMatched="(\d+)"', response.content)
    assert match, response.text
    return int(match.group(1))


def served_record(catalogue, identifier: str) -> bytes:
    response = requests.get(
        f"{catalogue.url}/csw",
        params={
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": identifier,
            "outputschema": GMD,
            "elementsetname": "full",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.content


def oarec_matched(catalogue) -> int:
    response = requests.get(
        f"{catalogue.url}/collections/metadata:main/items", params={"f": "json", "limit": 1}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return int(response.json()["numberMatched"])


def snapshot(catalogue) -> dict[str, object]:
    rows = db_rows(catalogue)
    ids = [row[0] for row in rows]
    return {
        "rows": rows,
        "csw202_hits": csw_hits(catalogue, "2.0.2"),
        "csw30_hits": csw_hits(catalogue, "3.0.0"),
        "oarec_matched": oarec_matched(catalogue),
        "served": {identifier: served_record(catalogue, identifier) for identifier in ids},
    }


@pytest.fixture(scope="module")
def writes(make_catalogue):
    return make_catalogue("writes", *LOADED)


@pytest.fixture(scope="module")
def baseline(writes) -> dict[str, object]:
    state = snapshot(writes)
    assert len(state["rows"]) == len(LOADED)
    assert state["csw202_hits"] == state["csw30_hits"] == state["oarec_matched"] == len(LOADED)
    return state


# --------------------------------------------------------------------------- payloads


def record_with_id(path: Path, identifier: str) -> str:
    source = path.read_text(encoding="utf-8")
    changed = re.sub(
        r"(<gmd:fileIdentifier>\s*<gco:CharacterString>)[^<]+", rf"\g<1>{identifier}", source, count=1
    )
    assert changed != source
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", changed)


def modified_existing(catalogue) -> tuple[str, str]:
    """A stored ISO record, its title changed: what an Update/PUT would try to write."""
    source = LOADED[0].read_text(encoding="utf-8")
    match = re.search(r"<gmd:fileIdentifier>\s*<gco:CharacterString>([^<]+)", source)
    assert match
    identifier = match.group(1).strip()
    assert identifier in stored_ids(catalogue)
    changed = re.sub(r"^<\?xml[^>]*\?>\s*", "", source)
    changed = re.sub(
        r"(<gmd:title>\s*<gco:CharacterString>)[^<]+", r"\g<1>DEFACED BY ATTACK", changed, count=1
    )
    return identifier, changed


MATCH_ALL_202 = (
    '<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc">'
    '<ogc:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\\">'
    "<ogc:PropertyName>dc:identifier</ogc:PropertyName><ogc:Literal>%</ogc:Literal>"
    "</ogc:PropertyIsLike></ogc:Filter>"
)
MATCH_ALL_30 = (
    '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
    '<fes:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\\">'
    "<fes:ValueReference>dc:identifier</fes:ValueReference><fes:Literal>%</fes:Literal>"
    "</fes:PropertyIsLike></fes:Filter>"
)


def transaction(version: str, body: str) -> str:
    ns = CSW202 if version == "2.0.2" else CSW30
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<csw:Transaction xmlns:csw="{ns}" service="CSW" version="{version}">{body}</csw:Transaction>'
    )


def insert_doc(catalogue, version: str) -> str:
    return transaction(version, f"<csw:Insert>{record_with_id(LOADED[0], INSERTED_ID)}</csw:Insert>")


def update_doc(catalogue, version: str) -> str:
    _, record = modified_existing(catalogue)
    return transaction(version, f"<csw:Update>{record}</csw:Update>")


def update_property_doc(catalogue, version: str) -> str:
    match_all = MATCH_ALL_202 if version == "2.0.2" else MATCH_ALL_30
    constraint_version = "1.1.0" if version == "2.0.2" else "2.0.0"
    return transaction(
        version,
        "<csw:Update><csw:RecordProperty><csw:Name>dc:title</csw:Name><csw:Value>DEFACED</csw:Value>"
        f'</csw:RecordProperty><csw:Constraint version="{constraint_version}">{match_all}'
        "</csw:Constraint></csw:Update>",
    )


def delete_all_doc(catalogue, version: str) -> str:
    match_all = MATCH_ALL_202 if version == "2.0.2" else MATCH_ALL_30
    constraint_version = "1.1.0" if version == "2.0.2" else "2.0.0"
    return transaction(
        version,
        f'<csw:Delete><csw:Constraint version="{constraint_version}">{match_all}'
        "</csw:Constraint></csw:Delete>",
    )


def harvest_doc(version: str, source: str, resource_type: str = GMD) -> str:
    ns = CSW202 if version == "2.0.2" else CSW30
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Harvest xmlns="{ns}" service="CSW" version="{version}">'
        f"<Source>{source}</Source><ResourceType>{resource_type}</ResourceType>"
        "<ResourceFormat>application/xml</ResourceFormat></Harvest>"
    )


def harvest_sources(catalogue) -> dict[str, tuple[str, str]]:
    """Harvest sources: name -> (source URL, resource type)."""
    own_csw = f"{catalogue.url}/csw?service=CSW&version=2.0.2&request=GetCapabilities"
    return {
        "etc-passwd": ("file:///etc/passwd", GMD),
        "real-record-file": (NOT_LOADED.resolve().as_uri(), GMD),
        "http-csw": (own_csw.replace("&", "&amp;"), CSW202),
    }


# --------------------------------------------------------------------------- checks


def assert_csw_refusal(
    response: requests.Response, version: str, code: str = "OperationNotSupported"
) -> None:
    """A proper OWS exception report with ``code``; CSW 3.0 also needs the OWS 2.0 HTTP status."""
    assert "xml" in response.headers.get("Content-Type", ""), (response.status_code, response.text[:500])
    root = etree.fromstring(response.content)
    ns = OWS[version]
    assert root.tag == f"{{{ns}}}ExceptionReport", response.text[:500]
    codes = [element.get("exceptionCode") for element in root.findall(f"{{{ns}}}Exception")]
    assert codes == [code], response.text[:800]
    texts = [t.text or "" for t in root.iter(f"{{{ns}}}ExceptionText")]
    assert any(t.strip() for t in texts), response.text[:800]
    if version == "3.0.0":
        # OWS Common 2.0, table 28: OperationNotSupported -> 501 Not Implemented.
        assert response.status_code == OWS2_STATUS[code], (
            f"CSW 3.0 {code} must be HTTP {OWS2_STATUS[code]}, got {response.status_code}"
        )
    else:
        # CSW 2.0.2 (OWS Common 1.0) sets no status; a refusal must not look like a success of
        # another kind (2xx other than the conventional 200, or a redirect).
        assert response.status_code in (200, OWS2_STATUS[code]), response.status_code


def assert_oarec_refusal(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers.get("Content-Type", "").split(";")[0].strip() in (
        "application/json",
        "application/problem+json",
    ), response.headers.get("Content-Type")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("description"), str) and body["description"], body


# --------------------------------------------------------------------------- attacks


def post_xml(catalogue, document: str, **headers: str) -> requests.Response:
    return requests.post(
        f"{catalogue.url}/csw",
        data=document.encode("utf-8"),
        headers={"Content-Type": "application/xml", **headers},
        timeout=TIMEOUT,
    )


CSW_ATTACKS: list[tuple[str, str, Callable[[object], requests.Response]]] = []
for _version in ("2.0.2", "3.0.0"):
    for _name, _builder in (
        ("insert", insert_doc),
        ("update-record", update_doc),
        ("update-property-all", update_property_doc),
        ("delete-all", delete_all_doc),
    ):
        CSW_ATTACKS.append(
            (
                f"csw{_version}-transaction-{_name}",
                _version,
                lambda cat, v=_version, b=_builder: post_xml(cat, b(cat, v)),
            )
        )
    for _source_name in ("etc-passwd", "real-record-file", "http-csw"):
        for _spoof in (False, True):
            _headers = {"X-Forwarded-For": "127.0.0.1"} if _spoof else {}
            CSW_ATTACKS.append(
                (
                    f"csw{_version}-harvest-post-{_source_name}{'-xff' if _spoof else ''}",
                    _version,
                    lambda cat, v=_version, s=_source_name, h=_headers: post_xml(
                        cat, harvest_doc(v, *harvest_sources(cat)[s]), **h
                    ),
                )
            )
    for _spoof in (False, True):
        _headers = {"X-Forwarded-For": "127.0.0.1"} if _spoof else {}
        CSW_ATTACKS.append(
            (
                f"csw{_version}-kvp-transaction{'-xff' if _spoof else ''}",
                _version,
                lambda cat, v=_version, h=_headers: requests.get(
                    f"{cat.url}/csw",
                    params={"service": "CSW", "version": v, "request": "Transaction"},
                    headers=h,
                    timeout=TIMEOUT,
                ),
            )
        )
        for _source_name in ("etc-passwd", "real-record-file"):
            CSW_ATTACKS.append(
                (
                    f"csw{_version}-kvp-harvest-{_source_name}{'-xff' if _spoof else ''}",
                    _version,
                    lambda cat, v=_version, s=_source_name, h=_headers: requests.get(
                        f"{cat.url}/csw",
                        params={
                            "service": "CSW",
                            "version": v,
                            "request": "Harvest",
                            "source": harvest_sources(cat)[s][0],
                            "resourcetype": GMD,
                        },
                        headers=h,
                        timeout=TIMEOUT,
                    ),
                )
            )


@pytest.mark.parametrize(("version", "attack"), [pytest.param(v, a, id=name) for name, v, a in CSW_ATTACKS])
def test_csw_write_is_refused(writes, baseline, version, attack):
    response = attack(writes)
    assert_csw_refusal(response, version)
    assert snapshot(writes) == baseline


def feature(identifier: str) -> dict[str, object]:
    return {
        "id": identifier,
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[-5, 45], [-5, 50], [0, 50], [0, 45], [-5, 45]]]},
        "properties": {
            "type": "dataset",
            "title": "DEFACED BY ATTACK",
            "description": "inserted over HTTP",
            "updated": "2026-01-01T00:00:00Z",
        },
        "links": [],
    }


ITEMS = "/collections/metadata:main/items"


def _existing_id(catalogue) -> str:
    return modified_existing(catalogue)[0]


def _item_url(catalogue, identifier: str) -> str:
    return f"{catalogue.url}{ITEMS}/{quote(identifier, safe='')}"


OAREC_ATTACKS: list[tuple[str, Callable[[object], requests.Response]]] = [
    (
        "post-items-geojson",
        lambda cat: requests.post(
            f"{cat.url}{ITEMS}",
            json=feature(INSERTED_ID),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "post-items-xml",
        lambda cat: requests.post(
            f"{cat.url}{ITEMS}",
            data=record_with_id(LOADED[0], INSERTED_ID).encode("utf-8"),
            headers={"Content-Type": "application/xml"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "put-items",
        lambda cat: requests.put(
            f"{cat.url}{ITEMS}",
            json=feature(INSERTED_ID),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    ("delete-items", lambda cat: requests.delete(f"{cat.url}{ITEMS}", timeout=TIMEOUT)),
    (
        "patch-items",
        lambda cat: requests.patch(
            f"{cat.url}{ITEMS}",
            json=feature(INSERTED_ID),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "put-existing-item-geojson",
        lambda cat: requests.put(
            _item_url(cat, _existing_id(cat)),
            json=feature(_existing_id(cat)),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "put-existing-item-xml",
        lambda cat: requests.put(
            _item_url(cat, _existing_id(cat)),
            data=modified_existing(cat)[1].encode("utf-8"),
            headers={"Content-Type": "application/xml"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "put-new-item",
        lambda cat: requests.put(
            _item_url(cat, INSERTED_ID),
            json=feature(INSERTED_ID),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "put-sql-injection-item",
        lambda cat: requests.put(
            _item_url(cat, SQL_INJECTION_ID),
            json=feature(SQL_INJECTION_ID),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
    ("delete-existing-item", lambda cat: requests.delete(_item_url(cat, _existing_id(cat)), timeout=TIMEOUT)),
    (
        "delete-sql-injection-item",
        lambda cat: requests.delete(_item_url(cat, SQL_INJECTION_ID), timeout=TIMEOUT),
    ),
    (
        "patch-existing-item",
        lambda cat: requests.patch(
            _item_url(cat, _existing_id(cat)),
            json={"properties": {"title": "DEFACED BY ATTACK"}},
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=TIMEOUT,
        ),
    ),
    (
        "post-existing-item",
        lambda cat: requests.post(
            _item_url(cat, _existing_id(cat)),
            json=feature(_existing_id(cat)),
            headers={"Content-Type": "application/geo+json"},
            timeout=TIMEOUT,
        ),
    ),
]
for _path in ("/collections", "/collections/metadata:main"):
    for _method in ("POST", "PUT", "DELETE", "PATCH"):
        OAREC_ATTACKS.append(
            (
                f"{_method.lower()}-{_path.strip('/').replace(':', '-').replace('/', '-')}",
                lambda cat, m=_method, p=_path: requests.request(
                    m,
                    f"{cat.url}{p}",
                    json={"id": "metadata:main", "type": "catalog", "title": "DEFACED"},
                    timeout=TIMEOUT,
                ),
            )
        )


@pytest.mark.parametrize("attack", [pytest.param(a, id=name) for name, a in OAREC_ATTACKS])
def test_oarec_write_is_refused(writes, baseline, attack):
    response = attack(writes)
    assert_oarec_refusal(response)
    assert snapshot(writes) == baseline


def test_oarec_json_post_is_a_search_not_an_insert(writes, baseline):
    """POST application/json on items is a CQL2-JSON search: a Feature body must not be stored."""
    response = requests.post(
        f"{writes.url}{ITEMS}",
        json=feature(INSERTED_ID),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code not in (201, 204), response.text[:500]
    assert snapshot(writes) == baseline


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", ITEMS),
        ("PUT", f"{ITEMS}/some-id"),
        ("DELETE", f"{ITEMS}/some-id"),
        ("POST", "/collections"),
        ("DELETE", "/collections/metadata:main"),
    ],
)
def test_oarec_405_names_allowed_methods(writes, method, path):
    """RFC 9110 section 15.5.6: a 405 response MUST carry an Allow header."""
    response = requests.request(
        method,
        f"{writes.url}{path}",
        json=feature(INSERTED_ID),
        headers={"Content-Type": "application/geo+json"},
    )
    assert response.status_code == 405, response.status_code
    allow = {m.strip().upper() for m in response.headers.get("Allow", "").split(",") if m.strip()}
    assert "GET" in allow, f"405 without a usable Allow header: {dict(response.headers)}"
    assert method not in allow


@pytest.mark.parametrize("version", ["2.0.2", "3.0.0"])
def test_capabilities_advertise_no_write_operation(writes, version):
    response = requests.get(
        f"{writes.url}/csw",
        params={"service": "CSW", "version": version, "request": "GetCapabilities"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    ns = OWS["2.0.2"] if version == "2.0.2" else "http://www.opengis.net/ows/2.0"
    operations = {op.get("name") for op in root.iter(f"{{{ns}}}Operation")}
    assert {"GetCapabilities", "GetRecords", "GetRecordById"} <= operations
    assert not operations & {"Transaction", "Harvest"}, operations
    # CSW 3.0 declares its conformance classes as ows:Constraint name=".../conf/<class>" with
    # TRUE/FALSE: the write classes must not be declared TRUE.
    declared = {}
    for constraint in root.iter(f"{{{ns}}}Constraint"):
        name = constraint.get("name", "")
        if "/conf/" in name:
            values = [v.text.strip().upper() for v in constraint.iter(f"{{{ns}}}Value") if v.text]
            declared[name.rsplit("/", 1)[1]] = values
    writing = {name: v for name, v in declared.items() if name.startswith(("Transaction", "Harvest"))}
    assert all(v == ["FALSE"] for v in writing.values()), f"write conformance classes declared: {writing}"


def test_oarec_advertises_no_write_capability(writes):
    conformance = requests.get(f"{writes.url}/conformance", params={"f": "json"}, timeout=TIMEOUT).json()
    writing = [
        c for c in conformance["conformsTo"] if "create-replace-delete" in c or "transaction" in c.lower()
    ]
    assert not writing, f"/conformance declares write support on a read-only catalogue: {writing}"
    openapi = requests.get(f"{writes.url}/openapi", params={"f": "json"}, timeout=TIMEOUT).json()
    for path, operations in openapi["paths"].items():
        methods = {m.lower() for m in operations}
        assert not methods & {"put", "delete", "patch"}, (path, methods)
        if path.endswith("/items/{recordId}"):
            assert "post" not in methods, path


def test_config_with_transactions_enabled_is_refused(tmp_path):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'tx.db'}", manager__transactions=True)
    result = subprocess.run(
        [sys.executable, "-m", "odatis_csw", "--config", str(config), "config", "validate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    message = result.stderr + result.stdout
    assert "manager.transactions" in message, message
    assert "must be false" in message, message
    assert "odatis-csw load" in message, message
    assert "valid\n" not in result.stdout


def test_serve_refuses_transactions_enabled(tmp_path):
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'tx.db'}", manager__transactions=True)
    command = [
        sys.executable,
        "-m",
        "odatis_csw",
        "--config",
        str(config),
        "serve",
        "--port",
        str(free_port()),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("`serve` started with manager.transactions: true")
    assert process.returncode != 0
    assert "manager.transactions" in stderr
