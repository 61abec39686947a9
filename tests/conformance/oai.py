"""Helpers of the OAI-PMH conformance tests: requests to a real server, schema validation.

Every document is validated against the official OAI-PMH 2.0 schema. The schema processes
the content of ``metadata`` strictly, so each record payload is validated on its own
(oai_dc against ``oai_dc.xsd``; ISO 19139 and DataCite structurally, see the tests) and
the envelope is then validated with ``oai_dc`` payloads as they are, others replaced by an
empty ``oai_dc:dc``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import requests
from lxml import etree

from tests.conftest import RECORDS
from tests.harvest.helpers import execute, query, source, write_sources
from tests.xmlschemas import assert_valid

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI = f"{{{OAI_NS}}}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"
DATACITE = "{http://datacite.org/schema/kernel-4}"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
ENVELOPE = "wrappers/oai-pmh-oai_dc.xsd"


def get(catalogue: Any, params: Any) -> requests.Response:
    answer = requests.get(f"{catalogue.url}/oaipmh", params=params, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("text/xml")
    return answer


def oai(catalogue: Any, params: Any = None, **named: str) -> etree._Element:
    """The parsed response to a GET with ``params`` (a dict or a list of pairs) or keywords."""
    root = etree.fromstring(get(catalogue, params if params is not None else named).content)
    assert_response_valid(root)
    return root


def assert_response_valid(root: etree._Element) -> None:
    """The envelope against OAI-PMH.xsd, each oai_dc payload against oai_dc.xsd."""
    envelope = copy.deepcopy(root)
    for metadata in envelope.iter(f"{OAI}metadata"):
        [payload] = list(metadata)
        if payload.tag != f"{OAI_DC}dc":
            metadata.replace(payload, etree.Element(f"{OAI_DC}dc"))
    assert_valid(envelope, ENVELOPE)
    for stamp in root.iter(f"{OAI}datestamp"):
        assert STAMP.fullmatch(stamp.text or ""), stamp.text


def codes(root: etree._Element) -> list[str]:
    return [error.get("code") for error in root.iter(f"{OAI}error")]


def headers(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(f"{OAI}header"))


def identifiers(root: etree._Element) -> list[str]:
    return [header.findtext(f"{OAI}identifier") for header in headers(root)]


def pages(catalogue: Any, verb: str, **params: str) -> list[etree._Element]:
    """Every page of a list, following the resumption tokens."""
    found = [oai(catalogue, verb=verb, **params)]
    while (token := found[-1].findtext(f".//{OAI}resumptionToken")) and len(found) < 200:
        found.append(oai(catalogue, verb=verb, resumptionToken=token))
    return found


# -- the provider under test ----------------------------------------------------------------------

#: Records given a DOI in ``record_identities`` (the real DOI each document cites).
DOIS = {
    "gov.noaa.nodc:NDBC-COOPS": "10.5072/fk2test",
    "ie.marine.data:dataset.2752": "10.20393/657328d9-bbed-4427-ac73-85a2dae184b2",
}
DOI_RECORD = RECORDS.parent / "records-extra" / "marine-ie-nodc__ie_marine_data__dataset_2752.xml"
PAGE = 4
#: Rows given back the document they were loaded from, whatever the loader now stores: records
#: whose stored document is not ISO 19139 (so not disseminable as iso19139), as older rows are.
NOT_ISO19139 = {
    "9e5c3031-a026-48b3-a153-a70c2e2b78b9": (
        "mdb:MD_Metadata",
        RECORDS / "iso19115-3" / "aodn-esindexer__sample1.xml",
    ),
    "ecbce8ad-79fe-41b2-9bf7-f0d5cd80582d": (
        "csw:Record",
        RECORDS
        / "dublin-core"
        / "b2find-envriplus-sextant-cswrecord__0812e318-25c6-5d4a-b4b1-a22428240060.xml",
    ),
}
#: The harvest source some records are said to come from (the others are ``local``).
SOURCE = "sextant"


def stamp_of(position: int) -> str:
    """The insert_date given to the record at ``position`` in identifier order: one a day, noon."""
    return f"2021-05-{position + 1:02d}T12:00:{position:02d}Z"


@pytest.fixture(scope="session")
def provider(make_catalogue) -> Any:
    """A catalogue (pages of 4) whose records have known datestamps, two sources and two DOIs.

    Record i (identifier order) was stored at ``stamp_of(i)``; the odd ones come from the
    ``sextant`` source, the even ones were loaded locally.
    """
    catalogue = make_catalogue("oai-provider", RECORDS, DOI_RECORD, server__maxrecords=PAGE)
    ids = sorted(row[0] for row in query(catalogue, "SELECT identifier FROM records"))
    for position, identifier in enumerate(ids):
        execute(
            catalogue,
            "UPDATE records SET insert_date = :stamp, mdsource = :source WHERE identifier = :id",
            stamp=stamp_of(position),
            source=SOURCE if position % 2 else "local",
            id=identifier,
        )
    for identifier, (typename, path) in NOT_ISO19139.items():
        execute(
            catalogue,
            "UPDATE records SET typename = :typename, xml = :xml WHERE identifier = :id",
            typename=typename,
            xml=path.read_text(encoding="utf-8"),
            id=identifier,
        )
    execute(catalogue, "DELETE FROM record_identities WHERE kind = 'doi'")
    for identifier, doi in DOIS.items():
        execute(
            catalogue,
            "INSERT INTO record_identities (record_id, kind, value) VALUES (:id, 'doi', :doi)",
            id=identifier,
            doi=doi,
        )
    write_sources(catalogue, [source(SOURCE, "csw", "https://sextant.ifremer.fr/geonetwork/srv/eng/csw")])
    catalogue.ids = ids
    return catalogue
