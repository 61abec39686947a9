"""Every ISO 19139 / 19115-2 / 19115-3 record of the shared corpus reads, and loses no key field.

"The source has field X" is the fidelity report's detection (``mappings/fidelity.yaml``); a
field the source has must be found by the reader, unless the source's value is unusable (a box
whose bounds are placeholders such as ``STATION_LONGITUDE``). Skipped without /work/shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from odatis_csw.errors import UnsupportedRecordError
from odatis_csw.model.readers import read_record
from tests.conftest import SHARED
from tests.model.corpus_check import READ, Tally, check, iso_items

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not available")


@pytest.fixture(scope="module")
def tally() -> Tally:
    return check(CORPUS)


def _numeric_box(element: etree._Element) -> bool:
    """Whether any geographic bounding box of the record has four numeric bounds."""
    for box in element.iter("{*}EX_GeographicBoundingBox"):
        try:
            [float("".join(bound.itertext())) for bound in box if isinstance(bound.tag, str)]
        except ValueError:
            continue
        return True
    return False


def test_the_corpus_holds_every_iso_dialect(tally: Tally) -> None:
    assert tally.records["iso19139"] > 150
    assert tally.records["iso19115-2"] > 50
    assert tally.records["iso19115-3"] > 50


def test_every_record_reads_or_has_no_identification(tally: Tally) -> None:
    """UnsupportedRecordError only for a record without identificationInfo (the loader refuses it too)."""
    unexpected = [error for error in tally.errors if "without identificationInfo" not in error]
    assert unexpected == []
    for file, _, element in iso_items(CORPUS):
        if any(error.startswith(f"{file}: ") for error in tally.errors):
            assert element.find("{*}identificationInfo/*") is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(READ))
def test_no_key_field_is_lost(tally: Tally, name: str) -> None:
    missed = tally.missed.get(name, [])
    if name == "bbox":
        elements = {file: element for file, _, element in iso_items(CORPUS)}
        missed = [file for file in missed if _numeric_box(elements[file])]  # type: ignore[arg-type]
    assert missed == [], f"{name}: in {tally.source[name]} sources, read in {tally.found[name]}"
    assert tally.source[name] > 0


#: Structures beyond the key fields: an XPath saying the source has one, and the reader's view.
STRUCTURES = {
    "polygon": (
        "//*[local-name()='EX_BoundingPolygon']//*[local-name()='exterior']//*"
        "[local-name()='posList' or local-name()='pos'][normalize-space()][not(contains(., 'NaN'))]",
        lambda r: any(extent.polygons for extent in r.extents),
    ),
    "vertical": (
        "//*[local-name()='EX_VerticalExtent']/*[local-name()='minimumValue' or local-name()='maximumValue']"
        "/*[number(.) = number(.)]",
        lambda r: any(extent.vertical for extent in r.extents),
    ),
    "platform": (
        "/*/*[local-name()='acquisitionInformation']//*[local-name()='MI_Platform']",
        lambda r: bool(r.platforms),
    ),
    "translation": (
        "/*/*[local-name()='identificationInfo']/*/*[local-name()='citation']/*/*[local-name()='title']"
        "//*[local-name()='LocalisedCharacterString'][normalize-space()]",
        lambda r: bool(r.title.translations),
    ),
    "open end": (
        "//*[local-name()='endPosition'][@indeterminatePosition='now']",
        lambda r: any(t.end_indeterminate == "now" for t in r.temporal_extents),
    ),
}


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_structures_are_read(name: str) -> None:
    path, found = STRUCTURES[name]
    sources, missed = 0, []
    for file, _, element in iso_items(CORPUS):
        if element.xpath(path):  # type: ignore[attr-defined]
            sources += 1
            try:
                record = read_record(element)  # type: ignore[arg-type]
            except UnsupportedRecordError:
                continue
            if not found(record):
                missed.append(file)
    assert sources > 0
    assert missed == [], f"{name}: {len(missed)} of {sources} sources"


def test_counts_are_reported(tally: Tally, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nISO records read: {dict(tally.records)}; refused: {len(tally.errors)}")
        for name in sorted(READ):
            print(f"  {name:<10} source {tally.source[name]:>4}  read {tally.found[name]:>4}")
    assert sum(tally.records.values()) == sum(1 for _ in iso_items(Path(CORPUS)))
