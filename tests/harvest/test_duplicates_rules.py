"""Which published records are one dataset, and which of them is served: the rules on real records."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from odatis_csw.safexml import parse_bytes
from odatis_csw.store.identities import DOI, RESOURCE, resource_key
from odatis_csw.store.loader import assessed_rows_of
from odatis_csw.store.repository import open_repository, setup_repository
from odatis_csw.store.sameness import canonical, facts_of, normalised_title, same_dataset
from tests.conftest import DATA, RECORDS

DUPLICATES = DATA / "duplicates"
MARACOOS_2011 = DUPLICATES / "pycsw-duplicatefileid-maracoos__AVHRR.2011.7Agg.xml"
MARACOOS_2012 = DUPLICATES / "pycsw-duplicatefileid-maracoos__AVHRR.2012.7Agg.xml"
LOUGH_FURNACE = DUPLICATES / "marine-ie-nodc__ie_marine_data__dataset_2740.xml"
LOUGH_FURNACE_DOI = "10.20393/f0257b6e-c55e-4aff-9a68-1c755e3dd8ed"
MIRROR_ID = "odatis-test-mirror-of-dataset-2740"


def mirrored(text: str, identifier: str = MIRROR_ID) -> str:
    """The record as a mirroring centre republishes it: the same dataset under its own fileIdentifier."""
    return re.sub(
        r"(<gmd:fileIdentifier>\s*<gco:CharacterString>)[^<]+", rf"\g<1>{identifier}", text, count=1
    )


@pytest.fixture(scope="module")
def repository(databases):
    database = databases.new("duplicate-rules")
    setup_repository(database, "records")
    return open_repository(database, "records")


@pytest.fixture(scope="module")
def read(repository):
    def facts(text: bytes | str, source: str = "a", precedence: int = 100, source_id: str = "x", model=True):
        data = text.encode("utf-8") if isinstance(text, str) else text
        row, assessment = assessed_rows_of(repository, parse_bytes(data))[0]
        return facts_of(source, source_id, row, assessment.record if model else None, precedence)

    return facts


def test_the_maracoos_records_sharing_a_file_identifier_and_a_title_stay_two_datasets(read):
    first, second = read(MARACOOS_2011.read_bytes(), "a"), read(MARACOOS_2012.read_bytes(), "b")
    assert first.file_identifier == second.file_identifier == "org.maracoos:avhrr.sst"
    assert first.title == second.title
    assert (RESOURCE, "org.maracoos|AVHRR.2011.7Agg") in first.keys
    assert same_dataset(first, second) is None
    # without the normalised model (fileIdentifier, title and time extent only) they stay apart too
    bare = (
        read(MARACOOS_2011.read_bytes(), "a", model=False),
        read(MARACOOS_2012.read_bytes(), "b", model=False),
    )
    assert not bare[0].keys and same_dataset(*bare) is None


def test_a_doi_makes_one_dataset_of_records_with_different_file_identifiers(read):
    text = LOUGH_FURNACE.read_text(encoding="utf-8")
    original, mirror = read(text, "a"), read(mirrored(text), "b")
    assert mirror.file_identifier == MIRROR_ID != original.file_identifier
    assert (DOI, LOUGH_FURNACE_DOI) in original.keys
    assert same_dataset(original, mirror) == DOI


def test_a_shared_resource_identifier_with_its_codespace_makes_one_dataset(read):
    text = LOUGH_FURNACE.read_text(encoding="utf-8").replace(LOUGH_FURNACE_DOI, "not-a-doi-any-more")
    original, mirror = read(text, "a"), read(mirrored(text), "b")
    assert not {kind for kind, _ in original.keys} & {DOI}
    assert (RESOURCE, "https://data.marine.ie/|ie.marine.data:dataset.2740") in original.keys
    assert same_dataset(original, mirror) == RESOURCE


def test_two_dois_are_two_datasets_whatever_else_they_share(read):
    text = LOUGH_FURNACE.read_text(encoding="utf-8")
    other = text.replace(LOUGH_FURNACE_DOI, "10.20393/another-version")
    assert same_dataset(read(text, "a"), read(other, "b")) is None


def test_the_same_file_identifier_with_agreeing_content_is_one_dataset(read):
    path = RECORDS / "iso19139" / "owslib__csw_geobretagne_mdmetadata.xml"
    one, two = read(path.read_bytes(), "a"), read(path.read_bytes(), "b")
    assert same_dataset(one, two) in ("fileIdentifier", DOI, RESOURCE)
    retitled = path.read_text(encoding="utf-8")
    retitled = re.sub(r"(<gmd:title>\s*<gco:CharacterString>)[^<]+", r"\1Another dataset", retitled, count=1)
    other = read(retitled, "b")
    assert other.file_identifier == one.file_identifier
    if not one.keys & other.keys:  # nothing else in common: a different title is a different dataset
        assert same_dataset(one, other) is None


def test_the_generic_identifier_codes_of_real_records_are_no_keys(read):
    text = LOUGH_FURNACE.read_text(encoding="utf-8")
    assert "https://schema.org" in text  # a JSON-LD document pasted in an identifier code
    assert not any(value.startswith("https://schema.org|") for _, value in read(text).keys)
    assert resource_key("AVHRR.2011.7Agg", "org.maracoos") == "org.maracoos|AVHRR.2011.7Agg"
    for code, namespace in (("1", "x"), ("dataset", "x"), ("Unknown", "x"), ("12345", None), ("AVHRR", "")):
        assert resource_key(code, namespace) is None, code
    for code in (
        "urn:ogc:def:crs:EPSG::4326",
        "https://data.marine.ie/dataset/2740",
        "58ea48ab-f052-48ab-9c18-4353e51b8bea",
    ):
        assert resource_key(code, None) == f"|{code}"


def test_the_served_member_has_the_best_precedence_then_the_source_name(read):
    text = LOUGH_FURNACE.read_text(encoding="utf-8")
    aggregator = read(text, "aggregator", precedence=40)
    publisher = read(mirrored(text), "seanoe", precedence=10)
    centre = read(text, "sextant", precedence=20)
    assert canonical([aggregator, publisher, centre]) is publisher
    tie = replace(centre, source="coriolis")
    assert canonical([centre, tie]) is tie
    assert canonical([replace(tie, source_id="b"), replace(tie, source_id="a")]).source_id == "a"


def test_titles_compare_without_case_accents_or_punctuation():
    assert normalised_title("Température  de surface — Golfe de Gascogne.") == normalised_title(
        "temperature de surface golfe de gascogne"
    )
    assert normalised_title("Salinity 2011") != normalised_title("Salinity 2012")


def test_files_are_the_registered_copies():
    listed = (DATA / "PROVENANCE.tsv").read_text(encoding="utf-8")
    for path in sorted(Path(DUPLICATES).glob("*.xml")):
        assert f"duplicates/{path.name}\t" in listed
