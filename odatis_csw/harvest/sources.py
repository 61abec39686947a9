"""Harvest sources declared as data in ``sources.yml``, validated once at start-up."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from odatis_csw.errors import ConfigError
from odatis_csw.resources import resource_dir
from odatis_csw.store.sameness import DEFAULT_PRECEDENCE, LOCAL

_EVERY = re.compile(r"^every ([1-9][0-9]*)([mhd])$")
_NAMED = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Centre:
    name: str
    edmo: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Source:
    """One data centre endpoint to harvest."""

    name: str
    title: str
    centre: Centre
    protocol: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    schedule: str = "daily"
    enabled: bool = True
    #: which publisher of a dataset is served when several publish it (lower wins)
    precedence: int = DEFAULT_PRECEDENCE

    @property
    def interval(self) -> timedelta | None:
        """Time between two scheduled runs, or None for ``manual``."""
        if self.schedule in _NAMED:
            return _NAMED[self.schedule]
        match = _EVERY.match(self.schedule)
        if match:
            return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return None


@dataclass(frozen=True)
class HarvestSettings:
    max_delete_share: float = 0.5
    parallel_fetches: int = 4
    timeout: float = 30.0
    retries: int = 3
    max_payload_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceRegistry:
    """Every declared source, by name, with the shared harvest settings."""

    path: Path
    settings: HarvestSettings
    sources: dict[str, Source]

    def select(self, names: tuple[str, ...] | list[str], every: bool = False) -> list[Source]:
        if every:
            return [source for source in self.sources.values() if source.enabled]
        unknown = [name for name in names if name not in self.sources]
        if unknown:
            known = ", ".join(sorted(self.sources)) or "(none)"
            raise ConfigError(f"unknown source {', '.join(map(repr, unknown))} (declared: {known})")
        return [self.sources[name] for name in names]


def _schema() -> dict[str, Any]:
    with (resource_dir("schemas") / "sources.schema.json").open(encoding="utf-8") as handle:
        return dict(json.load(handle))


def load_sources(path: Path) -> SourceRegistry:
    """Read and validate ``sources.yml``; a missing file means no source."""
    if not path.exists():
        return SourceRegistry(path, HarvestSettings(), {})
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    validator = jsonschema.Draft202012Validator(_schema())
    problems = [
        f"{'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise ConfigError(f"{path}: invalid sources:\n  " + "\n  ".join(problems))
    sources: dict[str, Source] = {}
    for entry in raw.get("sources", []):
        if entry["name"] == LOCAL:
            raise ConfigError(
                f"{path}: source name {LOCAL!r} is reserved for files loaded with odatis-csw load"
            )
        if entry["name"] in sources:
            raise ConfigError(f"{path}: source name {entry['name']!r} is declared twice")
        sources[entry["name"]] = Source(
            name=entry["name"],
            title=entry["title"],
            centre=Centre(**entry["centre"]),
            protocol=entry["protocol"],
            url=entry["url"],
            options=dict(entry.get("options", {})),
            schedule=entry.get("schedule", "daily"),
            enabled=entry.get("enabled", True),
            precedence=entry.get("precedence", DEFAULT_PRECEDENCE),
        )
    return SourceRegistry(path, HarvestSettings(**raw.get("harvest", {})), sources)
