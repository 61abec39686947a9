"""Output schemas of the engine wrapped so one imperfect record cannot break an answer.

pycsw stores a link's protocol as null when it cannot guess it, and keeps links without a
URL; its FGDC writer then fails on the null protocol (HTTP 500) and its Atom writer on the
missing URL. The wrappers show the writers a read-only view of the row with those links
cleaned; the stored row is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pycsw.core import util
from pycsw.plugins.outputschemas import atom, fgdc


class RecordView:
    """Read-only view of a repository row with some attributes replaced."""

    def __init__(self, row: Any, overrides: dict[str, Any]) -> None:
        self.__dict__["_row"] = row
        self.__dict__["_overrides"] = overrides

    def __getattr__(self, name: str) -> Any:
        overrides = self.__dict__["_overrides"]
        return overrides[name] if name in overrides else getattr(self.__dict__["_row"], name)


def safe_links_schema(module: ModuleType, fill_protocol: bool) -> type:
    """A stand-in for an output-schema module whose ``write_record`` sees only usable links."""

    def write_record(row: Any, esn: str, context: Any, url: str | None = None) -> Any:
        column = context.md_core_model["mappings"]["pycsw:Links"]
        raw = util.getqattr(row, column)
        if raw:
            links = [dict(link) for link in util.jsonify_links(raw) if link.get("url")]
            if fill_protocol:
                for link in links:
                    link["protocol"] = link.get("protocol") or ""
            row = RecordView(row, {column: json.dumps(links) if links else None})
        node = module.write_record(row, esn, context, url)
        if fill_protocol:
            for element in node.iter("onlink"):  # no protocol: no type attribute
                if element.get("type") == "":
                    del element.attrib["type"]
        return node

    writer: Callable[..., Any] = write_record
    attributes = {
        "NAMESPACE": module.NAMESPACE,
        "NAMESPACES": module.NAMESPACES,
        "XPATH_MAPPINGS": module.XPATH_MAPPINGS,
        "write_record": staticmethod(writer),
    }
    return type(f"Safe{module.__name__.rsplit('.', 1)[-1].title()}", (), attributes)


#: Output schemas replaced by their safe wrappers, by namespace.
SAFE_OUTPUT_SCHEMAS = {
    fgdc.NAMESPACE: safe_links_schema(fgdc, fill_protocol=True),
    atom.NAMESPACE: safe_links_schema(atom, fill_protocol=False),
}
