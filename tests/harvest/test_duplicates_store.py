"""Datasets in the store: what is served when members arrive, leave or change precedence (real records)."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import select, text

from odatis_csw.safexml import parse_bytes
from odatis_csw.store import datasets, identities, ledger
from odatis_csw.store.canonical import Datasets
from odatis_csw.store.loader import assessed_rows_of
from odatis_csw.store.repository import open_repository, setup_repository
from odatis_csw.store.sameness import facts_of
from tests.harvest.test_duplicates_rules import (
    LOUGH_FURNACE,
    LOUGH_FURNACE_DOI,
    MARACOOS_2011,
    MARACOOS_2012,
    MIRROR_ID,
    mirrored,
)

ORIGINAL_ID = "ie.marine.data:dataset.2740"


class Store:
    """A fresh catalogue database and the dataset keeper on it."""

    def __init__(self, database: str) -> None:
        setup_repository(database, "records")
        self.repository = open_repository(database, "records")
        self.engine = self.repository.engine

    def publish(self, source: str, source_id: str, document: bytes, precedence: int = 100) -> object:
        """What the pipeline does with one fetched record: archive it, then place it in its dataset."""
        digest = hashlib.sha256(document).hexdigest()
        datasets.archive_payload(self.engine, digest, document, "application/xml")
        pair = assessed_rows_of(self.repository, parse_bytes(document))[0]
        facts = facts_of(source, source_id, pair[0], pair[1].record, precedence)
        url = f"http://{source}.example/{source_id}"
        return Datasets(self.repository, run_id=1).absorb(
            facts, pair, digest, source_url=url, source_title=f"{source} catalogue", centre="Ifremer"
        )

    def served(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT identifier, mdsource FROM records ORDER BY identifier"))
            return {row[0]: row[1] for row in rows}

    def insert_date(self, identifier: str) -> str:
        return str(self.repository.query_ids([identifier])[0].insert_date)


@pytest.fixture
def store(databases):
    return Store(databases.new(f"dup{uuid.uuid4().hex[:6]}"))


def lough_furnace() -> tuple[bytes, bytes]:
    original = LOUGH_FURNACE.read_text(encoding="utf-8")
    return original.encode("utf-8"), mirrored(original).encode("utf-8")


def test_maracoos_across_two_sources_is_served_twice_the_later_under_a_derived_identifier(store):
    store.publish("a", "org.maracoos:avhrr.sst", MARACOOS_2011.read_bytes())
    placed = store.publish("b", "org.maracoos:avhrr.sst", MARACOOS_2012.read_bytes())
    derived = "urn:odatis:b:org.maracoos:avhrr.sst"
    assert store.served() == {"org.maracoos:avhrr.sst": "a", derived: "b"}
    assert placed.collision is not None and placed.collision.facts.source == "a"
    [problems] = [row["problems"] for row in ledger.quality_rows(store.engine, derived)]
    warnings = [
        p for p in json.loads(problems)["problems"] if "is used by a different dataset" in p["message"]
    ]
    assert (
        warnings
        and warnings[0]["severity"] == "warning"
        and "a org.maracoos:avhrr.sst" in warnings[0]["message"]
    )
    assert not [
        p
        for p in json.loads(ledger.quality_rows(store.engine, "org.maracoos:avhrr.sst")[0]["problems"])[
            "problems"
        ]
        if "different dataset" in p["message"]
    ]


def test_maracoos_within_one_source_keeps_its_identifiers_from_run_to_run(store):
    for _ in range(2):
        store.publish("waf", "AVHRR.2011.7Agg.xml", MARACOOS_2011.read_bytes())
        store.publish("waf", "AVHRR.2012.7Agg.xml", MARACOOS_2012.read_bytes())
        assert set(store.served()) == {"org.maracoos:avhrr.sst", "urn:odatis:waf:AVHRR.2012.7Agg.xml"}


def test_a_better_precedence_takes_over_and_the_replaced_identifier_leaves_a_tombstone(store):
    original, mirror = lough_furnace()
    store.publish("sextant", "2740", original, precedence=20)
    placed = store.publish("seanoe", "mirror-2740", mirror, precedence=10)
    assert placed.served_id == MIRROR_ID and placed.stored is not None
    assert store.served() == {MIRROR_ID: "seanoe"}
    assert identities.records_by_key(store.engine, identities.DOI, LOUGH_FURNACE_DOI) == [MIRROR_ID]
    with store.engine.connect() as connection:
        tombstones = connection.execute(
            select(ledger.records.c.record_id, ledger.records.c.source).where(
                ledger.records.c.deleted.is_(True)
            )
        ).all()
    assert [tuple(row) for row in tombstones] == [(ORIGINAL_ID, "sextant")]
    members = datasets.publishers(store.engine, [MIRROR_ID])[MIRROR_ID]
    assert [(m.facts.source, m.canonical) for m in members] == [("seanoe", True), ("sextant", False)]


def test_a_lower_precedence_publisher_changes_nothing_served_but_the_publisher_list(store):
    original, mirror = lough_furnace()
    store.publish("sextant", "2740", original, precedence=20)
    before = (store.served(), store.insert_date(ORIGINAL_ID))
    placed = store.publish("aggregator", "mirror-2740", mirror, precedence=40)
    assert placed.stored is None and placed.served_id == ORIGINAL_ID
    assert (store.served(), store.insert_date(ORIGINAL_ID)) == before
    members = datasets.publishers(store.engine, [ORIGINAL_ID])[ORIGINAL_ID]
    assert [m.source_url for m in members] == [
        "http://sextant.example/2740",
        "http://aggregator.example/mirror-2740",
    ]


def test_the_next_member_is_promoted_from_the_archive_when_the_served_one_is_withdrawn(store):
    original, mirror = lough_furnace()
    store.publish("sextant", "2740", original, precedence=20)
    store.publish("seanoe", "mirror-2740", mirror, precedence=10)
    assert Datasets(store.repository).withdraw("seanoe", "mirror-2740")
    assert store.served() == {ORIGINAL_ID: "sextant"}
    [row] = store.repository.query_ids([ORIGINAL_ID])
    assert f"<gco:CharacterString>{ORIGINAL_ID}</gco:CharacterString>" in row.xml
    assert datasets.source_document(store.engine, ORIGINAL_ID) == (original, "application/xml")
    assert Datasets(store.repository).withdraw("sextant", "2740")
    assert store.served() == {}
    assert not Datasets(store.repository).withdraw("sextant", "2740")


def test_a_changed_precedence_changes_the_served_member(store):
    original, mirror = lough_furnace()
    store.publish("sextant", "2740", original, precedence=20)
    store.publish("aggregator", "mirror-2740", mirror, precedence=40)
    assert Datasets(store.repository).reprioritise({"aggregator": 5, "sextant": 20}) == 1
    assert store.served() == {MIRROR_ID: "aggregator"}
    assert Datasets(store.repository).reprioritise({"aggregator": 5, "sextant": 20}) == 0
