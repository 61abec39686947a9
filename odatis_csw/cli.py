"""The ``odatis-csw`` command: the operators' contract. Parses arguments and prints; no logic."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from odatis_csw import __version__
from odatis_csw.config import Settings, default_config_path, load_config
from odatis_csw.errors import OdatisError
from odatis_csw.harvest.sources import Source, SourceRegistry
from odatis_csw.store.loader import LoadSummary, Outcome, iter_record_files, load_paths
from odatis_csw.store.repository import open_repository, release_connections, setup_repository

if TYPE_CHECKING:
    from odatis_csw.harvest.pipeline import RunReport


def _settings(ctx: click.Context) -> Settings:
    path: Path = ctx.obj["config_path"]
    try:
        return load_config(path)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err


@click.group()
@click.version_option(__version__, prog_name="odatis-csw")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Configuration file (default: $PYCSW_CONFIG, else ./pycsw.yml).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """ODATIS federated ocean metadata catalogue."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path or default_config_path()


@main.group()
def db() -> None:
    """Manage the repository."""


@db.command("setup")
@click.pass_context
def db_setup(ctx: click.Context) -> None:
    """Create the repository tables, or check those that exist."""
    settings = _settings(ctx)
    try:
        created = setup_repository(settings.database, settings.table)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err
    state = "created" if created else "already present and complete"
    click.echo(f"repository {settings.table!r} {state}")


def _print_summary(summary: LoadSummary) -> None:
    counts = ", ".join(f"{summary.count(outcome)} {outcome.value}" for outcome in Outcome)
    click.echo(counts)
    for result in summary.rejected:
        click.echo(f"rejected {result.path}: {result.reason}", err=True)


def run_load(settings: Settings, paths: tuple[Path, ...]) -> LoadSummary:
    """Load record files with a progress bar on a terminal; return the summary."""
    setup_repository(settings.database, settings.table)
    repository = open_repository(settings.database, settings.table)
    files = list(iter_record_files(paths))
    if sys.stderr.isatty():
        with click.progressbar(length=len(files), label="loading", file=sys.stderr) as bar:
            return load_paths(repository, files, settings.max_record_bytes, on_file=lambda _: bar.update(1))
    return load_paths(repository, files, settings.max_record_bytes)


@main.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def load(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Load ISO 19139, 19115-2, 19115-3 and Dublin Core files or directories (recursively)."""
    try:
        summary = run_load(_settings(ctx), paths)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err
    _print_summary(summary)
    if summary.rejected:
        ctx.exit(1)


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("validate")
@click.pass_context
def config_validate(ctx: click.Context) -> None:
    """Check the configuration file (and the harvest sources) and say precisely what is wrong."""
    settings = _settings(ctx)
    click.echo(f"{settings.path}: valid")
    registry = _registry(settings)
    if settings.sources_path.exists():
        click.echo(f"{settings.sources_path}: valid ({len(registry.sources)} sources)")


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    from odatis_csw.serve import serve

    try:
        setup_repository(settings.database, settings.table)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err
    release_connections()  # workers open their own: a forked connection would be shared
    click.echo(f"odatis-csw serving {settings.database} on http://{host}:{port}", err=True)
    serve(settings.path, host, port, workers, timeout=int(settings.pycsw["server"].get("timeout", 30)))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the catalogue with gunicorn."""
    os.environ.setdefault("ODATIS_CSW_URL", f"http://{host}:{port}")
    _serve(_settings(ctx), host, port, workers)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-serve", is_flag=True, help="Build the demo catalogue and stop.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, workers: int, no_serve: bool) -> None:
    """Harvest a small local federation of ODATIS data centres into a fresh hub, and serve it."""
    from odatis_csw.demo import federation, prepare_demo

    os.environ.setdefault("ODATIS_CSW_URL", f"http://{host}:{port}")
    hub = prepare_demo(_settings(ctx))
    setup_repository(hub.database, hub.table)
    click.echo(f"demo federation and hub in {hub.data_dir}", err=True)
    with federation(hub) as sources:
        for source in sources:
            click.echo(
                f"{source['name']}: {source['title']} ({source['protocol']} {source['url']})", err=True
            )
        reports = _harvest_sources(
            hub, _registry(hub).select([], every=True), full=True, allow_deletions=False
        )
    if any(getattr(r.status, "value", r.status) != "success" for r in reports):
        raise click.ClickException("the demo harvest did not complete: see the lines above")
    if not no_serve:
        _serve(hub, host, port, workers)


@main.command("quality")
@click.argument("record_id", required=False)
@click.option("--invalid", is_flag=True, help="Only records not valid against the ISO 19139 schemas.")
@click.pass_context
def quality(ctx: click.Context, record_id: str | None, invalid: bool) -> None:
    """Quality of served records: schema validity, completeness, repairs, problems."""
    from odatis_csw.store.ledger import Ledger, quality_rows

    settings = _settings(ctx)
    setup_repository(settings.database, settings.table)
    ledger = Ledger(settings.database)
    try:
        rows = quality_rows(ledger.engine, record_id, invalid)
    finally:
        ledger.close()
    if record_id is not None and not rows:
        raise click.ClickException(f"no quality result for {record_id!r}")
    for row in rows:
        validity = "valid" if row["valid_xsd"] else "not valid"
        if row["xsd_scope"] == "none":
            validity = "not ISO 19139 (not checked)"
        click.echo(
            f"{row['record_id']} [{row['source']}]: {validity}, completeness {row['completeness']}/100,"
            f" {row['repair_count']} repaired"
        )
        if record_id is not None or invalid:
            for repair in json.loads(row["repairs"]):
                click.echo(f"  repair {repair['what']} at {repair['path']}: {repair['why']}")
            for problem in json.loads(row["problems"])["problems"]:
                where = f" (line {problem['line']})" if problem.get("line") else ""
                click.echo(f"  {problem['severity']} at {problem['path']}{where}: {problem['message']}")


@main.group()
def harvest() -> None:
    """Harvest the data centres declared in sources.yml."""


def _registry(settings: Settings) -> SourceRegistry:
    from odatis_csw.harvest.registry import check_sources
    from odatis_csw.harvest.sources import load_sources

    try:
        registry = load_sources(settings.sources_path)
        check_sources(registry)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err
    return registry


def _log_run(report: RunReport) -> None:
    """One line per run: JSON when not on a terminal (structured logs), prose otherwise."""
    counts = {
        name: report.counts.get(name, 0) for name in ("new", "updated", "unchanged", "deleted", "rejected")
    }
    status = getattr(report.status, "value", report.status)
    if sys.stderr.isatty():
        detail = ", ".join(f"{value} {name}" for name, value in counts.items())
        click.echo(f"{report.source}: {status} (run {report.run_id}): {detail}", err=True)
    else:
        entry = {
            "event": "harvest-run",
            "source": report.source,
            "run": report.run_id,
            "status": status,
            **counts,
        }
        click.echo(json.dumps(entry), err=True)
    if report.message:
        click.echo(f"{report.source}: {report.message}", err=True)


def _harvest_sources(
    settings: Settings, sources: list[Source], full: bool, allow_deletions: bool
) -> list[RunReport]:
    from odatis_csw.harvest.pipeline import run_source

    registry = _registry(settings)
    setup_repository(settings.database, settings.table)
    reports = []
    for source in sources:
        if sys.stderr.isatty():
            done = Counter[str]()

            def progress(outcome: Any, name: str = source.name, seen: Counter[str] = done) -> None:
                seen[outcome.value] += 1
                click.echo(f"\r{name}: {sum(seen.values())} records", nl=False, err=True)

            report = run_source(
                settings, registry, source, full=full, allow_deletions=allow_deletions, on_record=progress
            )
            click.echo("", err=True)
        else:
            report = run_source(settings, registry, source, full=full, allow_deletions=allow_deletions)
        _log_run(report)
        reports.append(report)
    return reports


@harvest.command("run")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every enabled source.")
@click.option("--full", is_flag=True, help="List every record, not only those changed since the last run.")
@click.option("--allow-deletions", is_flag=True, help="Apply deletions even beyond the configured share.")
@click.pass_context
def harvest_run(
    ctx: click.Context, names: tuple[str, ...], every: bool, full: bool, allow_deletions: bool
) -> None:
    """Harvest the named sources (or --all) now."""
    if not names and not every:
        raise click.UsageError("name one or more sources, or use --all")
    settings = _settings(ctx)
    try:
        sources = _registry(settings).select(names, every=every)
    except OdatisError as err:
        raise click.ClickException(err.user_msg) from err
    reports = _harvest_sources(settings, sources, full, allow_deletions)
    failed = [r for r in reports if getattr(r.status, "value", r.status) not in ("success",)]
    if failed:
        ctx.exit(1)


@harvest.command("status")
@click.pass_context
def harvest_status(ctx: click.Context) -> None:
    """A table of sources: last run, state, counts, next due."""
    from odatis_csw.harvest.report import status_table
    from odatis_csw.store.ledger import Ledger

    settings = _settings(ctx)
    registry = _registry(settings)
    setup_repository(settings.database, settings.table)
    ledger = Ledger(settings.database)
    try:
        click.echo(status_table(registry, ledger.last_runs()))
    finally:
        ledger.close()


@harvest.command("report")
@click.argument("run_id", type=int)
@click.pass_context
def harvest_report(ctx: click.Context, run_id: int) -> None:
    """What one run did, with one line per rejected record."""
    from odatis_csw.harvest.report import run_report
    from odatis_csw.store.ledger import Ledger, run_quality

    settings = _settings(ctx)
    setup_repository(settings.database, settings.table)
    ledger = Ledger(settings.database)
    try:
        run = ledger.run(run_id)
        if run is None:
            raise click.ClickException(f"no harvest run {run_id}")
        click.echo(run_report(run, ledger.rejections(run_id), run_quality(ledger.engine, run_id)))
    finally:
        ledger.close()


@harvest.command("reimport")
@click.pass_context
def harvest_reimport(ctx: click.Context) -> None:
    """Rebuild the catalogue from the archived payloads, without the network."""
    from odatis_csw.harvest.pipeline import reimport

    settings = _settings(ctx)
    setup_repository(settings.database, settings.table)
    counts = reimport(settings)
    click.echo(
        ", ".join(f"{value} {name}" for name, value in sorted(counts.items())) or "nothing to re-import"
    )


@harvest.command("schedule")
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.pass_context
def harvest_schedule(ctx: click.Context, once: bool) -> None:
    """Run due sources by their schedule until stopped (SIGINT or SIGTERM)."""
    from odatis_csw.harvest.schedule import due_sources, next_due, run_until_stopped
    from odatis_csw.store.ledger import Ledger, now

    settings = _settings(ctx)
    registry = _registry(settings)
    setup_repository(settings.database, settings.table)

    def last_runs() -> dict[str, dict[str, Any]]:
        ledger = Ledger(settings.database)
        try:
            return ledger.last_runs()
        finally:
            ledger.close()

    def tick() -> None:
        due = due_sources(registry, last_runs())
        if due:
            _harvest_sources(settings, due, full=False, allow_deletions=False)

    def seconds_until_next() -> float:
        runs = last_runs()
        moments = [m for s in registry.sources.values() if (m := next_due(s, runs.get(s.name))) is not None]
        return min((m - now()).total_seconds() for m in moments) if moments else 3600.0

    if once:
        tick()
        return
    run_until_stopped(tick, seconds_until_next)
