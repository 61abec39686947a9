"""The ``odatis-csw`` command: the operators' contract. Parses arguments and prints; no logic."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from odatis_csw import __version__
from odatis_csw.config import Settings, default_config_path, load_config
from odatis_csw.errors import OdatisError
from odatis_csw.store.loader import LoadSummary, Outcome, iter_record_files, load_paths
from odatis_csw.store.repository import open_repository, release_connections, setup_repository


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
    """Check the configuration file and say precisely what is wrong."""
    settings = _settings(ctx)
    click.echo(f"{settings.path}: valid")


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
    """Build a fresh embedded catalogue of sample ODATIS records and serve it."""
    from odatis_csw.demo import prepare_demo

    os.environ.setdefault("ODATIS_CSW_URL", f"http://{host}:{port}")
    settings = _settings(ctx)
    demo_settings = prepare_demo(settings)
    summary = run_load(demo_settings, (demo_settings.data_dir / "samples",))
    _print_summary(summary)
    if not no_serve:
        _serve(demo_settings, host, port, workers)
