"""Which sources are due, and the loop that runs them until stopped."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from odatis_csw.harvest.sources import Source, SourceRegistry
from odatis_csw.store.ledger import now, parse_iso


def next_due(source: Source, last_run: dict[str, Any] | None) -> datetime | None:
    """When the source should run next; None for manual or disabled sources."""
    interval = source.interval
    if interval is None or not source.enabled:
        return None
    if last_run is None:
        return now()
    started = parse_iso(last_run["started_at"])
    return started + interval if started else now()


def due_sources(registry: SourceRegistry, last_runs: dict[str, dict[str, Any]]) -> list[Source]:
    moment = now()
    due = []
    for source in registry.sources.values():
        when = next_due(source, last_runs.get(source.name))
        if when is not None and when <= moment:
            due.append(source)
    return due


def run_until_stopped(
    tick: Callable[[], None], seconds_until_next: Callable[[], float], stop: threading.Event | None = None
) -> None:
    """Call ``tick`` whenever something is due, until SIGINT or SIGTERM (or ``stop`` is set)."""
    stop = stop or threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.is_set():
            tick()
            stop.wait(max(1.0, min(60.0, seconds_until_next())))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
