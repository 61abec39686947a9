"""One served record per dataset: members join datasets, the best ranked one is served.

The single place that changes which record of a dataset is served. A member arrives
(:meth:`Datasets.absorb`), leaves (:meth:`Datasets.withdraw`) or its source's precedence
changes (:meth:`Datasets.reprioritise`); the dataset is then *settled*: its best ranked member
is served under its own identifier, read again from its archived source document when it is
not the record at hand (no network), and an identifier no longer served leaves a tombstone
for OAI-PMH harvesters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from odatis_csw.errors import OdatisError
from odatis_csw.quality import Problem
from odatis_csw.store import datasets, identities, ledger
from odatis_csw.store.datasets import Member
from odatis_csw.store.json_records import payload_rows
from odatis_csw.store.records import Assessment
from odatis_csw.store.repository import CatalogueRepository
from odatis_csw.store.sameness import STRENGTH, Facts, different_dois, same_dataset
from odatis_csw.store.writes import Outcome, store_row, unstore_row

LOGGER = logging.getLogger(__name__)
#: Marks the ``harvest_records.source_id`` of the tombstone of an identifier another member's
#: took over (kept under the retired member's source, so OAI-PMH sets still place it).
SUPERSEDED = "(superseded)"
Pair = tuple[Any, Assessment]


def derived_identifier(source: str, source_id: str) -> str:
    """The identifier of a record whose own is missing or taken by another dataset."""
    return f"urn:odatis:{source}:{source_id}"


@dataclass(frozen=True)
class Absorbed:
    """Where a member went: the identifier its dataset is served under, and what was written."""

    member: Member
    served_id: str | None
    stored: Outcome | None  #: the write of this member's row; None when another member is served
    collision: Member | None  #: the member of another dataset holding this member's fileIdentifier


class Datasets:
    """Dataset membership and the served record of each dataset, in one catalogue database."""

    def __init__(self, repository: CatalogueRepository, run_id: int | None = None) -> None:
        self.repository = repository
        self.engine = repository.engine
        self.run_id = run_id

    # --- changes ---------------------------------------------------------------------------------

    def absorb(self, facts: Facts, pair: Pair, sha256: str, **about: str | None) -> Absorbed:
        """Place one published record (``pair``: its row and assessment) in its dataset and settle it.

        ``about`` gives ``source_url``, ``source_title`` and ``centre``, shown as its publisher.
        """
        with self.engine.begin() as connection:
            previous = datasets.member(connection, facts.source, facts.source_id)
            dataset = self._dataset_for(connection, facts, previous)
            record_id, collision = self._identifier_for(connection, facts, dataset, previous)
            stays = previous is not None and previous.dataset == dataset
            before = {dataset: self._served(connection, dataset)}
            if previous is not None and not stays:
                before[previous.dataset] = self._served(connection, previous.dataset)
            member = Member(
                facts,
                dataset,
                record_id,
                sha256,
                derived=collision is not None,
                canonical=stays and previous is not None and previous.canonical,
                **about,
            )
            datasets.put(connection, member)
        if collision is not None:
            pair = (pair[0], _with_collision_warning(pair[1], facts, collision, record_id))
        written: dict[tuple[str, str], Outcome] = {}
        for each in sorted(before, key=lambda d: d == dataset):  # the dataset left first
            self._settle(each, before[each], {member.key: pair}, written)
        with self.engine.connect() as connection:
            served = self._served(connection, dataset)
        return Absorbed(member, served.record_id if served else None, written.get(member.key), collision)

    def withdraw(self, source: str, source_id: str) -> bool:
        """A member deleted at its source: the next member is served; False when it is not known."""
        with self.engine.begin() as connection:
            gone = datasets.member(connection, source, source_id)
            if gone is None:
                return False
            before = self._served(connection, gone.dataset)
            datasets.remove(connection, source, source_id)
        self._settle(gone.dataset, before, {}, {})
        return True

    def reprioritise(self, declared: dict[str, int]) -> int:
        """Apply the declared precedence of each source; return how many datasets were settled again."""
        with self.engine.begin() as connection:
            changed = datasets.with_precedence(connection, declared)
            before = {dataset: self._served(connection, dataset) for dataset in changed}
        for dataset in sorted(changed):
            self._settle(dataset, before[dataset], {}, {})
        return len(changed)

    # --- membership ------------------------------------------------------------------------------

    def _dataset_for(self, connection: Any, facts: Facts, previous: Member | None) -> str:
        """The dataset ``facts`` belongs to: the strongest match, else its own (kept when alone)."""
        groups: dict[str, list[Member]] = {}
        best: tuple[int, tuple[int, str, str], str] | None = None
        for candidate in datasets.candidates(connection, facts):
            reason = same_dataset(facts, candidate.facts)
            if reason is None:
                continue
            group = groups.setdefault(candidate.dataset, datasets.members_of(connection, candidate.dataset))
            others = [m for m in group if m.key != (facts.source, facts.source_id)]
            if not others or any(different_dois(facts, m.facts) for m in others):
                continue
            score = (STRENGTH[reason], others[0].facts.rank, candidate.dataset)
            best = score if best is None or score < best else best
        if best is not None:
            return best[2]
        if previous is not None:
            alone = all(m.key == previous.key for m in datasets.members_of(connection, previous.dataset))
            if alone:
                return previous.dataset
        return datasets.new_dataset_id()

    def _identifier_for(
        self, connection: Any, facts: Facts, dataset: str, previous: Member | None
    ) -> tuple[str, Member | None]:
        """The member's own identifier, or a derived one when another dataset holds its fileIdentifier."""
        holders = [
            m
            for m in datasets.holders_of(connection, facts.file_identifier)
            if m.dataset != dataset and m.key != (facts.source, facts.source_id)
        ]
        if not holders:
            return facts.file_identifier, None
        return derived_identifier(facts.source, facts.source_id), holders[0]

    @staticmethod
    def _served(connection: Any, dataset: str) -> Member | None:
        return next((m for m in datasets.members_of(connection, dataset) if m.canonical), None)

    # --- serving ---------------------------------------------------------------------------------

    def _settle(
        self,
        dataset: str,
        before: Member | None,
        at_hand: dict[tuple[str, str], Pair],
        written: dict[tuple[str, str], Outcome],
    ) -> None:
        """Serve the best ranked member of ``dataset`` that can be read; retire what it replaces."""
        with self.engine.connect() as connection:
            group = datasets.members_of(connection, dataset)
        chosen, pair = None, None
        for candidate in group:
            unchanged = (
                before is not None
                and candidate.key == before.key
                and candidate.record_id == before.record_id
                and candidate.key not in at_hand
            )
            if unchanged:
                chosen = candidate
                break
            pair = at_hand.get(candidate.key) or self._reread(candidate)
            if pair is not None:
                chosen = candidate
                break
        if chosen is not None and pair is not None:
            row, assessment = pair
            row.identifier = chosen.record_id
            written[chosen.key] = store_row(self.repository, row, chosen.facts.source)
            ledger.save_quality(self.engine, chosen.record_id, chosen.facts.source, self.run_id, assessment)
        with self.engine.begin() as connection:
            datasets.mark_canonical(connection, dataset, chosen)
            if chosen is not None:
                identities.replace(connection, chosen.record_id, chosen.facts.keys)
                _point_provenance(connection, group, chosen.record_id)
        if before is not None and (chosen is None or chosen.record_id != before.record_id):
            self._retire(before, superseded=chosen is not None)

    def _reread(self, member: Member) -> Pair | None:
        """A member's row, read again from its archived source document (None if unreadable)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(ledger.payloads.c.payload).where(ledger.payloads.c.sha256 == member.sha256)
            ).first()
        if found is None:
            LOGGER.warning("no archived payload for %s %s", *member.key)
            return None
        try:
            row, assessment = payload_rows(
                self.repository, bytes(found[0]), member.facts.source_id, member.facts.file_identifier
            )[0]
        except (OdatisError, IndexError) as err:
            LOGGER.warning("archived payload of %s %s unreadable: %s", *member.key, err)
            return None
        if member.derived:
            holder = Member(member.facts, "", member.facts.file_identifier, "")
            assessment = _with_collision_warning(assessment, member.facts, holder, member.record_id)
        return row, assessment

    def _retire(self, before: Member, superseded: bool) -> None:
        """Stop serving an identifier no member is served under any more; leave its tombstone."""
        with self.engine.begin() as connection:
            if any(m.canonical for m in datasets.holders_of(connection, before.record_id)):
                return
            identities.forget(connection, before.record_id)
            connection.execute(delete(ledger.quality).where(ledger.quality.c.record_id == before.record_id))
            if superseded:
                _tombstone(connection, before, self.run_id)
        unstore_row(self.repository, before.record_id)


def _point_provenance(connection: Any, group: list[Member], record_id: str) -> None:
    """Every live provenance row of the dataset's members names the identifier it is served under."""
    rows = ledger.records
    for each in group:
        connection.execute(
            update(rows)
            .where(
                and_(
                    rows.c.source == each.facts.source,
                    rows.c.source_id == each.facts.source_id,
                    rows.c.deleted.is_(False),
                    rows.c.record_id != record_id,
                )
            )
            .values(record_id=record_id)
        )


def _tombstone(connection: Any, before: Member, run_id: int | None) -> None:
    """A deleted provenance row for an identifier replaced by another member's (read by OAI-PMH)."""
    rows = ledger.records
    moment = ledger.iso(ledger.now())
    source_id = f"{SUPERSEDED} {before.record_id}"
    key = and_(rows.c.source == before.facts.source, rows.c.source_id == source_id)
    connection.execute(delete(rows).where(key))
    connection.execute(
        insert(rows).values(
            source=before.facts.source,
            source_id=source_id,
            record_id=before.record_id,
            source_url=before.source_url,
            fetched_at=moment,
            sha256=before.sha256,
            run_id=run_id or 0,
            deleted=True,
            deleted_at=moment,
            deleted_run_id=run_id,
        )
    )


def _with_collision_warning(
    assessment: Assessment, facts: Facts, holder: Member, served_as: str
) -> Assessment:
    """The assessment with a warning saying the fileIdentifier belongs to another dataset."""
    where = f"{holder.facts.source} {holder.facts.source_id}" if holder.sha256 else "another record"
    warning = Problem(
        "warning",
        "/*/gmd:fileIdentifier",
        f"fileIdentifier {facts.file_identifier!r} is used by a different dataset ({where}); "
        f"served as {served_as}",
    )
    quality = replace(assessment.quality, problems=(*assessment.quality.problems, warning))
    return replace(assessment, quality=quality)
