"""When two published records describe the same dataset, and which of them the catalogue serves.

Pure rules on :class:`Facts`, the few things of a record that identify its dataset:

* a shared DOI makes two records one dataset, unless each names DOIs and none is shared
  (two DOIs are two citable datasets, whatever else they share);
* a shared resource identifier (a distinctive code with its namespace, see
  :func:`odatis_csw.store.identities.resource_key`) does too, under the same DOI condition;
* the same fileIdentifier does only when the content agrees: the same normalised title, and
  nothing that tells them apart (resource identifiers on both sides with none in common,
  DOIs on both sides with none in common, or temporal extents that do not overlap). The
  MARACOOS THREDDS records share a fileIdentifier and a title but not their resource
  identifier nor their time extent: they stay two datasets.

Of the records of one dataset, the catalogue serves the one of best rank: lowest declared
precedence, then source name, then identifier at the source (so a rebuild chooses the same).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from odatis_csw.store.identities import DOI, RESOURCE, keys_of

#: Precedence of a source that declares none (lower wins).
DEFAULT_PRECEDENCE = 100
#: Precedence of the records loaded with ``odatis-csw load`` (source ``local``).
LOCAL_PRECEDENCE = 50
LOCAL = "local"

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Facts:
    """What identifies the dataset of one record published by one source."""

    source: str
    source_id: str
    file_identifier: str
    title: str = ""
    keys: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    begin: str | None = None
    end: str | None = None
    precedence: int = DEFAULT_PRECEDENCE

    def of_kind(self, kind: str) -> set[str]:
        return {value for key_kind, value in self.keys if key_kind == kind}

    @property
    def rank(self) -> tuple[int, str, str]:
        return (self.precedence, self.source, self.source_id)


def normalised_title(title: str | None) -> str:
    """Case, accents, punctuation and spacing folded: titles equal to a reader are equal."""
    decomposed = unicodedata.normalize("NFKD", title or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def facts_of(source: str, source_id: str, row: Any, record: Any, precedence: int) -> Facts:
    """The facts of a stored row and its normalised record (None until a reader knows its dialect).

    Without a record only the fileIdentifier, the title and the time extent of the row are known.
    """
    title = record.title.value if record is not None and record.title.value else row.title
    return Facts(
        source=source,
        source_id=source_id,
        file_identifier=row.identifier,
        title=normalised_title(title),
        keys=frozenset(keys_of(record)) if record is not None else frozenset(),
        begin=_instant(row.time_begin),
        end=_instant(row.time_end),
        precedence=precedence,
    )


def _instant(value: Any) -> str | None:
    text = str(value).strip() if value else ""
    return text or None


def different_dois(a: Facts, b: Facts) -> bool:
    """Both name DOIs and none is shared: two citable datasets."""
    mine, theirs = a.of_kind(DOI), b.of_kind(DOI)
    return bool(mine and theirs and not mine & theirs)


def _apart(a: Facts, b: Facts) -> bool:
    """Something in the content says the two records describe different datasets."""
    mine, theirs = a.of_kind(RESOURCE), b.of_kind(RESOURCE)
    if mine and theirs and not mine & theirs:
        return True
    return different_dois(a, b) or not _overlap(a, b)


def _overlap(a: Facts, b: Facts) -> bool:
    """Do the two time extents overlap (an unknown bound overlaps anything)?"""
    before = bool(a.end and b.begin and a.end < b.begin)
    after = bool(b.end and a.begin and b.end < a.begin)
    return not (before or after)


def same_dataset(a: Facts, b: Facts) -> str | None:
    """Why ``a`` and ``b`` describe one dataset (``doi``, ``resource``, ``fileIdentifier``), or None."""
    if different_dois(a, b):
        return None
    shared = a.keys & b.keys
    if any(kind == DOI for kind, _ in shared):
        return DOI
    if shared:
        return RESOURCE
    if a.file_identifier == b.file_identifier and a.title and a.title == b.title and not _apart(a, b):
        return "fileIdentifier"
    return None


#: Strength of each reason, strongest first (a record matching several datasets joins the strongest).
STRENGTH = {DOI: 0, RESOURCE: 1, "fileIdentifier": 2}


def canonical(members: list[Facts]) -> Facts:
    """The member a dataset is served from: best precedence, then source name, then source identifier."""
    return min(members, key=lambda member: member.rank)
