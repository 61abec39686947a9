"""Field fidelity: which key fields of real records survive loading and serving.

Every record of the shared corpus (default: ``../shared/corpus`` beside the repository; its
record folders only, not ``broken/`` nor ``other/``) and of ``tests/data/records`` goes through
the catalogue's own pipeline into a temporary SQLite catalogue, one catalogue per collection:

* plain files: the loader's ``rows_of`` and ``store_row`` (CSW responses and oai_datacite
  wrappers unwrapped by it; every dialect read by its own reader), with the fallback identifier
  a harvest would give a record without one (``urn:odatis:fidelity:<file>``);
* OAI-PMH answers: each record's ``metadata`` child, with the harvester's fallback identifier.

Each stored record is then fetched as the server answers it: CSW GetRecordById with
outputSchema=http://www.isotc211.org/2005/gmd, dispatched in-process through
``odatis_csw.engine.csw.dispatch`` (the function behind /csw). Whether a record has a key
field is read with the XPaths of ``mappings/fidelity.yaml``: the source dialect's on the
source record, the ISO 19139 ones on the served record. Records are counted one by one, also
inside a CSW response (``odatis-csw load`` refuses a whole response when one member fails).

    python benchmarks/corpus_fidelity.py [--corpus PATH] [--no-corpus] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
import yaml
from lxml import etree

from odatis_csw.config import Settings, load_config
from odatis_csw.engine import csw as csw_engine
from odatis_csw.engine.alternates import iso_record_query
from odatis_csw.errors import OdatisError
from odatis_csw.harvest.pipeline import fallback_identifier
from odatis_csw.safexml import parse_file, safe_parser
from odatis_csw.store.loader import iter_record_files, rows_of, store_row
from odatis_csw.store.records import dialect, record_elements
from odatis_csw.store.repository import (
    CatalogueRepository,
    open_repository,
    release_connections,
    setup_repository,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
RECORDS = REPO / "tests" / "data" / "records"
MAPPING = REPO / "mappings" / "fidelity.yaml"
SCHEMA = REPO / "schemas" / "fidelity.schema.json"
#: Corpus folders that hold no record dialect (unparseable files, RDF, DIF, EML...).
SKIPPED_FOLDERS = ("broken", "other")
#: Source name given to the records stored here, and to the harvester's fallback identifiers.
SOURCE = "fidelity"
OAI = "http://www.openarchives.org/OAI/2.0/"
#: Row of the records or files in which no record of a known dialect was found.
NO_RECORD = "(no record)"


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Dialect:
    key: str
    label: str
    xpaths: dict[str, tuple[etree.XPath, ...]]

    def fields_of(self, document: etree._Element) -> set[str]:
        """The key fields a record (the root of a document of its own) has."""
        return {name for name, paths in self.xpaths.items() if any(_found(path(document)) for path in paths)}


@dataclass(frozen=True)
class Mapping:
    fields: dict[str, str]
    served: Dialect
    dialects: dict[str, Dialect]


def _found(result: Any) -> bool:
    """True when an XPath result holds a non-blank value."""
    if isinstance(result, bool):
        return result
    if isinstance(result, float):
        return not math.isnan(result) and result != 0
    if isinstance(result, str):
        return bool(result.strip())
    if isinstance(result, list):
        for item in result:
            if isinstance(item, etree._Element):
                if "".join(item.itertext()).strip():
                    return True
            elif str(item).strip():
                return True
    return False


def mapping_problems(raw: Any) -> list[str]:
    """Every problem of a raw mapping: schema violations, then XPaths that do not compile."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        f"{'.'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        return problems
    if raw["served"] not in raw["dialects"]:
        problems.append(f"served: {raw['served']!r} is not a dialect of the mapping")
    for key, spec in raw["dialects"].items():
        for name, paths in spec["fields"].items():
            for path in paths:
                try:
                    etree.XPath(path, namespaces=spec["namespaces"])
                except etree.XPathSyntaxError as err:
                    problems.append(f"dialects.{key}.fields.{name}: {path!r}: {err}")
    return problems


def load_mapping(path: Path = MAPPING) -> Mapping:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = mapping_problems(raw)
    if problems:
        raise SystemExit(f"{path}: invalid mapping:\n  " + "\n  ".join(problems))
    dialects = {
        key: Dialect(
            key,
            spec["label"],
            {
                name: tuple(etree.XPath(p, namespaces=spec["namespaces"]) for p in spec["fields"][name])
                for name in raw["fields"]
            },
        )
        for key, spec in raw["dialects"].items()
    }
    return Mapping(dict(raw["fields"]), dialects[raw["served"]], dialects)


def dialect_key(element: etree._Element) -> str | None:
    """The mapping's dialect of a record element."""
    name = dialect(element) or ""
    for prefix, key in (
        ("ISO 19139", "iso19139"),
        ("ISO 19115-2", "iso19115-2"),
        ("ISO 19115-3", "iso19115-3"),
        ("Dublin Core (oai_dc)", "oai_dc"),
        ("Dublin Core", "dublin-core"),
        ("DataCite", "datacite"),
    ):
        if name.startswith(prefix):
            return key
    return None


# --------------------------------------------------------------------------- the records


@dataclass
class Item:
    """One record found in a file (or the reason none was)."""

    file: str
    dialect: str | None = None
    source: etree._Element | None = None
    document: etree._ElementTree | None = None
    fallback: str | None = None
    problem: str | None = None


def _standalone(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element), safe_parser())


def _reason(err: OdatisError | Exception, path: Path | None = None) -> str:
    """A rejection reason without file names or positions, so that equal causes group."""
    text = err.user_msg if isinstance(err, OdatisError) else f"{type(err).__name__}: {err}"
    text = text.splitlines()[0] if text else type(err).__name__
    if path is not None:
        text = text.replace(f"{path}: ", "").replace(str(path), "<file>")
    text = re.sub(r"^harvested record: ", "", text)
    text = re.sub(r",? line \d+, column \d+", "", text)
    text = re.sub(r" \(expected gmd:MD_Metadata, [^)]*\)$", "", text)
    text = re.sub(r" \((<string>|[^()]*\.xml), line \d+\)", "", text)
    return text if len(text) <= 160 else text[:157] + "..."


def record_items(file: str, element: etree._Element, fallback: str | None) -> list[Item]:
    """The records of one document element (CSW responses and oai_datacite wrappers unwrapped)."""
    try:
        elements = list(record_elements(_standalone(element)))
    except OdatisError as err:
        return [Item(file, problem=_reason(err))]
    return [
        Item(file, dialect_key(el), _standalone(el), etree.ElementTree(_standalone(el)), fallback)
        for el in elements
    ]


def oai_items(file: str, root: etree._Element) -> list[Item]:
    """Each record of an OAI-PMH answer (or a lone oai:record): its metadata child."""
    records = [root] if root.tag == f"{{{OAI}}}record" else list(root.iter(f"{{{OAI}}}record"))
    if not records:
        error = root.find(f"{{{OAI}}}error")
        what = f"error {error.get('code')}" if error is not None else _oai_verb(root)
        return [Item(file, problem=f"OAI-PMH answer without records ({what})")]
    items: list[Item] = []
    for record in records:
        header = record.find(f"{{{OAI}}}header")
        oai_id = (header.findtext(f"{{{OAI}}}identifier") if header is not None else None) or ""
        if header is not None and header.get("status") == "deleted":
            items.append(Item(file, problem="OAI-PMH deleted record (header only)"))
            continue
        metadata = record.find(f"{{{OAI}}}metadata")
        child = None if metadata is None else next((el for el in metadata if isinstance(el.tag, str)), None)
        if child is None:
            items.append(Item(file, problem="OAI-PMH record without metadata"))
            continue
        fallback = fallback_identifier(SOURCE, oai_id.strip()) if oai_id.strip() else None
        items.extend(record_items(file, child, fallback))
    return items


def _oai_verb(root: etree._Element) -> str:
    verbs = [etree.QName(el).localname for el in root if isinstance(el.tag, str)]
    return next((v for v in verbs if v not in ("responseDate", "request")), "no verb")


def items_of(path: Path, file: str, max_bytes: int) -> list[Item]:
    try:
        root = parse_file(path, max_bytes=max_bytes).getroot()
    except OdatisError as err:
        return [Item(file, problem=_reason(err, path))]
    if root.tag in (f"{{{OAI}}}OAI-PMH", f"{{{OAI}}}record"):
        return oai_items(file, root)
    return record_items(file, root, fallback_identifier(SOURCE, file))


# --------------------------------------------------------------------------- serving


def get_record_by_id(settings: Settings, identifier: str) -> tuple[etree._Element | None, str | None]:
    """The record the server answers to GetRecordById in ISO 19139, or why there is none."""
    query = iso_record_query(identifier)
    environ = {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": urlencode(query),
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "localhost",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "PATH_INFO": "/csw",
        "SCRIPT_NAME": "",
        "wsgi.input": io.BytesIO(),
    }
    status, _, body = csw_engine.dispatch(settings, environ, "csw")
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError:
        return None, f"GetRecordById answered {status} with a body that is not XML"
    if etree.QName(root).localname == "ExceptionReport":
        text = " ".join("".join(root.itertext()).split())
        return None, f"GetRecordById answered {status}: {text[:120]}"
    record = next((el for el in root if isinstance(el.tag, str)), None)
    if record is None:
        return None, "GetRecordById answered no record"
    return _standalone(record), None


# --------------------------------------------------------------------------- measuring


@dataclass
class Tally:
    read: int = 0
    served: int = 0
    same_identifier: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    source: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    source_in_rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class Collection:
    name: str
    files: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)


def _catalogue(folder: Path) -> tuple[Settings, CatalogueRepository]:
    raw = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))
    raw["server"]["url"] = "http://localhost/"
    raw["repository"]["database"] = f"sqlite:///{folder / 'fidelity.db'}"
    raw["odatis"]["data_dir"] = str(folder)
    path = folder / "pycsw.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = load_config(path)
    setup_repository(settings.database, settings.table)
    return settings, open_repository(settings.database, settings.table)


def collection_files(root: Path) -> Iterator[Path]:
    """The XML files of ``root`` and of its folders, recursively, but for ``SKIPPED_FOLDERS``, sorted."""
    entries = sorted(root.iterdir())
    yield from iter_record_files(p for p in entries if p.is_file() and p.suffix.lower() == ".xml")
    yield from iter_record_files(p for p in entries if p.is_dir() and p.name not in SKIPPED_FOLDERS)


def measure(name: str, root: Path, mapping: Mapping) -> Collection:
    result = Collection(name)
    for dialect_spec in mapping.dialects.values():
        result.tallies[dialect_spec.label] = Tally()
    with tempfile.TemporaryDirectory(prefix="odatis-fidelity-") as scratch:
        settings, repository = _catalogue(Path(scratch))
        try:
            for path in collection_files(root):
                result.files += 1
                file = path.relative_to(root).as_posix()
                for index, item in enumerate(items_of(path, file, settings.max_record_bytes)):
                    result.records.append(_measure_item(item, index, mapping, settings, repository, result))
        finally:
            repository.session.close()
            release_connections()
    return result


def _measure_item(
    item: Item,
    index: int,
    mapping: Mapping,
    settings: Settings,
    repository: CatalogueRepository,
    result: Collection,
) -> dict[str, Any]:
    spec = mapping.dialects.get(item.dialect or "")
    label = spec.label if spec else NO_RECORD
    tally = result.tallies.setdefault(label, Tally())
    tally.read += 1
    source = spec.fields_of(item.source) if spec and item.source is not None else set()
    tally.source.update(source)
    entry: dict[str, Any] = {"file": item.file, "index": index, "dialect": label, "source": sorted(source)}
    identifier, reason, served = None, item.problem, None
    if reason is None and item.document is not None:
        try:
            rows = rows_of(repository, item.document, item.fallback)
            if len(rows) != 1:
                raise OdatisError(f"{len(rows)} records in one payload")
            row = rows[0]
            identifier = row.identifier
            if repository.query_ids([identifier]):
                # measure each record alone: an update would keep columns of the earlier one
                tally.same_identifier += 1
                repository.delete({"where": "identifier = :pvalue0", "values": [identifier]})
            store_row(repository, row, SOURCE)
            served, reason = get_record_by_id(settings, identifier)
        except OdatisError as err:
            repository.session.rollback()
            reason = _reason(err)
        except Exception as err:  # noqa: BLE001 - a database refusal is a rejection, the run goes on
            repository.session.rollback()
            reason = f"not stored: {_reason(err)}"
    entry["identifier"] = identifier
    if served is None:
        tally.rejected[reason or "not read"] += 1
        tally.source_in_rejected.update(source)
        entry.update(served=False, reason=reason or "not read", kept=[], added=[])
        return entry
    tally.served += 1
    has = mapping.served.fields_of(served)
    tally.kept.update(has & source)
    tally.added.update(has - source)
    entry.update(served=True, reason=None, kept=sorted(has & source), added=sorted(has - source))
    return entry


# --------------------------------------------------------------------------- reporting


def as_json(collection: Collection, mapping: Mapping) -> dict[str, Any]:
    def tally_json(tally: Tally) -> dict[str, Any]:
        return {
            "read": tally.read,
            "served": tally.served,
            "rejected": sum(tally.rejected.values()),
            "same_identifier_as_earlier": tally.same_identifier,
            "reasons": dict(sorted(tally.rejected.items(), key=lambda kv: (-kv[1], kv[0]))),
            "fields": {
                name: {
                    "source": tally.source[name],
                    "served": tally.kept[name],
                    "lost": tally.source[name] - tally.kept[name],
                    "lost_in_rejected": tally.source_in_rejected[name],
                    "added": tally.added[name],
                }
                for name in mapping.fields
            },
        }

    tallies = {label: tally for label, tally in collection.tallies.items() if tally.read}
    total = Tally()
    for tally in tallies.values():
        total.read += tally.read
        total.served += tally.served
        total.same_identifier += tally.same_identifier
        for counter in ("rejected", "source", "kept", "added", "source_in_rejected"):
            getattr(total, counter).update(getattr(tally, counter))
    return {
        "collection": collection.name,
        "files": collection.files,
        "dialects": {label: tally_json(tally) for label, tally in tallies.items()},
        "total": tally_json(total),
        "records": sorted(collection.records, key=lambda r: (r["file"], r["index"])),
    }


def as_text(report: dict[str, Any], mapping: Mapping) -> str:
    fields = list(mapping.fields)
    width = max([len(label) for label in report["dialects"]] + [len("total")]) + 2
    columns = [max(len(mapping.fields[name]), 5) for name in fields]
    head = f"{'dialect':<{width}}{'':<9}{'records':>7}" + "".join(
        f" {mapping.fields[name]:>{w}}" for name, w in zip(fields, columns, strict=True)
    )
    lines = [
        f"== {report['collection']}: {report['files']} files ==",
        "Field presence: in the source record (read), in the served ISO 19139 record (served), and lost.",
        head,
        "-" * len(head),
    ]
    for label, data in [*report["dialects"].items(), ("total", report["total"])]:
        f = data["fields"]
        rows = [
            (label, "read", data["read"], [f[n]["source"] for n in fields]),
            ("", "served", data["served"], [f[n]["served"] for n in fields]),
            ("", "lost", data["rejected"], [f[n]["lost"] for n in fields]),
        ]
        if any(f[n]["added"] for n in fields):
            rows.append(("", "added", "", [f[n]["added"] for n in fields]))
        for name, kind, count, values in rows:
            cells = "".join(f" {v:>{w}}" for v, w in zip(values, columns, strict=True))
            lines.append(f"{name:<{width}}{kind:<9}{count!s:>7}{cells}")
    lines.append("('lost' on the records column: records rejected; a rejected record loses every field.)")
    lines.append("")
    lines.append("Rejected, by reason:")
    if not report["total"]["rejected"]:
        lines.append("  none")
    for label, data in report["dialects"].items():
        for reason, count in data["reasons"].items():
            lines.append(f"  {label:<{width}}{count:>5}  {reason}")
    shared = {label: d["same_identifier_as_earlier"] for label, d in report["dialects"].items()}
    if any(shared.values()):
        lines.append("Records stored under an identifier an earlier record of the collection had:")
        lines.extend(f"  {label:<{width}}{count:>5}" for label, count in shared.items() if count)
    t = report["total"]
    held = sum(v["source"] for v in t["fields"].values())
    kept = sum(v["served"] for v in t["fields"].values())
    lines.append(
        f"TOTAL {report['collection']}: {report['files']} files, {t['read']} records read, "
        f"{t['served']} served, {t['rejected']} rejected; key fields {held} in sources, "
        f"{kept} served, {held - kept} lost"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--no-corpus", action="store_true", help="tests/data/records only")
    parser.add_argument("--json", action="store_true", help="one JSON document, with every record")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the engine's warnings about odd records are not the report
    mapping = load_mapping()
    collections: list[tuple[str, Path]] = []
    notes: list[str] = []
    if args.no_corpus:
        pass
    elif args.corpus.is_dir():
        collections.append(("corpus", args.corpus))
        skipped = [args.corpus / name for name in SKIPPED_FOLDERS if (args.corpus / name).is_dir()]
        if skipped:
            counts = ", ".join(
                f"{p.name}/ ({sum(1 for f in p.rglob('*') if f.is_file())} files)" for p in skipped
            )
            notes.append(f"corpus folders without record dialects, not read: {counts}")
    else:
        notes.append(f"corpus {args.corpus} not found: skipped (tests/data/records only)")
    collections.append(("tests/data/records", RECORDS))
    reports = [as_json(measure(name, root, mapping), mapping) for name, root in collections]
    if args.json:
        json.dump({"notes": notes, "collections": reports}, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for note in notes:
        print(note)
    for report in reports:
        print()
        print(as_text(report, mapping))
    return 0


if __name__ == "__main__":
    sys.exit(main())
