"""gather → fetch → normalise → store, for one source; the CLI and the scheduler both call this.

Each record keeps its provenance (source, source URL, source identifier, fetch time, HTTP
validators, SHA-256 of the raw payload, run) and the raw payload itself. An unchanged
record costs no write; a failed or partial listing deletes nothing; a run that would
delete too large a share of a source is held for an operator. Each record joins its
dataset (:mod:`odatis_csw.store.canonical`): the one of best precedence is served.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from odatis_csw.config import Settings
from odatis_csw.errors import OdatisError
from odatis_csw.harvest.base import GatherState, Outcome, RawRecord, RecordRef, RunStatus
from odatis_csw.harvest.errors import HarvestError
from odatis_csw.harvest.http import HttpClient, HttpSettings
from odatis_csw.harvest.registry import harvester_for
from odatis_csw.harvest.sources import Source, SourceRegistry, load_sources
from odatis_csw.store import ledger as ledger_tables
from odatis_csw.store.canonical import Datasets, derived_identifier
from odatis_csw.store.datasets import local_members
from odatis_csw.store.json_records import media_type_of, payload_rows
from odatis_csw.store.ledger import Ledger, Provenance
from odatis_csw.store.repository import CatalogueRepository, open_repository
from odatis_csw.store.sameness import LOCAL, LOCAL_PRECEDENCE, facts_of
from odatis_csw.store.writes import Outcome as StoreOutcome

LOGGER = logging.getLogger(__name__)
BATCH = 50
#: A full listing (which alone can reveal deletions) at least this often, even for incremental sources.
FULL_LISTING_EVERY = timedelta(days=7)


@dataclass
class RunReport:
    """What one run of one source did."""

    source: str
    run_id: int | None
    status: RunStatus | str
    counts: Counter[str] = field(default_factory=Counter)
    message: str | None = None


@dataclass(frozen=True)
class Fetch:
    ref: RecordRef
    raw: RawRecord | None = None
    error: HarvestError | None = None


class SourceRun:
    """One run of one source; ``run()`` is the only entry point."""

    def __init__(
        self,
        settings: Settings,
        registry: SourceRegistry,
        source: Source,
        full: bool,
        allow_deletions: bool,
        on_record: Callable[[Outcome], None] | None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.allow_deletions = allow_deletions
        self.harvest = registry.settings
        self.source = source
        self.force_full = full
        self.on_record = on_record
        self.ledger = Ledger(settings.database)
        self.counts: Counter[str] = Counter()
        #: records served under a derived identifier because another dataset holds theirs
        self.collisions: list[str] = []

    def run(self) -> RunReport:
        if not self.ledger.acquire(self.source.name):
            self.ledger.close()
            return RunReport(
                self.source.name, None, "locked", message="another run of this source is in progress"
            )
        try:
            return self._run()
        finally:
            self.ledger.release(self.source.name)
            self.ledger.close()

    def _run(self) -> RunReport:
        stored = self.ledger.state(self.source.name)
        http = HttpClient(
            HttpSettings(
                timeout=self.harvest.timeout,
                retries=self.harvest.retries,
                max_bytes=self.harvest.max_payload_bytes,
            )
        )
        harvester = harvester_for(self.source, http)
        resuming = bool(stored["checkpoint"]) and stored["cycle_run_id"] is not None
        last_full = stored["last_full_listing"]
        full = (
            self.force_full
            or not getattr(harvester, "incremental", False)
            or stored["watermark"] is None
            or last_full is None
            or ledger_tables.now() - last_full > FULL_LISTING_EVERY
        )
        self.provenance = self.ledger.provenance(self.source.name)
        state = GatherState(
            watermark=None if full else stored["watermark"],
            checkpoint=dict(stored["checkpoint"]) if resuming else {},
            validators={key: dict(p.validators) for key, p in self.provenance.items() if not p.deleted},
        )
        run_id = self.ledger.start_run(self.source.name, full)
        self.run_id = run_id
        cycle = stored["cycle_run_id"] if resuming else run_id
        if not resuming:
            self.ledger.forget_cycles(self.source.name)
        self.ledger.save_state(self.source.name, cycle_run_id=cycle)
        started = ledger_tables.now()
        self.repository = open_repository(self.settings.database, self.settings.table)
        self.datasets = Datasets(self.repository, run_id)
        self.datasets.reprioritise(declared_precedence(self.registry))
        try:
            self._harvest(harvester, state, cycle)
        except HarvestError as err:
            status = RunStatus.PARTIAL if sum(self.counts.values()) else RunStatus.FAILED
            message = f"{err.code}: {err.message} (nothing deleted; the next run resumes from the checkpoint)"
            self.ledger.end_run(run_id, status.value, self._counts(), message)
            LOGGER.warning("harvest of %s %s: %s", self.source.name, status.value, message)
            return RunReport(self.source.name, run_id, status, self.counts, message)
        status, message = RunStatus.SUCCESS, None
        if full and state.complete:
            status, message = self._delete_missing(cycle)
        if message is None and self.collisions:
            message = collision_message(self.collisions)
        self.ledger.save_state(
            self.source.name,
            watermark=started,
            checkpoint={},
            cycle_run_id=None,
            held=status is RunStatus.HELD,
            **({"last_full_listing": started} if full and state.complete else {}),
        )
        self.ledger.forget_cycles(self.source.name)
        self.ledger.end_run(run_id, status.value, self._counts(), message)
        return RunReport(self.source.name, run_id, status, self.counts, message)

    def _counts(self) -> dict[str, int]:
        return {outcome.value: self.counts[outcome.value] for outcome in Outcome}

    def _harvest(self, harvester: Any, state: GatherState, cycle: int) -> None:
        refs = harvester.gather(state)
        with ThreadPoolExecutor(max_workers=self.harvest.parallel_fetches) as pool:
            for batch in _batches(refs, BATCH):
                for fetched in pool.map(lambda ref: _fetch(harvester, ref), batch):
                    self._count(self._process(fetched))
                self.ledger.mark_seen(self.source.name, cycle, [ref.identifier for ref in batch])
                self.ledger.save_state(self.source.name, checkpoint=state.checkpoint)

    def _count(self, outcome: Outcome) -> None:
        self.counts[outcome.value] += 1
        if self.on_record is not None:
            self.on_record(outcome)

    def _process(self, fetched: Fetch) -> Outcome:
        ref = fetched.ref
        prior = self.provenance.get(ref.identifier)
        if ref.deleted:
            return self._tombstone(ref.identifier, prior)
        if fetched.error is not None:
            return self._reject(ref.identifier, fetched.error.code, fetched.error.message, ref.url)
        raw = fetched.raw
        assert raw is not None
        if raw.not_modified and prior is not None and not prior.deleted:
            return Outcome.UNCHANGED
        digest = hashlib.sha256(raw.payload).hexdigest()
        validators = {**ref.validators, **raw.validators}
        if prior is not None and not prior.deleted and prior.sha256 == digest:
            if validators != prior.validators:
                self.ledger.update_validators(self.source.name, ref.identifier, validators)
            return Outcome.UNCHANGED
        try:
            fallback = fallback_identifier(self.source.name, ref.identifier)
            rows = payload_rows(self.repository, raw.payload, ref.identifier, fallback)
        except OdatisError as err:
            return self._reject(ref.identifier, "unreadable", err.user_msg, ref.url)
        if len(rows) != 1:
            return self._reject(
                ref.identifier, "not-one-record", f"{len(rows)} records in one payload", ref.url
            )
        row, assessment = rows[0]
        self.ledger.archive(digest, raw.payload, media_type_of(raw.payload, raw.media_type))
        facts = facts_of(self.source.name, ref.identifier, row, assessment.record, self.source.precedence)
        try:
            absorbed = self.datasets.absorb(
                facts,
                (row, assessment),
                digest,
                source_url=raw.url or ref.url,
                source_title=self.source.title,
                centre=self.source.centre.name,
            )
        except Exception as err:  # noqa: BLE001 - a database refusal is reported, the run goes on
            return self._reject(ref.identifier, "not-stored", f"{type(err).__name__}: {err}", ref.url)
        if absorbed.collision is not None:
            self.collisions.append(f"{ref.identifier} as {absorbed.member.record_id}")
        served_id = absorbed.served_id or absorbed.member.record_id
        self.ledger.record_provenance(
            {
                "source": self.source.name,
                "source_id": ref.identifier,
                "record_id": served_id,
                "source_url": raw.url or ref.url,
                "fetched_at": ledger_tables.iso(ledger_tables.now()),
                "validators": json.dumps(validators),
                "sha256": digest,
                "run_id": self.run_id,
                "deleted": False,
                "deleted_at": None,
                "deleted_run_id": None,
            }
        )
        self.provenance[ref.identifier] = Provenance(
            self.source.name, ref.identifier, served_id, digest, validators, False
        )
        if prior is None or prior.deleted:
            return Outcome.NEW
        return Outcome.UNCHANGED if absorbed.stored is StoreOutcome.UNCHANGED else Outcome.UPDATED

    def _reject(self, source_id: str | None, code: str, reason: str, location: str | None) -> Outcome:
        self.ledger.reject(self.run_id, self.source.name, source_id, code, reason, location)
        return Outcome.REJECTED

    def _tombstone(self, source_id: str, prior: Provenance | None) -> Outcome:
        """Keep the record's provenance and payload, flagged deleted; hide it from search."""
        if prior is None or prior.deleted:
            return Outcome.UNCHANGED
        self.ledger.mark_deleted(self.source.name, source_id, self.run_id)
        self.provenance[source_id] = Provenance(
            prior.source, prior.source_id, prior.record_id, prior.sha256, prior.validators, True
        )
        if self.datasets.withdraw(self.source.name, source_id):
            return Outcome.DELETED
        # a record stored before datasets were kept: deleted unless another source publishes it
        if prior.record_id and not self._published_elsewhere(prior.record_id):
            self.repository.delete({"where": "identifier = :pvalue0", "values": [prior.record_id]})
        return Outcome.DELETED

    def _published_elsewhere(self, record_id: str) -> bool:
        return bool(self.ledger.live_sources_of(record_id) - {self.source.name})

    def _delete_missing(self, cycle: int) -> tuple[RunStatus, str | None]:
        seen = self.ledger.seen_ids(self.source.name, cycle)
        live = [key for key, entry in self.provenance.items() if not entry.deleted]
        missing = [key for key in live if key not in seen]
        if not missing:
            return RunStatus.SUCCESS, None
        share = len(missing) / len(live)
        if share > self.harvest.max_delete_share and not self.allow_deletions:
            allowed = f"{self.harvest.max_delete_share:.0%}"
            return RunStatus.HELD, (
                f"held: {len(missing)} of {len(live)} records ({share:.0%}) are gone from the source, more "
                f"than the {allowed} allowed; nothing was deleted. Check the source, then run "
                f"`odatis-csw harvest run {self.source.name} --allow-deletions` to apply them."
            )
        for key in missing:
            self._count(self._tombstone(key, self.provenance[key]))
        return RunStatus.SUCCESS, None


def fallback_identifier(source: str, source_id: str) -> str:
    """A stable identifier for a record whose document names none (or names another dataset's)."""
    return derived_identifier(source, source_id)


def declared_precedence(registry: SourceRegistry) -> dict[str, int]:
    """The precedence of every declared source, and of ``local`` (files loaded by hand)."""
    return {LOCAL: LOCAL_PRECEDENCE, **{name: source.precedence for name, source in registry.sources.items()}}


def collision_message(collisions: list[str], shown: int = 5) -> str:
    more = f" and {len(collisions) - shown} more" if len(collisions) > shown else ""
    return (
        f"{len(collisions)} records served under a derived identifier: their fileIdentifier belongs to a "
        f"different dataset ({'; '.join(collisions[:shown])}{more}; `odatis-csw quality ID` says which)"
    )


def _fetch(harvester: Any, ref: RecordRef) -> Fetch:
    if ref.deleted:
        return Fetch(ref)
    try:
        return Fetch(ref, raw=harvester.fetch(ref))
    except HarvestError as err:
        return Fetch(ref, error=err)


def _batches(refs: Iterator[RecordRef], size: int) -> Iterator[list[RecordRef]]:
    while True:
        batch = list(islice(refs, size))
        if not batch:
            return
        yield batch


def run_source(
    settings: Settings,
    registry: SourceRegistry,
    source: Source,
    *,
    full: bool = False,
    allow_deletions: bool = False,
    on_record: Callable[[Outcome], None] | None = None,
) -> RunReport:
    """Harvest one source: the single code path of ``harvest run`` and ``harvest schedule``."""
    return SourceRun(settings, registry, source, full or allow_deletions, allow_deletions, on_record).run()


def reimport(settings: Settings) -> Counter[str]:
    """Rebuild the catalogue rows of every live harvested (and loaded) record from the archive, offline."""
    ledger = Ledger(settings.database)
    repository: CatalogueRepository = open_repository(settings.database, settings.table)
    registry = load_sources(settings.sources_path)
    keeper = Datasets(repository)
    keeper.reprioritise(declared_precedence(registry))
    counts: Counter[str] = Counter()
    try:
        for entry in [*ledger.live_records(), *local_members(repository.engine)]:
            payload = ledger.payload(entry["sha256"])
            if payload is None:
                counts["missing-payload"] += 1
                continue
            known = registry.sources.get(entry["source"])
            try:
                fallback = fallback_identifier(entry["source"], entry["source_id"])
                row, assessment = payload_rows(repository, payload, entry["source_id"], fallback)[0]
            except (OdatisError, IndexError):
                counts["rejected"] += 1
                continue
            precedence = known.precedence if known else entry.get("precedence", LOCAL_PRECEDENCE)
            absorbed = keeper.absorb(
                facts_of(entry["source"], entry["source_id"], row, assessment.record, precedence),
                (row, assessment),
                entry["sha256"],
                source_url=entry.get("source_url"),
                source_title=known.title if known else None,
                centre=known.centre.name if known else "local files",
            )
            counts[absorbed.stored.value if absorbed.stored else "behind another publisher"] += 1
    finally:
        ledger.close()
    return counts
