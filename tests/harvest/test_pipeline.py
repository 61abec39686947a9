"""The shared pipeline, end to end through the CLI, on a local directory source of real records."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import RECORDS
from tests.harvest.helpers import csw_ids, query, run_line, source, write_sources


def run_id_of(result) -> int:
    return int(run_line(result, "folder")["run"])


def csw_hits(catalogue) -> int:
    return len(csw_ids(catalogue))


@pytest.fixture
def source_folder(tmp_path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(RECORDS / "iso19139", folder)
    return folder


@pytest.fixture
def hub(make_catalogue, source_folder, request):
    catalogue = make_catalogue(f"hub{abs(hash(request.node.name)) % 10**6}")
    write_sources(catalogue, [source("folder", "local", str(source_folder))], retries=3, timeout=30)
    return catalogue


def test_first_run_stores_every_record_with_provenance(hub, source_folder):
    files = sorted(source_folder.glob("*.xml"))
    result = hub.cli("harvest", "run", "folder")
    assert f'"new": {len(files)}' in result.stderr
    assert csw_hits(hub) == len(files)
    rows = query(hub, "SELECT source, source_id, sha256, source_url, deleted FROM harvest_records")
    assert len(rows) == len(files)
    assert all(
        len(sha) == 64 and url.startswith("file://") and not deleted for _, _, sha, url, deleted in rows
    )
    payloads = query(hub, "SELECT COUNT(*) FROM harvest_payloads")[0][0]
    assert payloads == len(files)


def test_an_unchanged_source_costs_no_write(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    before = query(hub, "SELECT identifier, insert_date, xml FROM records ORDER BY identifier")
    provenance = query(hub, "SELECT source_id, fetched_at, run_id FROM harvest_records ORDER BY source_id")
    result = hub.cli("harvest", "run", "folder")
    assert f'"unchanged": {len(before)}' in result.stderr and '"new": 0' in result.stderr
    assert query(hub, "SELECT identifier, insert_date, xml FROM records ORDER BY identifier") == before
    assert (
        query(hub, "SELECT source_id, fetched_at, run_id FROM harvest_records ORDER BY source_id")
        == provenance
    )


def test_a_changed_record_is_updated_and_nothing_else_is_written(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    target = source_folder / "owslib__csw_geobretagne_mdmetadata.xml"
    others = query(
        hub, f"SELECT source_id, fetched_at FROM harvest_records WHERE source_id <> '{target.name}'"
    )
    target.write_text(
        target.read_text(encoding="utf-8").replace("</gmd:MD_Metadata>", "<!-- edited --></gmd:MD_Metadata>"),
        encoding="utf-8",
    )
    result = hub.cli("harvest", "run", "folder")
    assert '"updated": 1' in result.stderr and '"new": 0' in result.stderr
    assert (
        query(hub, f"SELECT source_id, fetched_at FROM harvest_records WHERE source_id <> '{target.name}'")
        == others
    )


def test_a_record_gone_from_its_source_becomes_a_tombstone(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    total = csw_hits(hub)
    gone = source_folder / "owslib__csw_geobretagne_mdmetadata.xml"
    record_id = query(hub, f"SELECT record_id FROM harvest_records WHERE source_id = '{gone.name}'")[0][0]
    gone.unlink()
    result = hub.cli("harvest", "run", "folder")
    assert '"deleted": 1' in result.stderr
    assert csw_hits(hub) == total - 1
    [(deleted, sha)] = query(
        hub, f"SELECT deleted, sha256 FROM harvest_records WHERE source_id = '{gone.name}'"
    )
    assert deleted
    assert query(hub, f"SELECT COUNT(*) FROM harvest_payloads WHERE sha256 = '{sha}'")[0][0] == 1
    assert not query(hub, f"SELECT identifier FROM records WHERE identifier = '{record_id}'")


def test_a_run_that_would_delete_too_much_is_held(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    total = csw_hits(hub)
    keep = sorted(source_folder.glob("*.xml"))[0]
    for path in source_folder.glob("*.xml"):
        if path != keep:
            path.unlink()
    result = hub.cli("harvest", "run", "folder", check=False)
    assert result.returncode == 1
    assert '"status": "held"' in result.stderr and "nothing was deleted" in result.stderr
    assert csw_hits(hub) == total
    applied = hub.cli("harvest", "run", "folder", "--allow-deletions")
    assert f'"deleted": {total - 1}' in applied.stderr
    assert csw_hits(hub) == 1


def test_a_vanished_source_deletes_nothing(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    total = csw_hits(hub)
    shutil.rmtree(source_folder)
    result = hub.cli("harvest", "run", "folder", check=False)
    assert result.returncode == 1
    assert '"status": "failed"' in result.stderr and "unreachable" in result.stderr
    assert csw_hits(hub) == total


def test_a_bad_record_is_reported_and_the_rest_is_stored(hub, source_folder):
    shutil.copy(
        Path(__file__).parents[1] / "data" / "bad" / "ckanspatial__gemini2.1__error_bad_xml.xml",
        source_folder,
    )
    result = hub.cli("harvest", "run", "folder", check=False)
    assert '"rejected": 1' in result.stderr
    report = hub.cli("harvest", "report", str(run_id_of(result))).stdout
    assert "rejected folder ckanspatial__gemini2.1__error_bad_xml.xml: [unreadable]" in report
    assert "not well-formed" in report
    assert csw_hits(hub) == len(list(source_folder.glob("*.xml"))) - 1


def test_status_lists_every_source_with_its_last_run(hub):
    hub.cli("harvest", "run", "folder")
    table = hub.cli("harvest", "status").stdout
    header, line = table.splitlines()[:2]
    assert header.split()[:3] == ["source", "protocol", "last"]
    assert line.split()[0:2] == ["folder", "local"] and "success" in line


def test_reimport_rebuilds_the_catalogue_offline(hub, source_folder):
    hub.cli("harvest", "run", "folder")
    before = query(hub, "SELECT identifier, title FROM records ORDER BY identifier")
    engine = create_engine(hub.database)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM records"))
    engine.dispose()
    shutil.rmtree(source_folder)  # no source any more: the archive is enough
    result = hub.cli("harvest", "reimport")
    assert f"{len(before)} loaded" in result.stdout
    assert query(hub, "SELECT identifier, title FROM records ORDER BY identifier") == before


def test_one_run_per_source_at_a_time(hub):
    engine = create_engine(hub.database)
    hub.cli("db", "setup")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO harvest_state (source, lock_owner, lock_expires, held) "
                "VALUES ('folder', 'elsewhere:1', '2999-01-01T00:00:00Z', false)"
            )
        )
    engine.dispose()
    result = hub.cli("harvest", "run", "folder", check=False)
    assert result.returncode == 1
    assert "another run of this source is in progress" in result.stderr


def test_quality_is_stored_shown_in_reports_and_queryable(hub, source_folder):
    result = hub.cli("harvest", "run", "folder")
    report = hub.cli("harvest", "report", str(run_id_of(result))).stdout
    assert re.search(
        r"quality of the \d+ ISO records stored: \d+ valid against the ISO 19139 schemas", report
    )
    rows = query(hub, "SELECT record_id, valid_xsd, completeness FROM record_quality")
    assert len(rows) == len(list(source_folder.glob("*.xml")))
    assert all(0 <= completeness <= 100 for _, _, completeness in rows)
    invalid = {record_id for record_id, valid, _ in rows if not valid}
    listed = hub.cli("quality", "--invalid").stdout
    assert {line.split(" [")[0] for line in listed.splitlines() if not line.startswith("  ")} == invalid
    one = hub.cli("quality", rows[0][0]).stdout
    assert one.startswith(f"{rows[0][0]} [folder]: ")


def test_a_repaired_record_is_served_repaired_with_its_trace(hub, source_folder):
    target = source_folder / "owslib__iso_keywords_anchor.xml"
    text = target.read_text(encoding="utf-8")
    south = re.search(r"<gmd:southBoundLatitude>\s*<gco:Decimal>([^<]+)<", text).group(1)
    north = re.search(r"<gmd:northBoundLatitude>\s*<gco:Decimal>([^<]+)<", text).group(1)
    swapped = re.sub(r"(<gmd:southBoundLatitude>\s*<gco:Decimal>)[^<]+", rf"\g<1>{north}", text)
    swapped = re.sub(r"(<gmd:northBoundLatitude>\s*<gco:Decimal>)[^<]+", rf"\g<1>{south}", swapped)
    target.write_text(swapped, encoding="utf-8")
    hub.cli("harvest", "run", "folder")
    [(record_id, repairs)] = query(
        hub,
        "SELECT record_id, repairs FROM record_quality WHERE repair_count > 0 AND record_id = "
        "(SELECT record_id FROM harvest_records WHERE source_id = 'owslib__iso_keywords_anchor.xml')",
    )
    assert "south" in repairs.lower()
    [(xml,)] = query(hub, "SELECT xml FROM records WHERE identifier = :id", id=record_id)
    served_south = re.search(r"<gmd:southBoundLatitude>\s*<gco:Decimal>([^<]+)<", xml).group(1)
    assert float(served_south) == float(south)
    archived = query(
        hub,
        "SELECT payload FROM harvest_payloads p JOIN harvest_records r ON r.sha256 = p.sha256 "
        "WHERE r.source_id = 'owslib__iso_keywords_anchor.xml'",
    )[0][0]
    assert bytes(archived) == swapped.encode("utf-8")  # the exact source document stays in the archive
