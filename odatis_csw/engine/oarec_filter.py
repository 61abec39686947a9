"""CQL2 filters (text and JSON) turned into the CQL text the engine evaluates.

The engine parses a ``filter`` in the query string as ECQL (pygeofilter's ``ecql`` parser) and
evaluates spatial predicates other than ``BBOX`` not at all. Here:

* CQL2 text is read as ECQL first (what the engine always accepted), then as CQL2 text
  (``S_INTERSECTS``, ``TIMESTAMP()``, lower-case keywords…, :mod:`.oarec_cql2`);
* CQL2 JSON is read by :func:`.oarec_cql2.cql2_json_tree`;
* the tree is checked (known properties only, ``geometry`` only in spatial predicates, nothing
  the engine would write into SQL unescaped), spatial predicates are normalised (the property
  first, ``BBOX()`` literals as polygons) and the tree is written back as ECQL text;
* :class:`.oarec_spatial.SpatialField` is what the engine's evaluator meets for the
  ``geometry`` property: it answers every ``S_*`` predicate.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.ecql import parse as parse_ecql
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from odatis_csw.engine.oarec_cql2 import (
    ARITHMETIC,
    COMPARISONS,
    CQL2_TEXT,
    SPATIAL,
    CQL2JSONError,
    box_geometry,
    cql2_json_tree,
    is_number,
)
from odatis_csw.engine.oarec_params import ParameterError

_SPATIAL_BY_NODE = {node: name for name, (node, _, _) in SPATIAL.items()}
_ECQL_COMPARISON = {node: op for op, node in COMPARISONS.items()}
_ECQL_ARITHMETIC = {node: op for op, node in ARITHMETIC.items()}
GEOMETRY = "geometry"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A bind parameter to SQLAlchemy's ``text()`` (its own pattern).
SQL_BIND = re.compile(r"(?<![:\w\\]):\w")


class Unwritable(ValueError):
    """A tree that ECQL text cannot carry (a quote inside a string)."""


# --------------------------------------------------------------------------- reading


def _reason(err: Exception) -> str:
    try:
        return " ".join(str(err).split())[:200] or type(err).__name__
    except Exception:  # noqa: BLE001 - lark's message itself may fail
        return type(err).__name__


def parse_text(text: str, parameter: str = "filter") -> tuple[Any, bool]:
    """(tree, read as ECQL) of a CQL2 text filter; ECQL first, as the engine reads it."""
    try:
        return parse_ecql(text), True
    except Exception:  # noqa: BLE001 - pygeofilter/lark raise many kinds
        pass
    try:
        return CQL2_TEXT.parse(text), False
    except Exception as err:  # noqa: BLE001
        raise ParameterError(parameter, f"not a valid CQL2 text filter ({_reason(err)})") from None


def parse_json(document: Any, parameter: str) -> Any:
    """The syntax tree of a CQL2 JSON filter, or ParameterError naming ``parameter``."""
    try:
        return cql2_json_tree(document)
    except CQL2JSONError as err:
        raise ParameterError(parameter, str(err)) from None
    except RecursionError:
        raise ParameterError(parameter, "the filter is nested too deeply") from None


def parse_json_text(text: str) -> tuple[Any, Any]:
    """(document, syntax tree) of the CQL2 JSON filter of a ``filter`` query parameter."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ParameterError(
            "filter", f"filter-lang is cql2-json but the filter is not JSON ({err})"
        ) from None
    return document, parse_json(document, "filter")


# --------------------------------------------------------------------------- checking


def _spatial_literal(node: Any, parameter: str) -> values.Geometry:
    """A spatial operand that is no property, as a GeoJSON geometry value."""
    if isinstance(node, values.Geometry):
        try:
            geometry = shape(node.geometry)
        except (ShapelyError, TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
            raise ParameterError(parameter, f"invalid geometry ({err})") from None
        if geometry.is_empty:
            raise ParameterError(parameter, "an empty geometry selects nothing")
        return values.Geometry(mapping(geometry))
    if isinstance(node, values.Envelope):  # ENVELOPE(west east north south) as the parser reads it
        xs, ys = (node.x1, node.x2), (node.y1, node.y2)
        return box_geometry(min(xs), min(ys), max(xs), max(ys))
    if isinstance(node, ast.Function) and node.name.lower() == "bbox":
        numbers = list(node.arguments)
        if len(numbers) not in (4, 6) or not all(is_number(n) for n in numbers):
            raise ParameterError(parameter, "BBOX() takes 4 or 6 numbers")
        west, south, east, north = numbers if len(numbers) == 4 else (*numbers[:2], *numbers[3:5])
        return box_geometry(west, south, east, north)
    raise ParameterError(parameter, f"a spatial predicate compares the {GEOMETRY} property with a geometry")


def _literal(node: Any, parameter: str) -> Any:
    """Function literals of CQL2 text (DATE(), TIMESTAMP()) as values; others refused."""
    if isinstance(node, ast.Function):
        name = node.name.lower()
        if name in ("date", "timestamp") and len(node.arguments) == 1 and isinstance(node.arguments[0], str):
            try:
                if name == "date":
                    return date.fromisoformat(node.arguments[0])
                return datetime.fromisoformat(node.arguments[0].replace("Z", "+00:00"))
            except ValueError:
                raise ParameterError(parameter, f"invalid {name.upper()} {node.arguments[0]!r}") from None
        raise ParameterError(parameter, f"functions are not supported ({node.name})")
    return node


class Checker:
    """Checks and normalises a syntax tree (pygeofilter AST) for the engine."""

    def __init__(self, known: set[str], parameter: str, ecql: bool = False) -> None:
        self.known = known
        self.parameter = parameter
        self.ecql = ecql  # read as ECQL: its temporal predicates go to the engine as they are
        self.changed = False

    def refuse(self, message: str) -> ParameterError:
        return ParameterError(self.parameter, message)

    def attribute(self, node: ast.Attribute, spatial: bool = False) -> ast.Attribute:
        if node.name == GEOMETRY and not spatial:
            raise self.refuse(f"{GEOMETRY} is compared only with spatial predicates (S_INTERSECTS…)")
        if node.name not in self.known | {GEOMETRY}:
            names = ", ".join(sorted(self.known | {GEOMETRY}))
            raise self.refuse(f"unknown property {node.name!r}; use one of {names}")
        return node

    def operand(self, node: Any) -> Any:
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Function):
            self.changed = True
            return _literal(node, self.parameter)
        if isinstance(node, values.Geometry | values.Envelope):
            raise self.refuse("a geometry is compared only with spatial predicates (S_INTERSECTS…)")
        if isinstance(node, list):
            return [self.operand(item) for item in node]
        if isinstance(node, ast.Arithmetic):
            return type(node)(self.operand(node.lhs), self.operand(node.rhs))
        if isinstance(node, ast.Node):
            raise self.refuse(f"unexpected {type(node).__name__} in an expression")
        return node

    def check(self, node: Any) -> Any:
        """The normalised tree (``self.changed`` tells whether it differs)."""
        if isinstance(node, ast.Not):
            return ast.Not(self.check(node.sub_node))
        if isinstance(node, ast.And | ast.Or):
            return type(node)(self.check(node.lhs), self.check(node.rhs))
        if isinstance(node, ast.Comparison):
            return type(node)(self.operand(node.lhs), self.operand(node.rhs))
        if isinstance(node, ast.Between):
            return ast.Between(
                self.operand(node.lhs), self.operand(node.low), self.operand(node.high), node.not_
            )
        if isinstance(node, ast.Like):
            lhs = self.operand(node.lhs)
            # On PostgreSQL the engine writes a pattern on anytext without % into a full-text
            # search, unescaped.
            if (
                isinstance(lhs, ast.Attribute)
                and lhs.name == "anytext"
                and "%" not in node.pattern
                and ("'" in node.pattern or SQL_BIND.search(node.pattern))
            ):
                raise self.refuse(
                    "a pattern on anytext without % cannot hold a quote or ':' followed by a letter"
                )
            return ast.Like(
                lhs, node.pattern, node.nocase, node.wildcard, node.singlechar, node.escapechar, node.not_
            )
        if isinstance(node, ast.In):
            return ast.In(self.operand(node.lhs), [self.operand(item) for item in node.sub_nodes], node.not_)
        if isinstance(node, ast.IsNull):
            lhs = node.lhs[0] if isinstance(node.lhs, list) and len(node.lhs) == 1 else node.lhs
            return ast.IsNull(self.operand(lhs), node.not_)
        if isinstance(node, ast.BBox):
            if not isinstance(node.lhs, ast.Attribute) or node.lhs.name != GEOMETRY:
                raise self.refuse(f"BBOX applies to the {GEOMETRY} property")
            if node.crs is not None and not re.fullmatch(r"[0-9]{1,9}", str(node.crs)):
                raise self.refuse("the CRS of BBOX is an EPSG code number (4326, the default)")
            return node
        if type(node) in _SPATIAL_BY_NODE:
            return self.spatial(node)
        if isinstance(node, ast.TemporalPredicate):
            if self.ecql and isinstance(node.lhs, ast.Attribute):
                self.attribute(node.lhs)
                return node
            raise self.refuse("temporal operators are not supported: use the datetime parameter")
        if isinstance(node, ast.SpatialDistancePredicate | ast.Relate):
            raise self.refuse("DWITHIN, BEYOND and RELATE are not supported")
        raise self.refuse(f"{type(node).__name__} is not supported")

    def spatial(self, node: Any) -> Any:
        name = _SPATIAL_BY_NODE[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs, name = rhs, lhs, SPATIAL[name][2]
            self.changed = True
        if not isinstance(lhs, ast.Attribute) or lhs.name != GEOMETRY:
            raise self.refuse(f"a spatial predicate compares the {GEOMETRY} property with a geometry")
        literal = _spatial_literal(rhs, self.parameter)
        if literal is not rhs:
            self.changed = self.changed or not isinstance(rhs, values.Geometry)
        return SPATIAL[name][0](self.attribute(lhs, spatial=True), literal)


def check_tree(tree: Any, known: set[str], parameter: str = "filter", ecql: bool = False) -> tuple[Any, bool]:
    """(normalised tree, whether it changed), or ParameterError."""
    checker = Checker(known, parameter, ecql)
    return checker.check(tree), checker.changed


# --------------------------------------------------------------------------- writing ECQL


def _string(value: str, like: bool = False) -> str:
    if "'" in value:
        if not like:
            raise Unwritable("a string holding a quote (') cannot be written in the engine's CQL")
        value = value.replace("'", "_")  # a LIKE pattern: any one character in its place
    return f"'{value}'"


def _value(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        if not NAME.fullmatch(node.name):
            raise Unwritable(f"property name {node.name!r}")
        return node.name
    if isinstance(node, bool):
        return "TRUE" if node else "FALSE"
    if isinstance(node, int):
        return str(node)
    if isinstance(node, float):
        return repr(node)
    if isinstance(node, str):
        return _string(node)
    if isinstance(node, datetime):
        moment = node if node.tzinfo else node.replace(tzinfo=UTC)
        return _string(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(node, date):
        return _string(node.isoformat())
    if isinstance(node, values.Geometry):
        return shapely_wkt.dumps(shape(node.geometry), trim=True)
    if isinstance(node, ast.Arithmetic):
        return f"({_value(node.lhs)} {_ECQL_ARITHMETIC[type(node)]} {_value(node.rhs)})"
    raise Unwritable(f"{type(node).__name__}")


def _predicate(node: Any) -> str:
    """ECQL of a predicate (no AND/OR/NOT at its top)."""
    if type(node) in _ECQL_COMPARISON:
        return f"{_value(node.lhs)} {_ECQL_COMPARISON[type(node)]} {_value(node.rhs)}"
    if isinstance(node, ast.Between):
        nots = "NOT " if node.not_ else ""
        return f"{_value(node.lhs)} {nots}BETWEEN {_value(node.low)} AND {_value(node.high)}"
    if isinstance(node, ast.Like):
        nots = "NOT " if node.not_ else ""
        like = "ILIKE" if node.nocase else "LIKE"
        return f"{_value(node.lhs)} {nots}{like} {_string(node.pattern, like=True)}"
    if isinstance(node, ast.In):
        nots = "NOT " if node.not_ else ""
        return f"{_value(node.lhs)} {nots}IN ({', '.join(_value(item) for item in node.sub_nodes)})"
    if isinstance(node, ast.IsNull):
        return f"{_value(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL"
    if isinstance(node, ast.BBox):
        crs = f", '{node.crs}'" if node.crs is not None else ""
        numbers = ", ".join(_value(n) for n in (node.minx, node.miny, node.maxx, node.maxy))
        return f"BBOX({_value(node.lhs)}, {numbers}{crs})"
    if type(node) in _SPATIAL_BY_NODE:
        ecql = SPATIAL[_SPATIAL_BY_NODE[type(node)]][1]
        return f"{ecql}({_value(node.lhs)}, {_value(node.rhs)})"
    raise Unwritable(type(node).__name__)


def _negated(node: Any) -> Any:
    """NOT pushed below AND/OR (ECQL negates a predicate, never a parenthesised condition)."""
    if isinstance(node, ast.Not):
        return node.sub_node
    if isinstance(node, ast.And):
        return ast.Or(_negated(node.lhs), _negated(node.rhs))
    if isinstance(node, ast.Or):
        return ast.And(_negated(node.lhs), _negated(node.rhs))
    return ast.Not(node)


def to_ecql(node: Any) -> str:
    """ECQL text of a checked tree, which pygeofilter's ECQL parser reads back into it."""
    if isinstance(node, ast.And | ast.Or):
        word = "AND" if isinstance(node, ast.And) else "OR"
        return f"({to_ecql(node.lhs)}) {word} ({to_ecql(node.rhs)})"
    if isinstance(node, ast.Not):
        inner = node.sub_node
        if isinstance(inner, ast.And | ast.Or | ast.Not):
            return to_ecql(_negated(inner))
        return f"NOT {_predicate(inner)}"
    return _predicate(node)


# --------------------------------------------------------------------------- evaluating
