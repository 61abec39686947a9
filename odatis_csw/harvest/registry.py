"""Find harvesters through the ``odatis_csw.harvesters`` entry-point group, built-ins included."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

import jsonschema

from odatis_csw.errors import ConfigError
from odatis_csw.harvest.base import Harvester
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source, SourceRegistry

GROUP = "odatis_csw.harvesters"


@cache
def harvester_classes() -> dict[str, Any]:
    """Every installed harvester class, by protocol name."""
    return {entry.name: entry.load() for entry in entry_points(group=GROUP)}


def check_source(source: Source) -> None:
    """The source names a known protocol and its options fit that harvester's schema."""
    classes = harvester_classes()
    if source.protocol not in classes:
        known = ", ".join(sorted(classes))
        raise ConfigError(f"source {source.name!r}: unknown protocol {source.protocol!r} (known: {known})")
    schema = getattr(classes[source.protocol], "options_schema", {"type": "object"})
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(source.options))
    if errors:
        problems = "; ".join(
            f"{'.'.join(map(str, e.absolute_path)) or 'options'}: {e.message}" for e in errors
        )
        raise ConfigError(f"source {source.name!r}: invalid {source.protocol} options: {problems}")


def check_sources(registry: SourceRegistry) -> None:
    for source in registry.sources.values():
        check_source(source)


def harvester_for(source: Source, http: HttpClient) -> Harvester:
    check_source(source)
    harvester: Harvester = harvester_classes()[source.protocol](source, http)
    return harvester
