"""Reading sample fields the Data-Juicer way, ordering them, and a safe condition evaluator.

A condition such as ``10 < num <= 30 and meta.lang in ['en', 'zh']`` is parsed with
:mod:`ast` and checked against an allow-list of node types, then compiled into a tree of
small closures; nothing is ever passed to ``eval``/``exec``. The accepted syntax and its
meaning are those of Data-Juicer's ``general_field_filter``:

- comparisons ``< <= > >= == != in not in``, chained (``0 < x < 9``); a comparison where
  either side is ``None`` (a missing field) is false, except ``not in``, which is true;
- ``and`` / ``or`` (giving ``True``/``False``), ``not``, unary ``-`` and ``+``;
- literals: numbers, strings, ``True``/``False``/``None``, lists, tuples and sets;
- field names; ``a.b`` reads key ``b`` of the dict in field ``a`` (``None`` when missing).

Arithmetic, calls, indexing, ``is`` and the like are rejected when the condition is parsed.
"""

from __future__ import annotations

import ast
import heapq
import operator
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from recipe_copilot.engine.sample import STATS, SampleBatch, get_nested

__all__ = ["Condition", "ConditionError", "extreme_indices", "field_column", "to_number"]

_Eval = Callable[[Mapping[str, Any]], Any]
_TOKEN = re.compile(r"\S+")


class ConditionError(ValueError):
    """Raised when a filter condition is not valid syntax or uses a construct that is not allowed."""


def _contains(a: Any, b: Any) -> bool:
    return a in b


def _not_contains(a: Any, b: Any) -> bool:
    return a not in b


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.In: _contains, ast.NotIn: _not_contains,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_SEQUENCES: dict[type, type] = {ast.List: list, ast.Tuple: tuple, ast.Set: set}
_SYMBOLS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not",
}
_NAMES: dict[type, str] = {
    ast.IfExp: "conditional expression", ast.Dict: "dict literal", ast.JoinedStr: "f-string",
    ast.Lambda: "lambda", ast.ListComp: "comprehension", ast.SetComp: "comprehension",
    ast.DictComp: "comprehension", ast.GeneratorExp: "comprehension", ast.NamedExpr: "assignment",
    ast.Starred: "starred expression", ast.Slice: "slice",
}
_ALLOWED = "comparisons, and/or/not, in/not in, unary -, literals and field names (meta.lang)"


class Condition:
    """A checked filter condition, ready to evaluate on rows.

    Args:
        source: the condition text (non-empty).

    Raises:
        ConditionError: the text is not a valid expression or uses something not allowed;
            the message names the offending token.

    Example:
        >>> c = Condition("10 < num <= 30 and meta.lang == 'en'")
        >>> sorted(c.fields)
        ['meta', 'num']
        >>> c({"num": 12, "meta": {"lang": "en"}}), c({"num": 12})
        (True, False)
    """

    __slots__ = ("_eval", "fields", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            tree = ast.parse(source, mode="eval")
            self._eval: _Eval = _build(tree.body, source)
        except SyntaxError as exc:
            raise ConditionError(_syntax_message(source, exc)) from None
        except (RecursionError, MemoryError):  # the parser gives up on very deep nesting
            msg = f"filter condition is nested too deeply: {_clip(source)}"
            raise ConditionError(msg) from None
        #: the top-level fields the condition reads
        self.fields = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    def __call__(self, row: Mapping[str, Any]) -> Any:
        """Evaluate on ``row`` (top-level field -> value; a missing field reads as ``None``)."""
        return self._eval(row)

    def __reduce__(self) -> tuple:
        return (Condition, (self.source,))

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"


def _syntax_message(source: str, exc: SyntaxError) -> str:
    line = (exc.text or source).rstrip("\n")
    start = (exc.offset or 0) - 1
    where = f"line {exc.lineno}, " if "\n" in source.strip() else ""
    if not 0 <= start < len(line) or not line[start:].strip():
        return f"invalid filter condition {_clip(source)}: {exc.msg} at the end of the condition"
    end = (exc.end_offset or 0) - 1
    token = line[start:end].strip() if end > start else ""
    token = token or _TOKEN.search(line, start).group()  # type: ignore[union-attr]
    return f"invalid filter condition {_clip(source)}: {exc.msg} at {token[:40]!r} ({where}column {start + 1})"


def _unsupported(node: ast.AST, source: str) -> ConditionError:
    segment = ast.get_source_segment(source, node) or type(node).__name__
    op = getattr(node, "op", None)
    if isinstance(node, ast.Compare):
        bad = next(o for o in node.ops if type(o) not in _COMPARE)
        what = f"operator {_SYMBOLS.get(type(bad), type(bad).__name__)!r}"
    elif op is not None and type(op) in _SYMBOLS:
        what = f"operator {_SYMBOLS[type(op)]!r}"
    elif isinstance(node, ast.Call):
        what = f"function call {ast.get_source_segment(source, node.func) or ''}()"
    elif isinstance(node, ast.Subscript):
        what = "indexing"
    else:
        what = _NAMES.get(type(node), f"{type(node).__name__} expression")
    part = f" ({_clip(segment)})" if segment != source.strip() else ""
    return ConditionError(f"unsupported {what}{part} in filter condition {_clip(source)}; allowed: {_ALLOWED}")


def _clip(text: str, limit: int = 120) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _build(node: ast.AST, source: str) -> _Eval:
    kind = type(node)
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        return lambda row: value
    if kind is ast.Name:
        name = node.id  # type: ignore[attr-defined]
        return lambda row: row.get(name)
    if kind is ast.Attribute:
        inner, attr = _build(node.value, source), node.attr  # type: ignore[attr-defined]

        def member(row: Mapping[str, Any]) -> Any:
            value = inner(row)
            return value.get(attr) if isinstance(value, dict) else None

        return member
    if kind is ast.UnaryOp and type(node.op) in _UNARY:  # type: ignore[attr-defined]
        fn, operand = _UNARY[type(node.op)], _build(node.operand, source)  # type: ignore[attr-defined]
        return lambda row: fn(operand(row))
    if kind is ast.BoolOp:
        parts = tuple(_build(v, source) for v in node.values)  # type: ignore[attr-defined]
        if isinstance(node.op, ast.And):  # type: ignore[attr-defined]
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    if kind is ast.Compare and all(type(o) in _COMPARE for o in node.ops):  # type: ignore[attr-defined]
        return _compare(node, source)  # type: ignore[arg-type]
    if kind in _SEQUENCES:
        make, items = _SEQUENCES[kind], tuple(_build(e, source) for e in node.elts)  # type: ignore[attr-defined]
        return lambda row: make(item(row) for item in items)
    raise _unsupported(node, source)


def _compare(node: ast.Compare, source: str) -> _Eval:
    left = _build(node.left, source)
    rights = tuple(_build(c, source) for c in node.comparators)
    steps = tuple((type(o) is ast.NotIn, _COMPARE[type(o)]) for o in node.ops)

    def compare(row: Mapping[str, Any]) -> bool:
        a = left(row)
        values = [r(row) for r in rights]  # all operands first, as Data-Juicer does
        for (negated_in, fn), b in zip(steps, values, strict=True):
            if a is None or b is None:
                return negated_in
            if not fn(a, b):
                return False
            a = b
        return True

    return compare


def field_column(batch: SampleBatch, key: str) -> list:
    """Per-row values of field ``key`` as Data-Juicer reads it (``None`` where missing).

    Dots reach into nested dicts (``meta.lang``); ``__dj__stats__.x`` reads stat ``x``,
    whether computed in this run or carried in the input, and ``__dj__stats__`` alone gives
    each row's stats dict.
    """
    head, _, rest = key.partition(".")
    if head != STATS:
        return batch.column(key)
    if not rest:
        return [s if isinstance(s, dict) else {} for s in batch.stats_rows()]
    stat, _, deeper = rest.partition(".")
    values = batch.get_stat(stat)
    return [get_nested(v, deeper) for v in values] if deeper else list(values)


def to_number(value: Any, reverse: bool = True) -> float | int:
    """A field value as a number for ordering, as Data-Juicer's ``stats_to_number`` does.

    Strings are parsed with ``float``; lists give their mean. Anything that is not a number
    (``None``, an empty list, a bad string) becomes ``-sys.maxsize`` when ``reverse`` (so it
    sorts last in a descending order) and ``sys.maxsize`` otherwise.
    """
    kind = type(value)
    try:
        if kind is float or kind is int or kind is bool or kind is str:
            return float(value)
        if value is None or (isinstance(value, list) and not value):
            return -sys.maxsize if reverse else sys.maxsize
        return float(np.asarray(value).mean())
    except Exception:  # whatever numpy cannot average counts as "not a number", as in Data-Juicer
        return -sys.maxsize if reverse else sys.maxsize


def extreme_indices(values: list, k: int, *, largest: bool) -> np.ndarray:
    """Rows of the ``k`` largest (or smallest) values, best first, ties in row order.

    Gives exactly ``heapq.nlargest(k, range(n), key=values.__getitem__)`` (``nsmallest``
    when not ``largest``), which Data-Juicer's selectors use: numpy does it when the values
    are plain numbers that float64 holds exactly, heapq itself otherwise (strings, NaN, mixed
    types; values that cannot be compared raise ``TypeError`` as they do there).
    """
    n = len(values)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    arr = _exact_floats(values)
    if arr is None:
        pick = heapq.nlargest if largest else heapq.nsmallest
        return np.asarray(pick(k, range(n), key=values.__getitem__), dtype=np.int64)
    keys = -arr if largest else arr
    if k < n:
        kth = np.partition(keys, k - 1)[k - 1]
        chosen = keys < kth
        chosen[np.flatnonzero(keys == kth)[: k - int(chosen.sum())]] = True
        rows = np.flatnonzero(chosen)
    else:
        rows = np.arange(n)
    return rows[np.argsort(keys[rows], kind="stable")]


def _exact_floats(values: list) -> np.ndarray | None:
    """``values`` as float64 if that keeps Python's order and ties exactly, else None."""
    kinds = set(map(type, values))
    if not kinds <= {float, int, bool}:
        return None
    if kinds != {float}:
        big = sys.maxsize
        ints = [abs(v) for v in values if type(v) is not float]
        if any(v > 2**53 and v != big for v in ints):
            return None  # float64 would merge distinct integers
        if big in ints and any(type(v) is float and abs(v) == 2.0**63 for v in values):
            return None  # +-sys.maxsize and +-2**63 differ in Python, not in float64
    arr = np.asarray(values, dtype=np.float64)
    return None if np.isnan(arr).any() else arr
