"""The ``geometry`` property as the engine's CQL evaluator meets it: every ``S_*`` predicate.

The engine evaluates spatial predicates other than ``BBOX`` not at all (pygeofilter calls
``field.ST_Intersects(geometry)`` on a column that has no such method).
"""

from __future__ import annotations

from typing import Any

from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from sqlalchemy import event, func


def _relate(data_wkt: str | None, query_wkt: str | None, predicate: str) -> int:
    """SQLite function ``odatis_spatial``: 1 when the stored geometry is in the relation."""
    try:
        stored = shapely_wkt.loads(str(data_wkt).split(";")[-1])
        query = shapely_wkt.loads(str(query_wkt).split(";")[-1])
        return int(bool(getattr(stored, predicate)(query)))
    except (ShapelyError, AttributeError, TypeError, ValueError):
        return 0


def _register_sqlite_function(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("odatis_spatial", 3, _relate, deterministic=True)


#: pygeofilter method names → shapely / PostGIS predicate.
_METHODS = {
    "ST_Intersects": "intersects",
    "ST_Disjoint": "disjoint",
    "ST_Contains": "contains",
    "ST_Within": "within",
    "ST_Touches": "touches",
    "ST_Crosses": "crosses",
    "ST_Overlaps": "overlaps",
    "ST_Equals": "equals",
}


class SpatialField:
    """The ``geometry`` property as the engine's evaluator uses it (``field.ST_Intersects(g)``).

    pygeofilter hands the query geometry as ``ST_GeomFromEWKT('SRID=4326;WKT')``. On PostGIS
    the predicate is the PostGIS function on the native column; on SQLite, ``odatis_spatial``
    (shapely, registered on each connection) on the stored WKT.
    """

    def __init__(self, repository: Any) -> None:
        self.dbtype = repository.dbtype
        self.column = repository.query_mappings["bbox"]
        if self.dbtype in ("sqlite", "sqlite3"):
            engine = repository.engine
            if not event.contains(engine, "connect", _register_sqlite_function):
                event.listen(engine, "connect", _register_sqlite_function)
                engine.dispose()  # connections opened before have not got the function

    def __getattr__(self, name: str) -> Any:
        if name not in _METHODS:
            raise AttributeError(name)
        predicate = _METHODS[name]

        def relation(other: Any) -> Any:
            if self.dbtype == "postgresql+postgis+native":
                return getattr(func, name)(self.column, other)
            query = other.clauses.clauses[0].value  # the 'SRID=4326;WKT' of ST_GeomFromEWKT
            if self.dbtype.startswith("postgresql"):
                return getattr(func, name)(
                    func.ST_GeomFromText(self.column, 4326), func.ST_GeomFromEWKT(query)
                )
            return func.odatis_spatial(self.column, query, predicate) == 1

        return relation
