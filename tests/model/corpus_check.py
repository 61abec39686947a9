"""Compare what the ISO readers find with what the fidelity XPaths say a source record holds.

Shared by the corpus-wide test; the field detection is the fidelity report's
(``benchmarks/corpus_fidelity.py`` with ``mappings/fidelity.yaml``), not a second definition.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from odatis_csw.model.readers import read_record
from odatis_csw.model.record import Record, doi_of

REPO = Path(__file__).resolve().parents[2]
ISO_DIALECTS = ("iso19139", "iso19115-2", "iso19115-3")


def fidelity_module() -> ModuleType:
    """``benchmarks/corpus_fidelity.py``, imported from its file (benchmarks/ is no package)."""
    name = "odatis_corpus_fidelity"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "corpus_fidelity.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _dois(record: Record) -> bool:
    candidates = [record.dataset_uri or "", record.file_identifier or ""]
    candidates += [link.url for link in record.links if "doi.org/10." in link.url.lower()]
    return bool(record.dois) or any(doi_of(value) for value in candidates)


#: For each key field of the fidelity mapping: does the normalised record hold it?
READ: dict[str, Callable[[Record], bool]] = {
    "title": lambda r: bool(r.title.value.strip()),
    "abstract": lambda r: r.abstract is not None,
    "identifier": lambda r: bool(r.file_identifier),
    "doi": _dois,
    "bbox": lambda r: bool(r.boxes),
    "temporal": lambda r: bool(r.temporal_extents),
    "keywords": lambda r: any(group.keywords for group in r.keywords),
    "links": lambda r: bool(r.links),
    "licence": lambda r: bool(
        r.constraints.licences
        or r.constraints.other_constraints
        or r.constraints.use_limitations
        or r.constraints.access_constraints
        or r.constraints.use_constraints
    ),
}


@dataclass
class Tally:
    records: Counter[str] = field(default_factory=Counter)  # per dialect
    errors: list[str] = field(default_factory=list)  # "file: exception"
    source: Counter[str] = field(default_factory=Counter)  # field -> records whose source has it
    found: Counter[str] = field(default_factory=Counter)  # field -> of those, read by the reader
    missed: dict[str, list[str]] = field(default_factory=dict)  # field -> files


def iso_items(corpus: Path) -> Iterator[tuple[str, str, object]]:
    """(file, dialect key, standalone record element) of every ISO record the catalogue loads."""
    fidelity = fidelity_module()
    for path in fidelity.collection_files(corpus):
        file = path.relative_to(corpus).as_posix()
        for item in fidelity.items_of(path, file, 50_000_000):
            if item.dialect in ISO_DIALECTS and item.source is not None:
                yield file, item.dialect, item.source


def check(corpus: Path) -> Tally:
    fidelity = fidelity_module()
    mapping = fidelity.load_mapping()
    tally = Tally()
    for file, dialect, element in iso_items(corpus):
        tally.records[dialect] += 1
        try:
            record = read_record(element)  # type: ignore[arg-type]
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            tally.errors.append(f"{file}: {type(err).__name__}: {err}")
            continue
        for name in mapping.dialects[dialect].fields_of(element):
            tally.source[name] += 1
            if READ[name](record):
                tally.found[name] += 1
            else:
                tally.missed.setdefault(name, []).append(file)
    return tally
