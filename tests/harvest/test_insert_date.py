"""``insert_date`` (the OAI-PMH datestamp of a record) is UTC, whatever the server's time zone."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from odatis_csw.engine.oai_records import datestamp
from tests.conftest import RECORDS

LOAD = """
import sys, time
from pathlib import Path
from odatis_csw.store.loader import load_file
from odatis_csw.store.repository import open_repository, setup_repository

setup_repository(sys.argv[1], "records")
[result] = load_file(open_repository(sys.argv[1], "records"), Path(sys.argv[2]), 20 * 1024 * 1024)
print(time.strftime("%z"), result.outcome.value, result.identifier)
"""


def test_insert_date_is_utc_on_a_server_far_from_utc(tmp_path):
    database = f"sqlite:///{tmp_path / 'auckland.db'}"
    record = RECORDS / "iso19139" / "pycsw-apiso__3e9a8c05.xml"
    environment = {**os.environ, "TZ": "Pacific/Auckland"}
    done = subprocess.run(
        [sys.executable, "-c", LOAD, database, str(record)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    offset, outcome, identifier = done.stdout.split()
    assert offset in ("+1200", "+1300")  # the loader did run 12 or 13 hours ahead of UTC
    assert outcome == "loaded"
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            [(stored,)] = connection.execute(
                text("SELECT insert_date FROM records WHERE identifier = :id"), {"id": identifier}
            )
    finally:
        engine.dispose()
    assert stored.endswith("Z") and datestamp(stored) == stored
    moment = datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
