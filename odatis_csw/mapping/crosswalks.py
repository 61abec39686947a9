"""Crosswalks of the non-ISO dialects to ISO 19115 code lists, kept as data in ``mappings/crosswalks.yaml``.

The file is validated once against ``schemas/crosswalks.schema.json`` on first use; a bad file
raises :class:`~odatis_csw.mapping.vocab.MappingError` naming every problem. Lookups return
``None`` for a term the table does not list: the caller decides (keep the source's word, or
leave the value out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from odatis_csw.mapping.vocab import MappingError
from odatis_csw.resources import resource_dir

FILE = "crosswalks.yaml"
SCHEMA = "crosswalks.schema.json"


@dataclass(frozen=True)
class Crosswalks:
    """The validated tables of ``mappings/crosswalks.yaml``."""

    data: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path | None = None, schema_path: Path | None = None) -> Crosswalks:
        path = path or resource_dir("mappings") / FILE
        schema_path = schema_path or resource_dir("schemas") / SCHEMA
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise MappingError([f"{path.name}: {error}"]) from error
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
        if errors:
            raise MappingError(
                [f"{path.name}, {'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors]
            )
        return cls(data)

    def role(self, table: str, term: str | None) -> str | None:
        """CI_RoleCode for a term of ``roles.<table>`` (a mapping table or a single value)."""
        entry = self.data["roles"][table]
        if isinstance(entry, str):
            return entry
        return entry.get((term or "").strip()) if term else None

    def date_type(self, dialect: str, term: str | None) -> str | None:
        """CI_DateTypeCode (or ``temporal``) for a dialect's date type or element name."""
        return self.data["dates"][dialect].get((term or "").strip()) if term else None

    def description_field(self, term: str | None) -> str | None:
        """Model field (abstract, lineage, purpose) of a DataCite descriptionType."""
        return self.data["descriptions"]["datacite"].get((term or "").strip()) if term else None

    def scope(self, resource_type: str | None) -> str | None:
        """MD_ScopeCode of a resource type word or DCMI Type URI, case-insensitively."""
        if not resource_type:
            return None
        word = resource_type.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        key = "".join(word.split()).lower()
        return self.data["scopes"].get(key)

    def relation(self, relation_type: str | None) -> str | None:
        """IANA link relation of a DataCite relationType."""
        return (
            self.data["relations"]["datacite"].get((relation_type or "").strip()) if relation_type else None
        )

    def function(self, relation: str | None) -> str | None:
        """CI_OnLineFunctionCode of an IANA link relation."""
        return self.data["functions"].get((relation or "").strip().lower()) if relation else None

    def resolver_url(self, identifier_type: str | None, identifier: str) -> str:
        """A URL for an identifier of a given type (the identifier itself when already a URL)."""
        value = identifier.strip()
        if value.lower().startswith(("http://", "https://", "ftp://")):
            return value
        kind = (identifier_type or "").strip()
        template = self.data["resolvers"].get(kind)
        if template is None:
            for name, candidate in self.data["resolvers"].items():
                if name.lower() == kind.lower():
                    template = candidate
        if template is not None:
            return str(template).format(value)
        if value.lower().startswith("urn:"):
            return value
        return f"urn:{kind.lower() or 'id'}:{value}"

    def iso639_2(self, code: str | None) -> str | None:
        """ISO 639-2/B code of a language code (``en``, ``en-GB``, ``eng``), or None if unknown."""
        if not code:
            return None
        primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
        if len(primary) == 3 and primary.isalpha():
            return primary
        value = self.data["languages"].get(primary)
        return str(value) if value else None


@cache
def default() -> Crosswalks:
    """The project's own crosswalks, loaded and validated once."""
    return Crosswalks.load()
