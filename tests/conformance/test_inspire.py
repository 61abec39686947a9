"""INSPIRE discovery service: multilingual capabilities, written from the Technical Guidance.

INSPIRE Technical Guidance for the implementation of INSPIRE Discovery Services 3.1, §4.5
(language requirements) and Annex A (extended capabilities), after Regulation (EC) No 976/2009
Annex II: a request names its language with the LANGUAGE parameter; a supported language is
used for the answer, any other value is answered in the service's default language (never an
exception); the capabilities list the supported languages, the default one, and state the
response language (inspire_common:ResponseLanguage).

The server holds the OGC CITE CSW 2.0.2 data set; pycsw.yml enables INSPIRE with fre (default)
and eng. Answers are validated against the local schemas (with inspire_ds 1.0).
"""

from __future__ import annotations

import pytest
import requests
import xmlschemas
import yaml
from conftest import DATA, REPO
from lxml import etree

CITE = DATA / "cite"
TIMEOUT = 60
NS = {
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
    "csw30": "http://www.opengis.net/cat/csw/3.0",
    "ows": "http://www.opengis.net/ows",
    "ows20": "http://www.opengis.net/ows/2.0",
    "inspire_ds": "http://inspire.ec.europa.eu/schemas/inspire_ds/1.0",
    "inspire_common": "http://inspire.ec.europa.eu/schemas/common/1.0",
}
WRAPPER = {"2.0.2": "wrappers/csw202.xsd", "3.0.0": "wrappers/csw30.xsd"}
CAPABILITIES = {"2.0.2": f"{{{NS['csw']}}}Capabilities", "3.0.0": f"{{{NS['csw30']}}}Capabilities"}
INSPIRE = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))["metadata"]["inspire"]
DEFAULT = INSPIRE["default_language"]
SUPPORTED = list(INSPIRE["languages_supported"])
OTHER = next(code for code in SUPPORTED if code != DEFAULT)
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


def test_configuration_is_the_one_described():
    assert INSPIRE["enabled"] is True
    assert DEFAULT == "fre" and SUPPORTED == ["fre", "eng"]


@pytest.fixture(scope="module")
def cite(make_catalogue):
    return make_catalogue("inspire", CITE)


def capabilities(catalogue, version: str, **params: str) -> etree._Element:
    query = {"service": "CSW", "request": "GetCapabilities", **params}
    query.update({"version": version} if version == "2.0.2" else {"acceptversions": version})
    response = requests.get(f"{catalogue.url}/csw", params=query, timeout=TIMEOUT)
    context = f"HTTP {response.status_code}\n{response.text[:1500]}"
    assert response.status_code == 200, context
    root = etree.fromstring(response.content, PARSER)
    assert root.tag == CAPABILITIES[version], context
    xmlschemas.assert_valid(root, WRAPPER[version])
    return root


def extended(root: etree._Element) -> etree._Element:
    found = root.findall(".//inspire_ds:ExtendedCapabilities", NS)
    assert len(found) == 1, "one inspire_ds:ExtendedCapabilities expected"
    return found[0]


def response_language(root: etree._Element) -> list[str]:
    return extended(root).xpath(
        "inspire_common:ResponseLanguage/inspire_common:Language/text()", namespaces=NS
    )


VERSIONS = ("2.0.2", "3.0.0")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("language", ["xxx", "en", "english", "de", ""])
def test_unsupported_language_is_answered_in_the_default_language(cite, version, language):
    """TG Discovery 3.1 §4.5: a LANGUAGE the service does not support (or an empty one) is no error;
    the answer is in the default language, and ResponseLanguage says so."""
    root = capabilities(cite, version, language=language)
    assert response_language(root) == [DEFAULT]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("language", SUPPORTED)
def test_supported_language_is_the_response_language(cite, version, language):
    """TG Discovery 3.1 §4.5: a supported LANGUAGE (ISO 639-2/B code) is the response language."""
    assert response_language(capabilities(cite, version, language=language)) == [language]


@pytest.mark.parametrize("version", VERSIONS)
def test_language_code_case_is_not_significant(cite, version):
    """ISO 639-2 codes are case-insensitive; the response states the code as the service lists it."""
    assert response_language(capabilities(cite, version, language=OTHER.upper())) == [OTHER]


@pytest.mark.parametrize("version", VERSIONS)
def test_no_language_is_answered_in_the_default_language(cite, version):
    """TG Discovery 3.1 §4.5: without LANGUAGE the default language is used and stated."""
    assert response_language(capabilities(cite, version)) == [DEFAULT]


@pytest.mark.parametrize("version", VERSIONS)
def test_capabilities_list_supported_and_default_languages(cite, version):
    """TG Discovery 3.1 Annex A: SupportedLanguages holds the DefaultLanguage and every
    SupportedLanguage; the extended capabilities sit in ows(20):ExtendedCapabilities' place."""
    root = capabilities(cite, version)
    ext = extended(root)
    languages = ext.find("inspire_common:SupportedLanguages", NS)
    assert languages.xpath(
        "inspire_common:DefaultLanguage/inspire_common:Language/text()", namespaces=NS
    ) == [DEFAULT]
    listed = languages.xpath("inspire_common:SupportedLanguage/inspire_common:Language/text()", namespaces=NS)
    assert set(listed) == set(SUPPORTED)
    ows = NS["ows"] if version == "2.0.2" else NS["ows20"]
    assert etree.QName(ext.getparent()).namespace == ows


@pytest.mark.parametrize("version", VERSIONS)
def test_language_does_not_break_discovery(cite, version):
    """Regulation 976/2009 Annex II Part B: a Discover Metadata request carries a Language parameter;
    an unsupported value must not turn a search into an error."""
    typenames = "csw:Record" if version == "2.0.2" else "csw30:Record"
    response = requests.get(
        f"{cite.url}/csw",
        params={
            "service": "CSW",
            "version": version,
            "request": "GetRecords",
            "typenames": typenames,
            "resulttype": "results",
            "elementsetname": "brief",
            "maxrecords": "50",
            "language": "xxx",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text[:800]
    root = etree.fromstring(response.content, PARSER)
    xmlschemas.assert_valid(root, WRAPPER[version])
    results = root.find(f"{{{NS['csw' if version == '2.0.2' else 'csw30']}}}SearchResults")
    assert int(results.get("numberOfRecordsMatched")) == len(list(CITE.glob("Record_*.xml")))
