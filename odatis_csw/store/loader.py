"""Load metadata files into the repository: insert, update or reject, one result per record.

Loaded records belong to the source ``local`` (identifier at the source: the record's own
identifier, so loading a file again replaces the record of the same identifier). Each joins
its dataset like a harvested record and its source document is archived for GetRepositoryItem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from odatis_csw.errors import OdatisError
from odatis_csw.safexml import parse_file
from odatis_csw.store import datasets
from odatis_csw.store.canonical import Datasets
from odatis_csw.store.records import Assessment, assessed_rows_of
from odatis_csw.store.repository import CatalogueRepository
from odatis_csw.store.sameness import LOCAL, LOCAL_PRECEDENCE, facts_of
from odatis_csw.store.writes import Outcome, store_row

__all__ = ["LoadResult", "LoadSummary", "Outcome", "assessed_rows_of", "load_paths", "rows_of", "store_row"]

RECORD_SUFFIXES = (".xml",)


@dataclass(frozen=True)
class LoadResult:
    path: Path
    outcome: Outcome
    identifier: str | None = None
    reason: str | None = None


@dataclass
class LoadSummary:
    results: list[LoadResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def rejected(self) -> list[LoadResult]:
        return [result for result in self.results if result.outcome is Outcome.REJECTED]


def iter_record_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named on the command line, and the XML files of directories, recursively, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES
            )
        else:
            yield path


def load_file(repository: CatalogueRepository, path: Path, max_bytes: int) -> list[LoadResult]:
    """Load every record of one file; nothing already stored is changed by a rejected file."""
    try:
        if not path.is_file():
            raise OdatisError(f"{path}: no such file")
        rows = assessed_rows_of(repository, parse_file(path, max_bytes=max_bytes))
    except OdatisError as err:
        return [LoadResult(path, Outcome.REJECTED, reason=err.user_msg.removeprefix(f"{path}: "))]
    except Exception as err:  # noqa: BLE001 - one bad file never stops a load
        return [LoadResult(path, Outcome.REJECTED, reason=f"not understood: {type(err).__name__}: {err}")]
    return [_store(repository, path, row, assessment) for row, assessment in rows]


def rows_of(
    repository: CatalogueRepository, tree: etree._ElementTree, fallback_identifier: str | None = None
) -> list[Any]:
    """The repository rows of a parsed document, repaired (raises OdatisError if unusable).

    ``fallback_identifier`` names a record whose document has none.
    """
    return [row for row, _ in assessed_rows_of(repository, tree, fallback_identifier)]


def store_local(repository: CatalogueRepository, row: Any, assessment: Assessment) -> Outcome:
    """Archive a loaded record's source document and place it in its dataset (served if it ranks best)."""
    document = assessment.source_document.encode("utf-8")
    digest = hashlib.sha256(document).hexdigest()
    with repository.engine.connect() as connection:
        previous = datasets.member(connection, LOCAL, row.identifier)
    datasets.archive_payload(repository.engine, digest, document, "application/xml")
    facts = facts_of(LOCAL, row.identifier, row, assessment.record, LOCAL_PRECEDENCE)
    absorbed = Datasets(repository).absorb(facts, (row, assessment), digest, centre="local files")
    if absorbed.stored is not None:
        return absorbed.stored
    if previous is None:
        return Outcome.LOADED
    return Outcome.UNCHANGED if previous.sha256 == digest else Outcome.UPDATED


def _store(repository: CatalogueRepository, path: Path, row: Any, assessment: Assessment) -> LoadResult:
    try:
        return LoadResult(path, store_local(repository, row, assessment), row.identifier)
    except Exception as err:  # noqa: BLE001 - report the database's refusal, keep going
        return LoadResult(path, Outcome.REJECTED, row.identifier, f"not stored: {type(err).__name__}: {err}")


def load_paths(
    repository: CatalogueRepository,
    paths: Iterable[Path],
    max_bytes: int,
    on_file: Callable[[Path], None] | None = None,
) -> LoadSummary:
    """Load every record file under ``paths``; ``on_file`` is told of each file done."""
    summary = LoadSummary()
    for path in paths:
        summary.results.extend(load_file(repository, path, max_bytes))
        if on_file is not None:
            on_file(path)
    return summary
