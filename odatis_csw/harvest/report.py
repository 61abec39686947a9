"""Operator-facing text: the status table of sources and the report of one run."""

from __future__ import annotations

from typing import Any

from odatis_csw.harvest.schedule import next_due
from odatis_csw.harvest.sources import SourceRegistry
from odatis_csw.store.ledger import iso

COUNTS = ("new", "updated", "unchanged", "deleted", "rejected")


def status_table(registry: SourceRegistry, last_runs: dict[str, dict[str, Any]]) -> str:
    header = ("source", "protocol", "last run", "run", "state", *COUNTS, "next due")
    rows = [header]
    for source in registry.sources.values():
        last = last_runs.get(source.name)
        due = next_due(source, last)
        state = last["status"] if last else "never run"
        if not source.enabled:
            state += " (disabled)"
        rows.append(
            (
                source.name,
                source.protocol,
                last["started_at"] if last else "-",
                str(last["id"]) if last else "-",
                state,
                *(str(last[name]) if last else "-" for name in COUNTS),
                iso(due) if due else "manual",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def run_report(
    run: dict[str, Any], rejections: list[dict[str, Any]], quality: dict[str, Any] | None = None
) -> str:
    lines = [
        f"run {run['id']} of {run['source']}: {run['status']}"
        f" ({'full' if run['full_listing'] else 'incremental'} listing)",
        f"started {run['started_at']}, ended {run['ended_at'] or '-'}",
        ", ".join(f"{run[name]} {name}" for name in COUNTS),
    ]
    if run.get("message"):
        lines.append(run["message"])
    if quality and quality["checked"]:
        lines.append(
            f"quality of the {quality['checked']} ISO records stored: {quality['valid']} valid against the "
            f"ISO 19139 schemas, {quality['repaired']} repaired, "
            f"mean completeness {quality['completeness']}/100 (`odatis-csw quality --invalid` lists problems)"
        )
    for rejection in rejections:
        where = f" at {rejection['location']}" if rejection.get("location") else ""
        record = f"{rejection['source']} {rejection['source_id']}"
        lines.append(f"rejected {record}: [{rejection['code']}] {rejection['reason']}{where}")
    return "\n".join(lines)
