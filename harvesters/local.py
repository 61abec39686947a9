"""Local directory of metadata files, for operators and tests (``url`` is a directory)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from odatis_csw.harvest.base import GatherState, RawRecord, RecordRef
from odatis_csw.harvest.errors import PayloadTooLarge, SourceUnreachable
from odatis_csw.harvest.http import HttpClient
from odatis_csw.harvest.sources import Source


class LocalHarvester:
    """Every ``*.xml`` file under a directory, recursively; the identifier is the relative path."""

    protocol: ClassVar[str] = "local"
    incremental: ClassVar[bool] = False
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"pattern": {"type": "string", "minLength": 1}},
    }

    def __init__(self, source: Source, http: HttpClient) -> None:
        self.source = source
        self.root = Path(source.url.removeprefix("file://")).expanduser()
        self.pattern = str(source.options.get("pattern", "*.xml"))
        self.max_bytes = http.settings.max_bytes

    def gather(self, state: GatherState) -> Iterator[RecordRef]:
        if not self.root.is_dir():
            raise SourceUnreachable(f"{self.root}: not a directory")
        for path in sorted(self.root.rglob(self.pattern)):
            if path.is_file():
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                yield RecordRef(
                    identifier=str(path.relative_to(self.root)),
                    url=path.as_uri(),
                    modified=modified,
                    validators={"size-mtime": f"{stat.st_size}-{stat.st_mtime_ns}"},
                )

    def fetch(self, ref: RecordRef) -> RawRecord:
        path = self.root / ref.identifier
        if path.stat().st_size > self.max_bytes:
            raise PayloadTooLarge(f"{path}: larger than {self.max_bytes} bytes")
        payload = path.read_bytes()
        return RawRecord(
            ref.identifier, payload, url=ref.url, validators={"sha256": hashlib.sha256(payload).hexdigest()}
        )
