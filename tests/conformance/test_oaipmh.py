"""OAI-PMH 2.0 error conditions (Open Archives Initiative Protocol for Metadata Harvesting 2.0, §3.6)."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def oai(catalogue, **params: str) -> etree._Element:
    answer = requests.get(f"{catalogue.url}/oaipmh", params=params, timeout=30)
    assert answer.status_code == 200
    return etree.fromstring(answer.content)


@pytest.mark.parametrize("params", [{}, {"verb": "Foo"}, {"verb": "listrecords", "metadataPrefix": "oai_dc"}])
def test_missing_or_illegal_verb_is_bad_verb(catalogue, params):
    """§3.6 badVerb: the verb argument is not a legal OAI-PMH verb, missing, or repeated."""
    root = oai(catalogue, **params)
    assert [error.get("code") for error in root.iter(f"{OAI}error")] == ["badVerb"]
    assert root.find(f"{OAI}request").attrib == {}  # §3.2: no attributes on badVerb/badArgument


def test_get_record_of_an_unknown_identifier_is_id_does_not_exist(catalogue):
    """§3.6 idDoesNotExist: 'The value of the identifier argument is unknown in this repository'."""
    root = oai(catalogue, verb="GetRecord", identifier="odatis-no-such-record", metadataPrefix="oai_dc")
    assert [error.get("code") for error in root.iter(f"{OAI}error")] == ["idDoesNotExist"]
    assert root.find(f"{OAI}GetRecord") is None


def test_get_record_of_a_known_identifier_answers_the_record(catalogue):
    identifier = "ie.marine.data:dataset.1135"
    root = oai(catalogue, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert root.find(f"{OAI}error") is None
    assert root.findtext(f"{OAI}GetRecord/{OAI}record/{OAI}header/{OAI}identifier") == identifier
