"""Shared fixtures: real catalogue servers (gunicorn subprocesses) on free ports.

The backend is SQLite unless ``ODATIS_TEST_PG`` names a PostgreSQL server with PostGIS
(an administrative URL such as ``postgresql://postgres@127.0.0.1:54329/postgres``): each
catalogue then gets a database of its own, created and dropped by the fixture.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
RECORDS = DATA / "records"
SHARED = REPO.parent / "shared"
ANTIMERIDIAN_ID = "odatis-test-antimeridian-pacific"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def backend() -> str:
    return "postgis" if os.environ.get("ODATIS_TEST_PG") else "sqlite"


class Databases:
    """Creates one empty database per catalogue on the selected backend, drops them at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.admin_url = os.environ.get("ODATIS_TEST_PG")
        self.created: list[str] = []

    def new(self, name: str) -> str:
        if not self.admin_url:
            return f"sqlite:///{self.workdir / name}.db"
        dbname = f"odatis_test_{name}_{uuid.uuid4().hex[:8]}".lower()
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{dbname}"'))
        engine.dispose()
        url = self.admin_url.rsplit("/", 1)[0] + "/" + dbname
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        self.created.append(dbname)
        return url

    def drop_all(self) -> None:
        if not self.admin_url:
            return
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for dbname in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        engine.dispose()


@dataclass
class Catalogue:
    """A configured catalogue: its folder, configuration file, database and (once started) URL."""

    folder: Path
    config: Path
    database: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    loaded: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``odatis-csw --config <this catalogue> ARGS``."""
        command = [sys.executable, "-m", "odatis_csw", "--config", str(self.config), *args]
        result = subprocess.run(command, capture_output=True, text=True, env=_env(self), timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, workers: int = 1) -> None:
        self.log = self.folder / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "odatis_csw",
                    "--config",
                    str(self.config),
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_env(self),
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer in time:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _env(catalogue: Catalogue) -> dict[str, str]:
    env = dict(os.environ)
    env["ODATIS_CSW_URL"] = catalogue.url
    env.pop("PYCSW_CONFIG", None)
    return env


def write_config(folder: Path, database: str, **overrides: object) -> Path:
    """A configuration derived from the project's own pycsw.yml, on ``database``."""
    raw = yaml.safe_load((REPO / "pycsw.yml").read_text(encoding="utf-8"))
    raw["repository"]["database"] = database
    raw["odatis"]["data_dir"] = str(folder / "data")
    for dotted, value in overrides.items():
        node = raw
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path = folder / "pycsw.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def antimeridian_record(folder: Path) -> Path:
    """A real PacIOOS ISO 19115-2 record moved across the antimeridian (170°E to 170°W): another dataset."""
    source = (RECORDS / "iso19115-2" / "pycsw-apiso__pacioos-NS06agg.xml").read_text(encoding="utf-8")
    import re

    text_ = re.sub(r"(<gmd:fileIdentifier>\s*<gco:CharacterString>)[^<]+", rf"\g<1>{ANTIMERIDIAN_ID}", source)
    # another dataset, not a copy of NS06agg: its own resource identifier (the catalogue merges copies)
    text_ = re.sub(r"(<gmd:code>\s*<gco:CharacterString>)NS06agg<", rf"\g<1>{ANTIMERIDIAN_ID}<", text_)
    for element, value in (
        ("westBoundLongitude", "170"),
        ("eastBoundLongitude", "-170"),
        ("southBoundLatitude", "-20"),
        ("northBoundLatitude", "-10"),
    ):
        text_ = re.sub(rf"(<gmd:{element}>\s*<gco:Decimal>)[^<]+", rf"\g<1>{value}", text_)
    path = folder / "antimeridian.xml"
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    registry = Databases(tmp_path_factory.mktemp("databases"))
    yield registry
    registry.drop_all()


@pytest.fixture(scope="session")
def make_catalogue(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[object]:
    """Factory: ``make_catalogue(name, *paths, start=True)`` → a loaded (and served) Catalogue."""
    made: list[Catalogue] = []

    def factory(name: str, *paths: Path, start: bool = True, **overrides: object) -> Catalogue:
        folder = tmp_path_factory.mktemp(name)
        database = databases.new(name)
        catalogue = Catalogue(folder, write_config(folder, database, **overrides), database, free_port())
        catalogue.cli("db", "setup")
        if paths:
            catalogue.cli("load", *map(str, paths))
            catalogue.loaded = list(paths)
        if start:
            catalogue.start()
        made.append(catalogue)
        return catalogue

    yield factory
    for catalogue in made:
        catalogue.stop()


@pytest.fixture(scope="session")
def catalogue(make_catalogue, tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The main test catalogue: every record of tests/data/records plus the antimeridian record."""
    extra = antimeridian_record(tmp_path_factory.mktemp("derived"))
    catalogue = make_catalogue("main", RECORDS, extra, start=False)
    catalogue.start(workers=2)  # the main catalogue runs several workers, as in production
    return catalogue


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared/corpus is not present")
    return corpus


def skip_or_fail(reason: str) -> None:
    """Skip when a tool is absent, unless ODATIS_TEST_STRICT says everything was installed."""
    if os.environ.get("ODATIS_TEST_STRICT"):
        pytest.fail(f"{reason} (ODATIS_TEST_STRICT is set: scripts/test should have installed it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ogrinfo() -> str:
    path = shutil.which("ogrinfo")
    if path is None:
        skip_or_fail("GDAL's ogrinfo is not installed (Debian package gdal-bin)")
    return str(path)
