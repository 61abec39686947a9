"""Load ``pycsw.yml`` once: interpolate ``${VAR}``, validate against the schema, return settings."""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from odatis_csw.errors import ConfigError
from odatis_csw.resources import resource_dir

#: The class pycsw instantiates for its repository (``repository.source``).
REPOSITORY_CLASS = "odatis_csw.store.repository.CatalogueRepository"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_HINTS = {
    "integer": " (remove the quotes around numbers)",
    "boolean": " (write true or false without quotes)",
}


@dataclass(frozen=True)
class Settings:
    """Validated configuration: the pycsw dictionary and our own settings."""

    path: Path
    pycsw: dict[str, Any] = field(repr=False)
    data_dir: Path
    max_record_bytes: int
    sources_path: Path

    @property
    def database(self) -> str:
        return str(self.pycsw["repository"]["database"])

    @property
    def table(self) -> str:
        return str(self.pycsw["repository"]["table"])

    def pycsw_copy(self) -> dict[str, Any]:
        """A fresh copy for one request: pycsw mutates the dictionary it is given."""
        return copy.deepcopy(self.pycsw)


def default_config_path() -> Path:
    """``$PYCSW_CONFIG`` if set, else ``./pycsw.yml``."""
    return Path(os.environ.get("PYCSW_CONFIG") or "pycsw.yml")


def _interpolate(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {key: _interpolate(item, f"{where}.{key}" if where else key) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set and has no default")

    return _VAR.sub(substitute, value)


def _schema() -> dict[str, Any]:
    with (resource_dir("schemas") / "config.schema.json").open(encoding="utf-8") as handle:
        return dict(json.load(handle))


def _describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        return f"{where}: unknown key {', '.join(map(repr, unknown))} (allowed: {', '.join(allowed)})"
    if error.validator == "required":
        return f"{where}: missing value: {error.message}"
    if error.validator == "type":
        expected = error.validator_value
        hint = _HINTS.get(expected, "") if isinstance(expected, str) else ""
        return f"{where}: wrong type: {error.instance!r} is not of type {expected}{hint}"
    if error.validator == "const" and where == "manager.transactions":
        return (
            f"{where}: must be false: pycsw's own write paths are not safe to expose; "
            "records enter the catalogue through 'odatis-csw load' and the harvester"
        )
    return f"{where}: {error.message}"


def validate(raw: Any) -> list[str]:
    """Return every problem found in a raw configuration mapping, one sentence each."""
    if not isinstance(raw, dict):
        return ["(top level): the configuration must be a mapping of sections"]
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(raw), key=lambda err: list(map(str, err.absolute_path)))
    return [_describe(error) for error in errors]


def _resolve_sqlite(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def load_config(path: Path | str) -> Settings:
    """Read, interpolate and validate a configuration file; raise :class:`ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read configuration: {err.strerror}") from err
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    raw = _interpolate(raw, "")
    problems = validate(raw)
    if problems:
        raise ConfigError(f"{path}: invalid configuration:\n  " + "\n  ".join(problems))
    return _settings(path, raw)


def _settings(path: Path, raw: dict[str, Any]) -> Settings:
    base = path.resolve().parent
    odatis = raw.pop("odatis", {}) or {}
    data_dir = (base / odatis.get("data_dir", "data")).resolve()
    repository = raw["repository"]
    repository["database"] = _resolve_sqlite(repository["database"], base)
    repository.setdefault("table", "records")
    repository["source"] = REPOSITORY_CLASS
    raw.setdefault("manager", {})["transactions"] = False
    raw.setdefault("logging", {}).setdefault("level", "WARNING")
    extent = raw["metadata"].get("inspire", {}).get("temp_extent", {})
    for edge in ("begin", "end"):
        if extent.get(edge) == "now":  # INSPIRE wants a date: "now" is the day of start-up
            extent[edge] = datetime.date.today().isoformat()
    return Settings(
        path=path.resolve(),
        pycsw=raw,
        data_dir=data_dir,
        max_record_bytes=int(odatis.get("max_record_bytes", 20 * 1024 * 1024)),
        sources_path=(base / odatis.get("sources", "sources.yml")).resolve(),
    )
