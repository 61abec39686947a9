"""Reading CQL2 (1.0): the JSON encoding into pygeofilter's syntax tree, and the text encoding.

pygeofilter 0.2.1's CQL2 JSON reader fails on ``bbox`` and ``date`` literals and reads the
``between`` of an older draft, so CQL2 JSON is read here (:func:`cql2_json_tree`); its CQL2
text grammar lacks ``NOT (…)``, ``NOT LIKE``, ``NOT BETWEEN``, ``NOT IN`` and ``IS NOT NULL``,
which :data:`CQL2_TEXT` adds to it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from typing import Any

from lark import Lark
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parser as cql2_text_parser
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, box, mapping, shape

#: Spatial predicates: CQL2 name, pygeofilter node, ECQL name, converse (operands swapped).
SPATIAL = {
    "s_intersects": (ast.GeometryIntersects, "INTERSECTS", "s_intersects"),
    "s_disjoint": (ast.GeometryDisjoint, "DISJOINT", "s_disjoint"),
    "s_equals": (ast.GeometryEquals, "EQUALS", "s_equals"),
    "s_touches": (ast.GeometryTouches, "TOUCHES", "s_touches"),
    "s_crosses": (ast.GeometryCrosses, "CROSSES", "s_crosses"),
    "s_overlaps": (ast.GeometryOverlaps, "OVERLAPS", "s_overlaps"),
    "s_within": (ast.GeometryWithin, "WITHIN", "s_contains"),
    "s_contains": (ast.GeometryContains, "CONTAINS", "s_within"),
}
COMPARISONS = {
    "=": ast.Equal,
    "<>": ast.NotEqual,
    "<": ast.LessThan,
    "<=": ast.LessEqual,
    ">": ast.GreaterThan,
    ">=": ast.GreaterEqual,
}
ARITHMETIC = {"+": ast.Add, "-": ast.Sub, "*": ast.Mul, "/": ast.Div}
GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


class CQL2JSONError(ValueError):
    """A CQL2 JSON document that is not a (supported) CQL2 JSON filter."""


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def box_geometry(west: float, south: float, east: float, north: float) -> values.Geometry:
    if west > east:  # crosses the antimeridian, as RFC 7946 boxes may
        geometry = MultiPolygon([box(west, south, 180, north), box(-180, south, east, north)])
    else:
        geometry = box(west, south, east, north)
    return values.Geometry(mapping(geometry))


def _json_error(message: str) -> CQL2JSONError:
    return CQL2JSONError(f"not a valid CQL2 JSON filter ({message})")


def _json_geometry(value: dict[str, Any]) -> values.Geometry:
    if value.get("type") not in (*GEOJSON_TYPES, "GeometryCollection"):
        raise _json_error(f"unknown geometry type {value.get('type')!r}")
    try:
        geometry = shape(value)
    except (ShapelyError, TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
        raise _json_error(f"invalid {value.get('type')} geometry: {err}") from None
    return values.Geometry(mapping(geometry))


def _json_bbox(numbers: Any) -> values.Geometry:
    if not isinstance(numbers, list) or len(numbers) not in (4, 6) or not all(is_number(n) for n in numbers):
        raise _json_error("a bbox is a list of 4 or 6 numbers")
    west, south, east, north = numbers if len(numbers) == 4 else (*numbers[:2], *numbers[3:5])
    return box_geometry(west, south, east, north)


def _json_expression(node: Any) -> Any:
    """A CQL2 JSON expression (operand) as a pygeofilter node or literal."""
    if isinstance(node, str | bool | int | float):
        return node
    if isinstance(node, list):
        return [_json_expression(item) for item in node]
    if not isinstance(node, dict):
        raise _json_error(f"unexpected {type(node).__name__} {node!r}")
    if "property" in node:
        if not isinstance(node["property"], str):
            raise _json_error("a property name is a string")
        return ast.Attribute(node["property"])
    if "timestamp" in node:
        text = node["timestamp"]
        try:
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise _json_error(f"invalid timestamp {text!r}") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if "date" in node:
        try:
            return date.fromisoformat(str(node["date"]))
        except ValueError:
            raise _json_error(f"invalid date {node['date']!r}") from None
    if "bbox" in node:
        return _json_bbox(node["bbox"])
    if "type" in node and "coordinates" in node or node.get("type") == "GeometryCollection":
        return _json_geometry(node)
    if "op" in node:
        return cql2_json_tree(node)
    if "interval" in node:
        raise _json_error("intervals are only used by temporal operators, which are not supported")
    if "function" in node or "casei" in node or "accenti" in node:
        raise _json_error("functions are not supported")
    raise _json_error(f"unknown expression {json.dumps(node)[:80]}")


def cql2_json_tree(node: Any) -> Any:
    """A CQL2 JSON (1.0) boolean expression as a pygeofilter syntax tree."""
    if not isinstance(node, dict) or not isinstance(node.get("op"), str):
        raise _json_error('expected an object {"op": ..., "args": [...]}')
    op = node["op"].lower() if node["op"].lower() in SPATIAL or node["op"].startswith("t_") else node["op"]
    args = node.get("args")
    if not isinstance(args, list):
        raise _json_error(f"{op}: args must be a list")

    def arity(*counts: int) -> None:
        if len(args) not in counts:
            raise _json_error(f"{op} takes {' or '.join(map(str, counts))} arguments, not {len(args)}")

    if op in ("and", "or"):
        if len(args) < 2:
            raise _json_error(f"{op} takes at least 2 arguments")
        trees = [cql2_json_tree(arg) for arg in args]
        combined = trees[0]
        for tree in trees[1:]:
            combined = (ast.And if op == "and" else ast.Or)(combined, tree)
        return combined
    if op == "not":
        arity(1)
        return ast.Not(cql2_json_tree(args[0]))
    if op in COMPARISONS:
        arity(2)
        return COMPARISONS[op](_json_expression(args[0]), _json_expression(args[1]))
    if op == "like":
        arity(2)
        if not isinstance(args[1], str):
            raise _json_error("the pattern of like is a string")
        return ast.Like(_json_expression(args[0]), args[1], False, "%", "_", "\\", False)
    if op == "between":
        arity(3)
        return ast.Between(*(_json_expression(arg) for arg in args), False)
    if op == "in":
        arity(2)
        if not isinstance(args[1], list):
            raise _json_error("the second argument of in is a list")
        return ast.In(_json_expression(args[0]), [_json_expression(item) for item in args[1]], False)
    if op == "isNull":
        arity(1)
        return ast.IsNull(_json_expression(args[0]), False)
    if op in SPATIAL:
        arity(2)
        return SPATIAL[op][0](_json_expression(args[0]), _json_expression(args[1]))
    if op in ARITHMETIC:
        arity(2)
        return ARITHMETIC[op](_json_expression(args[0]), _json_expression(args[1]))
    if op.startswith(("t_", "a_")):
        raise _json_error(
            f"{op}: temporal and array operators are not supported (use the datetime parameter)"
        )
    raise _json_error(f"unknown operator {node['op']!r}")


def _cql2_text_parser() -> Lark:
    """pygeofilter's CQL2 text grammar with what CQL2 1.0 has and it lacks: ``NOT (…)``,
    ``NOT LIKE``, ``NOT BETWEEN``, ``NOT IN`` and ``IS NOT NULL``."""
    folder = os.path.dirname(cql2_text_parser.__file__)
    with open(os.path.join(folder, "grammar.lark"), encoding="utf-8") as file:
        grammar = file.read()
    additions = {
        '            | "NOT"i predicate                                               -> not_\n': (
            '            | "NOT"i "(" condition ")" -> not_\n'
        ),
        '          | expression "LIKE"i SINGLE_QUOTED                                 -> like\n': (
            '          | expression "NOT"i "LIKE"i SINGLE_QUOTED -> not_like\n'
            '          | expression "NOT"i "BETWEEN"i expression "AND"i expression -> not_between\n'
            '          | expression "NOT"i "IN"i "(" expression ( "," expression )* ")" -> not_in\n'
            '          | expression "IS"i "NOT"i "NULL"i -> not_null\n'
        ),
    }
    for anchor, addition in additions.items():
        if anchor not in grammar:  # another pygeofilter: its grammar as it is
            return cql2_text_parser.parser
        grammar = grammar.replace(anchor, anchor + addition)
    return Lark(
        grammar,
        parser="lalr",
        transformer=cql2_text_parser.CQLTransformer(),
        import_paths=[os.path.dirname(folder)],
    )


CQL2_TEXT = _cql2_text_parser()
