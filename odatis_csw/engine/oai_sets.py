"""OAI-PMH sets (§4.6) that mean something for ODATIS: data centres and resource types.

Two hierarchies, each selecting all of its children:

* ``centre`` → ``centre:<source>``, the harvest source a record came from (its ``mdsource``
  column; ``local`` for records loaded from files), named by the source's title in the
  sources file when it is declared there;
* ``type`` → ``type:<level>``, the resource type (its ``type`` column, the ISO hierarchy
  level ``dataset``, ``series``, ``service``... or the last part of a DCMI type URI).

Only sets that hold records are listed. Values are mapped to legal setSpec parts by
:func:`spec_part`; the SQL filters go back from a setSpec to the stored values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql import ColumnElement

from odatis_csw.errors import OdatisError
from odatis_csw.harvest.sources import load_sources

LOGGER = logging.getLogger(__name__)
CENTRE = "centre"
TYPE = "type"
#: Each hierarchy: its records-table column and its setName.
HIERARCHIES = {CENTRE: ("mdsource", "Data centres (harvest sources)"), TYPE: ("type", "Resource types")}
_ILLEGAL = re.compile(r"[^A-Za-z0-9\-_.!~*'()]")


def spec_part(value: str) -> str | None:
    """A stored value as a setSpec part: last segment of a URI, first letter lower-cased."""
    part = re.split(r"[/#]", value.strip().rstrip("/#"))[-1]
    part = _ILLEGAL.sub("", part)
    return part[:1].lower() + part[1:] if part else None


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str


@dataclass(frozen=True)
class SetFilter:
    """What a setSpec selects: SQL conditions on live rows, and the deleted records' sources."""

    live: list[ColumnElement[Any]]
    deleted_sources: Collection[str] | None  # None: every deleted record; empty: none


class SetCatalogue:
    """The sets of one catalogue, read from the distinct values of its records table."""

    def __init__(
        self,
        distinct: Callable[[str], list[str]],
        deleted_sources: Callable[[], list[str]],
        table: Table,
        sources_path: Path | None,
    ) -> None:
        self._distinct = distinct
        self._deleted_sources = deleted_sources
        self.table = table
        self.sources_path = sources_path

    def values(self, hierarchy: str) -> dict[str, list[str]]:
        """setSpec part → the stored values it stands for, for one hierarchy."""
        stored = self._distinct(HIERARCHIES[hierarchy][0])
        if hierarchy == CENTRE:
            stored = sorted(set(stored) | set(self._deleted_sources()))
        found: dict[str, list[str]] = {}
        for value in stored:
            part = spec_part(value)
            if part:
                found.setdefault(part, []).append(value)
        return found

    def sets(self) -> list[OaiSet]:
        """Every set holding records, parents first."""
        titles = self._titles()
        listed = []
        for hierarchy, (_, name) in HIERARCHIES.items():
            children = self.values(hierarchy)
            if not children:
                continue
            listed.append(OaiSet(hierarchy, name))
            for part, stored in sorted(children.items()):
                label = titles.get(stored[0], stored[0]) if hierarchy == CENTRE else f"Resource type {part}"
                listed.append(OaiSet(f"{hierarchy}:{part}", label))
        return listed

    def filter(self, spec: str) -> SetFilter | None:
        """The selection of ``spec``, or None for a set this catalogue does not have."""
        hierarchy, _, part = spec.partition(":")
        if hierarchy not in HIERARCHIES or ":" in part:
            return None
        children = self.values(hierarchy)
        stored = [value for key, values in children.items() if not part or key == part for value in values]
        if not stored:
            return None
        column = self.table.c[HIERARCHIES[hierarchy][0]]
        if hierarchy == CENTRE:
            return SetFilter([column.in_(stored)], stored)
        return SetFilter([column.in_(stored)], [])

    def _titles(self) -> dict[str, str]:
        if self.sources_path is None or not self.sources_path.is_file():
            return {}
        try:
            return {name: source.title for name, source in load_sources(self.sources_path).sources.items()}
        except OdatisError as err:
            LOGGER.warning("set names without source titles: %s", err)
            return {}


def specs_of(source: str | None, kind: str | None) -> list[str]:
    """The setSpecs of a record from its source and resource type (never an empty one)."""
    specs = []
    for hierarchy, value in ((CENTRE, source), (TYPE, kind)):
        part = spec_part(value) if value else None
        if part:
            specs += [hierarchy, f"{hierarchy}:{part}"]
    return specs
