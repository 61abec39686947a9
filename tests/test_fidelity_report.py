"""The field fidelity report (benchmarks/corpus_fidelity.py) on tests/data/records, and its mapping."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "corpus_fidelity.py"
RECORDS = REPO / "tests" / "data" / "records"
MAPPING = REPO / "mappings" / "fidelity.yaml"
SCHEMA = REPO / "schemas" / "fidelity.schema.json"
FIELDS = ["title", "abstract", "identifier", "doi", "bbox", "temporal", "keywords", "links", "licence"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    data = json.loads(run("--no-corpus", "--json").stdout)
    (collection,) = data["collections"]
    assert collection["collection"] == "tests/data/records"
    return dict(collection)


def _record(report: dict[str, Any], file: str) -> dict[str, Any]:
    (record,) = [r for r in report["records"] if r["file"] == file]
    return dict(record)


# --------------------------------------------------------------------------- the mapping


def test_mapping_validates_against_its_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    raw = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(raw)
    assert list(raw["fields"]) == FIELDS
    assert raw["served"] in raw["dialects"]
    for spec in raw["dialects"].values():
        assert list(spec["fields"]) == FIELDS
        for paths in spec["fields"].values():
            for path in paths:
                etree.XPath(path, namespaces=spec["namespaces"])  # compiles with the dialect's prefixes


@pytest.mark.parametrize(
    "break_it",
    [
        lambda raw: raw["dialects"]["iso19139"]["fields"].pop("doi"),
        lambda raw: raw["dialects"]["datacite"]["fields"].update(title="/*/title"),
        lambda raw: raw["dialects"]["oai_dc"]["fields"].update(links=[]),
        lambda raw: raw["dialects"]["dublin-core"].pop("namespaces"),
        lambda raw: raw["fields"].update(author="author"),
    ],
    ids=["field-missing", "xpaths-not-a-list", "no-xpath", "no-namespaces", "unknown-field"],
)
def test_schema_refuses_a_broken_mapping(break_it: Any) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    raw = copy.deepcopy(yaml.safe_load(MAPPING.read_text(encoding="utf-8")))
    break_it(raw)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(raw)


# --------------------------------------------------------------------------- the report


def test_every_file_is_read(report: dict[str, Any]) -> None:
    files = sorted(p.relative_to(RECORDS).as_posix() for p in RECORDS.rglob("*.xml"))
    assert report["files"] == len(files)
    assert sorted({r["file"] for r in report["records"]}) == files


def test_every_record_is_served(report: dict[str, Any]) -> None:
    assert set(report["dialects"]) == {"ISO 19139", "ISO 19115-2", "ISO 19115-3", "Dublin Core (csw:Record)"}
    assert report["total"]["rejected"] == 0
    assert all(r["served"] and r["identifier"] for r in report["records"])


def test_counts_add_up(report: dict[str, Any]) -> None:
    dialects = report["dialects"]
    assert report["total"]["read"] == sum(d["read"] for d in dialects.values()) == len(report["records"])
    for data in [*dialects.values(), report["total"]]:
        assert data["read"] == data["served"] + data["rejected"]
        assert data["rejected"] == sum(data["reasons"].values())
        assert list(data["fields"]) == FIELDS
        for numbers in data["fields"].values():
            assert 0 <= numbers["served"] <= numbers["source"] <= data["read"]
            assert numbers["lost"] == numbers["source"] - numbers["served"]
            assert 0 <= numbers["lost_in_rejected"] <= numbers["lost"]
    for label, data in dialects.items():
        records = [r for r in report["records"] if r["dialect"] == label]
        assert len(records) == data["read"]
        for name in FIELDS:
            assert sum(name in r["source"] for r in records) == data["fields"][name]["source"]
            assert sum(name in r["kept"] for r in records) == data["fields"][name]["served"]
            assert sum(name in r["added"] for r in records) == data["fields"][name]["added"]
    for name in FIELDS:
        assert report["total"]["fields"][name]["source"] == sum(
            d["fields"][name]["source"] for d in dialects.values()
        )


def test_a_record_with_doi_box_and_time_keeps_them(report: dict[str, Any]) -> None:
    record = _record(report, "iso19115-2/ncei-onestop__COOPS__C1.xml")
    assert record["identifier"] == "gov.noaa.nodc:NDBC-COOPS"
    assert {"title", "abstract", "identifier", "doi", "bbox", "temporal", "keywords"} <= set(record["source"])
    assert {"doi", "bbox", "temporal"} <= set(record["kept"])
    assert report["dialects"]["ISO 19115-2"]["fields"]["doi"]["source"] >= 1
    assert report["dialects"]["ISO 19115-2"]["fields"]["doi"]["served"] >= 1


def test_records_inside_a_csw_response_are_measured(report: dict[str, Any]) -> None:
    files = [f for f in {r["file"] for r in report["records"]} if f.startswith("csw-responses/")]
    assert files
    for file in files:
        record = _record(report, file)
        assert record["served"] and {"title", "bbox"} <= set(record["kept"])


def test_iso19139_records_are_served_as_stored(report: dict[str, Any]) -> None:
    """A gmd:MD_Metadata is served as the stored document: no field may go missing."""
    for numbers in report["dialects"]["ISO 19139"]["fields"].values():
        assert numbers["served"] == numbers["source"]
        assert numbers["added"] == 0


def test_text_output_is_stable_and_a_missing_corpus_is_skipped(tmp_path: Path) -> None:
    missing = tmp_path / "no-corpus"
    first = run("--corpus", str(missing)).stdout
    second = run("--corpus", str(missing)).stdout
    assert first == second
    assert f"corpus {missing} not found: skipped" in first
    assert "== tests/data/records: " in first
    assert "TOTAL tests/data/records: " in first
