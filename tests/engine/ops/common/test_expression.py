"""The safe condition evaluator and the field helpers shared by field filters and selectors."""

from __future__ import annotations

import heapq
import pickle
import random
import sys

import pytest

from recipe_copilot.engine.ops.common.expression import (
    Condition,
    ConditionError,
    extreme_indices,
    field_column,
    to_number,
)
from recipe_copilot.engine.sample import STATS, SampleBatch


def test_chained_comparison_and_boolean_ops():
    c = Condition("10 < num <= 30 and (flag == True or text != 'x')")
    assert c({"num": 30, "flag": False, "text": "y"}) is True
    assert c({"num": 31, "flag": True}) is False
    assert c({"num": 12, "flag": False, "text": "x"}) is False


def test_missing_field_makes_comparisons_false_except_not_in():
    assert Condition("num <= 5")({}) is False
    assert Condition("num != 5")({}) is False
    assert Condition("num == None")({"num": None}) is False
    assert Condition("lang in ['en']")({}) is False
    assert Condition("lang not in ['en']")({}) is True
    assert Condition("0 < num < 10")({"num": None}) is False


def test_dotted_names_read_nested_dicts():
    c = Condition("meta.a.b == 2")
    assert c({"meta": {"a": {"b": 2}}}) is True
    assert c({"meta": {"a": {"b": 3}}}) is False
    assert c({"meta": {"a": 5}}) is False  # not a dict: the attribute reads as missing
    assert c({"meta": None}) is False
    assert sorted(Condition("meta.a == x and __dj__stats__.len > 1").fields) == ["__dj__stats__", "meta", "x"]


def test_in_operators_literals_and_unary():
    assert Condition("'x' in tags")({"tags": ["y", "x"]}) is True
    assert Condition("lang in ('en', 'zh')")({"lang": "zh"}) is True
    assert Condition("n in {1, 2}")({"n": 3}) is False
    assert Condition("-n < -1")({"n": 5}) is True
    assert Condition("not n")({"n": 0}) is True
    assert Condition("+n == 4")({"n": 4}) is True


def test_bare_values_and_bool_results():
    assert Condition("num")({"num": 5}) == 5
    assert Condition("meta.lang")({"meta": {"lang": "en"}}) == "en"
    assert Condition("num and text")({"num": 5, "text": "abc"}) is True  # and/or give bools
    assert Condition("num or text")({"num": 0, "text": ""}) is False


def test_all_comparison_operands_are_evaluated_first():
    # Data-Juicer evaluates every operand before comparing, so -None fails even though 1 > 2 is false
    with pytest.raises(TypeError):
        Condition("1 > 2 > -x")({"x": None})
    with pytest.raises(TypeError):
        Condition("text > 1")({"text": "abc"})


@pytest.mark.parametrize(
    ("source", "token"),
    [
        ("invalid syntax", "'syntax'"),
        ("a ==== b", "'=='"),
        ("meta.lang = 'en'", "'='"),
        ("num > ", "end of the condition"),
        (" num > 1", "unexpected indent"),
        ("num + 1 > 2", "operator '+'"),
        ("x is None", "operator 'is'"),
        ("len(text) > 3", "function call len()"),
        ("tags[0] == 'a'", "indexing"),
        ("~x", "operator '~'"),
        ("{'a': 1}", "dict literal"),
        ("x if y else z", "conditional expression"),
        ("__import__('os').system('true')", "function call"),
    ],
)
def test_bad_conditions_name_the_offending_token(source, token):
    with pytest.raises(ConditionError) as exc:
        Condition(source)
    assert token in str(exc.value)
    assert isinstance(exc.value, ValueError)  # pydantic turns it into a validation error


def test_condition_pickles_by_source():
    c = pickle.loads(pickle.dumps(Condition("n > 1")))
    assert c.source == "n > 1"
    assert c({"n": 2}) is True


def test_field_column_reads_nested_fields_and_stats():
    batch = SampleBatch({"meta": [{"a": {"b": 1}}, None], STATS: [{"old": 3}, None]})
    batch.set_stat("new", [7, 8])
    assert field_column(batch, "meta.a.b") == [1, None]
    assert field_column(batch, "missing") == [None, None]
    assert field_column(batch, "__dj__stats__.old") == [3, None]
    assert field_column(batch, "__dj__stats__.new") == [7, 8]
    assert field_column(batch, "__dj__stats__") == [{"old": 3, "new": 7}, {"new": 8}]


def test_to_number_follows_stats_to_number():
    big = sys.maxsize
    assert to_number("3.5") == 3.5
    assert to_number([1, 2]) == 1.5
    assert to_number(True) == 1.0
    assert to_number(4) == 4.0
    assert to_number(None) == -big
    assert to_number(None, reverse=False) == big
    assert to_number("abc") == -big
    assert to_number([]) == -big
    assert to_number({"a": 1}, reverse=False) == big
    assert to_number(10**400) == -big  # too large for a float


def test_extreme_indices_is_heapq_exactly():
    rng = random.Random(3)
    big = sys.maxsize
    pools = [
        [0, 1, 2, 3],
        [0.5, 1.5, 2.5, -big, float(-(2**63)), True],
        [1.0, float("nan"), 2.0],
        [2**60, 2**60 + 1, 1.0],
        ["a", "ab", "b"],
        [-big, 0.0, -0.0, float("-inf"), 5],
    ]
    for _ in range(600):
        pool = rng.choice(pools)
        values = [rng.choice(pool) for _ in range(rng.randint(0, 25))]
        k = rng.randint(0, len(values) + 2)
        assert list(extreme_indices(values, k, largest=True)) == heapq.nlargest(k, range(len(values)), values.__getitem__)
        assert list(extreme_indices(values, k, largest=False)) == heapq.nsmallest(k, range(len(values)), values.__getitem__)


def test_extreme_indices_orders_best_first_and_ties_by_row():
    assert list(extreme_indices([3, 1, 3, 2], 3, largest=True)) == [0, 2, 3]
    assert list(extreme_indices([3, 1, 3, 2], 2, largest=False)) == [1, 3]
    with pytest.raises(TypeError):
        extreme_indices([1, None, 2], 1, largest=True)
