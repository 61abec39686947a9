"""Vocabulary and identity anchors kept as data in ``mappings/vocab/*.csv``.

Each CSV is validated once against ``schemas/mapping.schema.json`` (rows read as objects, empty
cells left out), then checked for clashes: one normalised term may lead to one anchor only.
Lookups return the anchor to *add* next to a record's own words (an :class:`Anchor`, or ``None``
when nothing is known); they never rewrite or return the words themselves.

Lookup keys are normalised the same way on both sides: Unicode compatibility form, accents
dropped, case folded, blanks collapsed, blanks around ``/`` removed, trailing ``.;,`` dropped.
URLs compare without their scheme (http = https), fragment and trailing slashes. Licence and CF
terms also treat ``-``, ``_`` and blanks as one separator (``CC-BY-4.0`` = ``CC BY 4.0``;
``sea_water_temperature`` = ``Sea Water Temperature``). SeaDataNet URNs (``SDN:P02::TEMP``, also
inside ``https://www.seadatanet.org/urnurl/...``) are read as their NVS concept URI.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from odatis_csw.errors import OdatisError
from odatis_csw.resources import resource_dir

SCHEMA_NAME = "mapping.schema.json"
VOCAB_FOLDER = "vocab"


class MappingError(OdatisError):
    """A mapping file is missing, unreadable or invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid vocabulary mappings:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Anchor:
    """A controlled-vocabulary concept to add next to a record's own words."""

    uri: str
    label: str
    vocabulary: str
    code: str | None = None


@dataclass(frozen=True)
class LinkRelation:
    """What an online resource's protocol says about the link: IANA relation, media type."""

    relation: str
    media_type: str | None
    protocol: str


@dataclass(frozen=True)
class _Kind:
    definition: str  # name under $defs in the schema
    term: str  # the column holding the lookup term
    fold_separators: bool = False


KINDS: Mapping[str, _Kind] = {
    "licences.csv": _Kind("licence", "term", fold_separators=True),
    "organisations.csv": _Kind("organisation", "term"),
    "parameters.csv": _Kind("parameter", "term"),
    "platforms.csv": _Kind("platform", "term"),
    "instruments.csv": _Kind("instrument", "term"),
    "cf_standard_names.csv": _Kind("cf_standard_name", "term", fold_separators=True),
    "topic_inspire_themes.csv": _Kind("topic_inspire_theme", "topic"),
    "protocols.csv": _Kind("protocol", "protocol"),
}

# ---------------------------------------------------------------------------- normalisation

_BLANKS = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s_-]+")
_AROUND_SLASH = re.compile(r"\s*/\s*")
_URL = re.compile(r"^(?:https?)://(\S+)$", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_SDN_URN = re.compile(r"SDN:([A-Z][A-Z0-9]{2}):[0-9]*:([A-Za-z0-9_]+)")
_NVS = "http://vocab.nerc.ac.uk/collection/{}/current/{}/"
_NVS_URI = re.compile(r"^http://vocab\.nerc\.ac\.uk/collection/([A-Z0-9]{3})/current/([A-Za-z0-9_]+)/$")
_TOPIC_URI = re.compile(r"/TopicCategory/([A-Za-z]+)/?$")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def url_key(value: str) -> str | None:
    """Comparison key of a URL (scheme, fragment and trailing slashes ignored), else ``None``."""
    match = _URL.match(value.strip())
    if match is None:
        return None
    rest = match.group(1).split("#", 1)[0].rstrip("/")
    return "url:" + rest.casefold()


def text_key(value: str, *, fold_separators: bool = False) -> str:
    """Comparison key of a free-text term; see the module documentation."""
    text = unicodedata.normalize("NFKD", value.translate(_QUOTES))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    if fold_separators:
        text = _SEPARATORS.sub(" ", text)
    text = _AROUND_SLASH.sub("/", _BLANKS.sub(" ", text))
    return text.strip(" .;,")


def lookup_key(value: str, *, fold_separators: bool = False) -> str:
    return url_key(value) or text_key(value, fold_separators=fold_separators)


def nvs_uri_from_urn(value: str) -> str | None:
    """``SDN:P02::TEMP`` (alone or in a seadatanet.org/urnurl/ URL) as its NVS concept URI."""
    text = value.strip()
    if not (text.startswith("SDN:") or "/urnurl/" in text):
        return None
    match = _SDN_URN.search(text)
    return _NVS.format(match.group(1), match.group(2)) if match else None


# ---------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Entry:
    anchor: Anchor | None
    row: int
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Table:
    name: str
    fold: bool
    by_term: dict[str, list[_Entry]] = field(default_factory=dict)
    by_uri: dict[str, _Entry] = field(default_factory=dict)
    rows: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)  # (row, line, cells)


def _schema(folder: Path | None) -> dict[str, Any]:
    path = (folder or resource_dir("schemas")) / SCHEMA_NAME
    with path.open(encoding="utf-8") as handle:
        return dict(json.load(handle))


def _columns(schema: Mapping[str, Any], definition: str) -> list[str]:
    node = schema["$defs"][definition]
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return list(node["properties"])


def _describe(error: jsonschema.ValidationError, row: Mapping[str, str]) -> tuple[str, str]:
    """(column, message) for one schema error on one row."""
    if error.path:
        column = str(error.path[0])
        if error.validator == "pattern":
            hint = error.schema.get("description")
            expected = hint or f"of the form {error.validator_value}"
            return column, f"{error.instance!r} is not {expected}"
        if error.validator == "enum":
            allowed = ", ".join(map(repr, error.validator_value))
            return column, f"{error.instance!r} is not one of {allowed}"
        return column, str(error.message)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in row]
        return (missing[0] if missing else "?"), "missing value"
    if error.validator == "not" and "else" in error.schema_path:
        present = [name for name in ("label", "spdx", "vocabulary") if name in row] or ["uri"]
        return present[0], "must be empty when 'uri' is empty (statement without anchor)"
    return "(row)", str(error.message)


def _read_rows(path: Path, columns: list[str], problems: list[str]) -> list[tuple[int, int, dict[str, str]]]:
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as err:
        problems.append(f"{name}: cannot read: {err.strerror}")
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        problems.append(f"{name}: not UTF-8 (byte {err.start}: {raw[err.start : err.start + 1]!r})")
        return []
    if text.startswith("\ufeff"):
        problems.append(f"{name}: starts with a byte-order mark; save as UTF-8 without BOM")
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            problems.append(f"{name}: empty file (a header line is required: {', '.join(columns)})")
            return []
        missing = [col for col in columns if col not in header]
        unknown = [col for col in header if col not in columns]
        doubled = sorted({col for col in header if header.count(col) > 1})
        if missing or unknown or doubled:
            parts = [f"missing column {col!r}" for col in missing]
            parts += [f"unknown column {col!r}" for col in unknown]
            parts += [f"column {col!r} given twice" for col in doubled]
            problems.append(f"{name}, header (line 1): {'; '.join(parts)} (expected: {', '.join(columns)})")
            return []
        rows = []
        for number, cells in enumerate(reader, start=1):
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                problems.append(f"{name}, row {number} (line {line}): blank row")
                continue
            if len(cells) != len(header):
                problems.append(
                    f"{name}, row {number} (line {line}): {len(cells)} cells for {len(header)} columns"
                )
                continue
            rows.append((number, line, {col: cell for col, cell in zip(header, cells, strict=True) if cell}))
        return rows
    except csv.Error as err:
        problems.append(f"{name}, line {reader.line_num}: not valid CSV: {err}")
        return []


def _anchor(name: str, row: Mapping[str, str]) -> Anchor | None:
    if name == "licences.csv":
        if "uri" not in row:
            return None
        return Anchor(row["uri"], row["label"], row["vocabulary"], row.get("spdx"))
    if name == "organisations.csv":
        return Anchor(row["uri"], row["label"], "EDMO", row["edmo_code"])
    if name == "topic_inspire_themes.csv":
        uri = row["theme_uri"]
        return Anchor(uri, row["theme_label"], "INSPIRE themes", uri.rsplit("/", 1)[-1])
    if name == "protocols.csv":
        return None
    match = _NVS_URI.match(row["uri"])
    collection, notation = (match.group(1), match.group(2)) if match else ("?", "?")
    return Anchor(row["uri"], row["label"], f"NVS {collection}", f"SDN:{collection}::{notation}")


def _check_consistency(name: str, table: _Table, problems: list[str]) -> None:
    """One URI carries one label (and one SPDX id, one code); an EDMO URI ends in its code."""
    seen: dict[str, tuple[int, str]] = {}
    for row_number, line, row in table.rows:
        anchor_uri = row.get("uri") or row.get("theme_uri") or ""
        if name == "organisations.csv":
            code = row.get("edmo_code", "")
            if anchor_uri and code and not anchor_uri.endswith(f"/report/{code}"):
                problems.append(
                    f"{name}, row {row_number} (line {line}), column 'uri': {anchor_uri!r} "
                    f"does not end in the edmo_code {code!r}"
                )
        if not anchor_uri:
            continue
        signature = "|".join(
            row.get(col, "") for col in ("label", "spdx", "vocabulary", "edmo_code", "theme_label")
        )
        earlier = seen.setdefault(anchor_uri, (row_number, signature))
        if earlier[1] != signature:
            problems.append(
                f"{name}, row {row_number} (line {line}), column 'label': {anchor_uri} already carries "
                f"other values at row {earlier[0]} (label, spdx, vocabulary and code must agree for one URI)"
            )


def _build(
    name: str, kind: _Kind, rows: list[tuple[int, int, dict[str, str]]], problems: list[str]
) -> _Table:
    table = _Table(name, kind.fold_separators)
    several = name == "topic_inspire_themes.csv"  # one topic, several themes
    claimed: dict[tuple[str, str, str], tuple[int, str]] = {}
    for number, line, row in rows:
        table.rows.append((number, line, row))
        term = row[kind.term]
        key = lookup_key(term, fold_separators=kind.fold_separators)
        country = text_key(row.get("country", ""))
        target = row.get("theme_uri") or row.get("uri") or ""
        slot = (key, country, target if several else "")
        previous = claimed.setdefault(slot, (number, target))
        if previous[0] != number:
            what = "repeats" if previous[1] == target else f"already maps to {previous[1] or 'no anchor'} at"
            problems.append(
                f"{name}, row {number} (line {line}), column {kind.term!r}: {term!r} {what} row {previous[0]}"
            )
            continue
        extra = {"country": country} if country else {}
        if name == "protocols.csv":
            extra = {"relation": row["relation"], "media_type": row.get("media_type", ""), "protocol": term}
        entry = _Entry(_anchor(name, row), number, extra)
        table.by_term.setdefault(key, []).append(entry)
        target_key = url_key(target) if target else None
        if target_key and entry.anchor is not None:
            table.by_uri.setdefault(target_key, entry)
    return table


class Mappings:
    """Every vocabulary table of one ``mappings/`` folder, validated; lookups never alter input."""

    def __init__(self, tables: Mapping[str, _Table]) -> None:
        self._tables = dict(tables)

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(
        cls, mappings_folder: Path | str | None = None, schema_folder: Path | str | None = None
    ) -> Mappings:
        """Read and validate ``<mappings>/vocab/*.csv``; raise :class:`MappingError` listing problems."""
        folder = Path(mappings_folder) if mappings_folder is not None else resource_dir("mappings")
        schema = _schema(Path(schema_folder) if schema_folder is not None else None)
        vocab = folder / VOCAB_FOLDER
        problems: list[str] = []
        expected = list(schema["properties"])
        present = sorted(path.name for path in vocab.glob("*.csv")) if vocab.is_dir() else []
        for unknown in (name for name in present if name not in expected):
            problems.append(f"{unknown}: unknown mapping file (expected: {', '.join(expected)})")
        tables: dict[str, _Table] = {}
        for name in expected:
            kind = KINDS[name]
            path = vocab / name
            if not path.is_file():
                problems.append(f"{name}: missing from {vocab}")
                continue
            columns = _columns(schema, kind.definition)
            rows = _read_rows(path, columns, problems)
            validator = jsonschema.Draft202012Validator(
                {"$defs": schema["$defs"], "$ref": f"#/$defs/{kind.definition}"}
            )
            valid_rows = []
            for number, line, row in rows:
                errors = sorted(validator.iter_errors(row), key=lambda err: list(map(str, err.path)))
                for error in errors:
                    column, message = _describe(error, row)
                    problems.append(f"{name}, row {number} (line {line}), column {column!r}: {message}")
                if not errors:
                    valid_rows.append((number, line, row))
            if not rows and not any(problem.startswith(name) for problem in problems):
                problems.append(f"{name}: no rows")
            table = _build(name, kind, valid_rows, problems)
            _check_consistency(name, table, problems)
            tables[name] = table
        if problems:
            raise MappingError(problems)
        return cls(tables)

    def rows(self, name: str) -> list[dict[str, str]]:
        """The validated rows of one file (copies; empty cells left out)."""
        return [dict(row) for _, _, row in self._tables[name].rows]

    # -- lookups -------------------------------------------------------------------------------

    def _entries(self, name: str, value: str) -> list[_Entry]:
        table = self._tables[name]
        found = table.by_term.get(lookup_key(value, fold_separators=table.fold))
        if found:
            return found
        for candidate in (url_key(value), url_key(nvs_uri_from_urn(value) or "")):
            if candidate:
                hit = table.by_term.get(candidate) or (
                    [table.by_uri[candidate]] if candidate in table.by_uri else []
                )
                if hit:
                    return hit
        return []

    def _single(self, name: str, value: object) -> Anchor | None:
        if not isinstance(value, str) or not value.strip():
            return None
        entries = self._entries(name, value)
        return entries[0].anchor if entries else None

    def licence_anchor(self, text_or_url: object) -> Anchor | None:
        """Licence anchor for a phrase, identifier or URL, or a text naming exactly one known URL."""
        if not isinstance(text_or_url, str) or not text_or_url.strip():
            return None
        entries = self._entries("licences.csv", text_or_url)
        if entries:
            return entries[0].anchor
        found = set()
        for url in _URL_IN_TEXT.findall(text_or_url):
            for entry in self._entries("licences.csv", url.rstrip(".,;:")):
                if entry.anchor is not None:
                    found.add(entry.anchor)
        return found.pop() if len(found) == 1 else None

    def is_no_licence_statement(self, text: object) -> bool:
        """True for recognised access statements that name no licence ("no limitations"...)."""
        if not isinstance(text, str) or not text.strip():
            return False
        entries = self._entries("licences.csv", text)
        return bool(entries) and entries[0].anchor is None

    def organisation_anchor(self, name: object, country: object = None) -> Anchor | None:
        """EDMO anchor for an organisation name, acronym or EDMO URI; ``country`` settles names
        that are ambiguous without it (such rows never match when no country is given)."""
        if not isinstance(name, str) or not name.strip():
            return None
        by_uri = self._tables["organisations.csv"].by_uri.get(url_key(name) or "")
        if by_uri is not None:  # an EDMO URI names one organisation, wherever it is
            return by_uri.anchor
        wanted = text_key(country) if isinstance(country, str) else ""
        entries = self._entries("organisations.csv", name)
        general = None
        for entry in entries:
            own = entry.extra.get("country", "")
            if own and own == wanted:
                return entry.anchor
            if not own:
                general = entry.anchor
        return general

    def parameter_anchor(self, term: object) -> Anchor | None:
        """NVS P01/P02 anchor for a parameter label, URN or NVS URI."""
        return self._single("parameters.csv", term)

    def platform_anchor(self, term: object) -> Anchor | None:
        """NVS L06 platform-class anchor."""
        return self._single("platforms.csv", term)

    def instrument_anchor(self, term: object) -> Anchor | None:
        """NVS L05 (instrument class) or L22 (instrument model) anchor."""
        return self._single("instruments.csv", term)

    def cf_standard_name_anchor(self, name: object) -> Anchor | None:
        """NVS P07 anchor for a CF standard name."""
        return self._single("cf_standard_names.csv", name)

    def inspire_themes(self, topic: object) -> tuple[Anchor, ...]:
        """INSPIRE themes documented for an ISO 19115 topic category (code or INSPIRE URI)."""
        if not isinstance(topic, str) or not topic.strip():
            return ()
        code = topic.strip()
        match = _TOPIC_URI.search(code)
        if match and url_key(code):
            code = match.group(1)
        entries = self._tables["topic_inspire_themes.csv"].by_term.get(text_key(code), [])
        return tuple(entry.anchor for entry in entries if entry.anchor is not None)

    def link_relation(self, protocol: object) -> LinkRelation | None:
        """IANA link relation (and media type when the protocol fixes it) for a gmd:protocol."""
        if not isinstance(protocol, str) or not protocol.strip():
            return None
        entries = self._tables["protocols.csv"].by_term.get(text_key(protocol), [])
        if not entries:
            return None
        extra = entries[0].extra
        return LinkRelation(extra["relation"], extra["media_type"] or None, extra["protocol"])


def anchors_for(
    values: Iterable[str], lookup: Callable[[str], Anchor | None]
) -> list[tuple[str, Anchor | None]]:
    """Each value next to its anchor, the value itself untouched (the same object)."""
    return [(value, lookup(value)) for value in values]


@cache
def default() -> Mappings:
    """The project's own mappings, loaded and validated once."""
    return Mappings.load()


def licence_anchor(text_or_url: object) -> Anchor | None:
    return default().licence_anchor(text_or_url)


def is_no_licence_statement(text: object) -> bool:
    return default().is_no_licence_statement(text)


def organisation_anchor(name: object, country: object = None) -> Anchor | None:
    return default().organisation_anchor(name, country)


def parameter_anchor(term: object) -> Anchor | None:
    return default().parameter_anchor(term)


def platform_anchor(term: object) -> Anchor | None:
    return default().platform_anchor(term)


def instrument_anchor(term: object) -> Anchor | None:
    return default().instrument_anchor(term)


def cf_standard_name_anchor(name: object) -> Anchor | None:
    return default().cf_standard_name_anchor(name)


def inspire_themes(topic: object) -> tuple[Anchor, ...]:
    return default().inspire_themes(topic)


def link_relation(protocol: object) -> LinkRelation | None:
    return default().link_relation(protocol)
