"""The storage boundary: pycsw's repository, created from our validated settings."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from pycsw.core import repository as pycsw_repository
from pycsw.core.config import StaticContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SAWarning

from odatis_csw.errors import RepositoryError
from odatis_csw.store import datasets as _datasets  # noqa: F401 - its tables join the ledger's
from odatis_csw.store import identities as _identities  # noqa: F401 - its table joins the ledger's
from odatis_csw.store import ledger

LOGGER = logging.getLogger(__name__)


class CatalogueRepository(pycsw_repository.Repository):  # type: ignore[misc]
    """pycsw repository named in ``repository.source``.

    pycsw builds it as ``CatalogueRepository(context, repo_filter)`` and gives it the
    database through ``context.server.config``; our own code passes it explicitly.
    """

    def __init__(
        self,
        context: StaticContext,
        repo_filter: str | None = None,
        database: str | None = None,
        table: str | None = None,
    ) -> None:
        if database is None:
            settings = context.server.config["repository"]
            database, table = settings["database"], settings.get("table", "records")
        super().__init__(database, context, table=table or "records", repo_filter=repo_filter)

    def count(self) -> int:
        """Number of rows held, in one query."""
        return int(self.session.query(self.dataset).count())

    def identifier_exists(self, identifier: str) -> bool:
        return bool(self.session.query(self.dataset).filter_by(identifier=identifier).count())


def open_repository(database: str, table: str) -> CatalogueRepository:
    """Open an existing repository for our own code (loader, health check)."""
    try:
        return CatalogueRepository(StaticContext(), database=database, table=table)
    except DBAPIError as err:
        raise RepositoryError(_unreachable(database, err)) from err


def _unreachable(database: str, err: DBAPIError) -> str:
    detail = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
    return f"database {make_url(database).render_as_string(hide_password=True)} not usable: {detail}"


def table_exists(database: str, table: str) -> bool:
    engine = create_engine(database)
    try:
        return bool(inspect(engine).has_table(table))
    finally:
        engine.dispose()


def release_connections() -> None:
    """Close every pooled connection of this process (before gunicorn forks its workers)."""
    for engine in pycsw_repository.Repository._engines.values():
        engine.dispose()
    pycsw_repository.Repository._engines.clear()


#: Columns whose values stay short (codes, dates, identifiers): the engine's B-tree indexes suit them.
BOUNDED_COLUMNS = frozenset(
    {
        "identifier",
        "typename",
        "schema",
        "mdsource",
        "insert_date",
        "language",
        "type",
        "parentidentifier",
        "time_begin",
        "time_end",
        "date",
        "date_revision",
        "date_creation",
        "date_publication",
        "date_modified",
        "crs",
        "denominator",
        "distancevalue",
        "distanceuom",
        "vert_extent_min",
        "vert_extent_max",
        "servicetypeversion",
        "couplingtype",
        "degree",
        "specificationdate",
        "specificationdatetype",
        "cloudcover",
    }
)


def setup_repository(database: str, table: str) -> bool:
    """Create the records table and its indexes; return False when it already existed."""
    try:
        return _setup(database, table)
    except DBAPIError as err:
        raise RepositoryError(_unreachable(database, err)) from err


def _setup(database: str, table: str) -> bool:
    created = False
    if table_exists(database, table):
        missing = _missing_columns(database, table)
        if missing:
            raise RepositoryError(f"table {table!r} exists but lacks columns: {', '.join(missing)}")
    else:
        pycsw_repository.setup(database, table)
        created = True
    engine = create_engine(database)
    try:
        ledger.create_tables(engine)
        if engine.dialect.name == "postgresql":
            _hash_index_free_text(engine, table)
    finally:
        engine.dispose()
    return created


def _hash_index_free_text(engine: Any, table: str) -> None:
    """Replace B-tree indexes on free-text columns by hash indexes.

    PostgreSQL refuses to index a B-tree entry over about 2.7 kB, so one record with a long
    keyword list or abstract could not be stored. Hash indexes keep equality look-ups and
    accept any length.
    """
    query = text(
        "SELECT i.relname AS index_name, a.attname AS column_name "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_am m ON m.oid = i.relam "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
        "JOIN pg_type ty ON ty.oid = a.atttypid "
        "WHERE t.relname = :table AND m.amname = 'btree' AND x.indnatts = 1 AND NOT x.indisprimary "
        "AND ty.typname IN ('text', 'varchar')"
    )
    with engine.begin() as connection:
        for index_name, column in connection.execute(query, {"table": table}).fetchall():
            if column in BOUNDED_COLUMNS:
                continue
            connection.execute(text(f'DROP INDEX "{index_name}"'))
            connection.execute(text(f'CREATE INDEX "{index_name}" ON "{table}" USING hash ("{column}")'))


def _missing_columns(database: str, table: str) -> list[str]:
    engine = create_engine(database)
    try:
        with warnings.catch_warnings():  # the PostGIS geometry column is unknown to SQLAlchemy
            warnings.simplefilter("ignore", SAWarning)
            present = {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()
    expected = set(StaticContext().md_core_model["mappings"].values()) - {None}
    return sorted(column for column in expected if isinstance(column, str) and column not in present)


def ping(database: str, table: str) -> dict[str, Any]:
    """Check the database answers and the table is readable; raise RepositoryError if not."""
    try:
        engine = create_engine(database, pool_pre_ping=True)
        try:
            with engine.connect() as connection:
                count = connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar()
        finally:
            engine.dispose()
    except Exception as err:  # noqa: BLE001 - any driver failure means "not reachable"
        raise RepositoryError(f"database not reachable: {type(err).__name__}") from err
    return {"records": int(count or 0)}
