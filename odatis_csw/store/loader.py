"""Load metadata files into the repository: insert, update or reject, one result per record."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from pycsw.core import util as pycsw_util

from odatis_csw.errors import OdatisError
from odatis_csw.safexml import parse_file
from odatis_csw.store.ledger import save_quality
from odatis_csw.store.records import Assessment, assessed_row, record_elements
from odatis_csw.store.repository import CatalogueRepository
from odatis_csw.store.rows import normalise_row

RECORD_SUFFIXES = (".xml",)


class Outcome(enum.Enum):
    LOADED = "loaded"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


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


def assessed_rows_of(
    repository: CatalogueRepository, tree: etree._ElementTree, fallback_identifier: str | None = None
) -> list[tuple[Any, Assessment]]:
    """The rows of a parsed document with the repairs made and the quality found."""
    found = []
    for element in record_elements(tree.getroot()):
        row, assessment = assessed_row(repository.context, repository, element, fallback_identifier)
        found.append((normalise_row(row), assessment))
    return found


def store_row(repository: CatalogueRepository, row: Any, source: str = "local") -> Outcome:
    """Insert or update a row; UNCHANGED when the stored document is the same (no write)."""
    existing = repository.query_ids([row.identifier])
    row.mdsource = source
    if existing and existing[0].xml == row.xml and existing[0].mdsource == source:
        return Outcome.UNCHANGED
    row.insert_date = pycsw_util.get_today_and_now()
    if not existing:
        repository.insert(row, source, row.insert_date)
        return Outcome.LOADED
    # the engine updates only the columns its parser set: clear the others, or a field the
    # new version no longer has (keywords, links, a box) would survive from the old one
    for column in repository.dataset.__table__.columns:
        if column.name not in row.__dict__:
            setattr(row, column.name, None)
    repository.update(row)
    return Outcome.UPDATED


def _store(repository: CatalogueRepository, path: Path, row: Any, assessment: Assessment) -> LoadResult:
    try:
        outcome = store_row(repository, row)
        if outcome is not Outcome.UNCHANGED:
            save_quality(repository.engine, row.identifier, "local", None, assessment)
        return LoadResult(path, outcome, row.identifier)
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
