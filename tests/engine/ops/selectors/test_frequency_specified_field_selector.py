"""frequency_specified_field_selector keeps the samples whose value is among the most frequent.

Output order is Data-Juicer's: group by group (largest group first, or smallest with
``reverse: false``; equal sizes by first appearance), each group's samples in input order.
"""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

# en x3 (ids 0,2,5), zh x2 (1,4), fr x1 (3), missing x1 (6)
LANGS = ["en", "zh", "en", "fr", "zh", "en", None]
ROWS = [{"id": i, "meta": {"lang": lang}} for i, lang in enumerate(LANGS)]


def ids(params: dict, rows: list[dict] = ROWS) -> list[int]:
    out = run_rows(rows, [{"frequency_specified_field_selector": {"field_key": "meta.lang", **params}}])
    return [r["id"] for r in out.rows]


def test_topk_most_frequent_values_group_by_group():
    assert ids({"topk": 1}) == [0, 2, 5]
    assert ids({"topk": 2}) == [0, 2, 5, 1, 4]  # en group, then zh group


def test_larger_group_comes_first_even_when_it_appears_later():
    rows = [{"id": i, "meta": {"lang": v}} for i, v in enumerate(["fr", "zh", "en", "zh", "en", "en"])]
    assert ids({"topk": 2}, rows) == [2, 4, 5, 1, 3]
    assert ids({"topk": 3}, rows) == [2, 4, 5, 1, 3, 0]


def test_reverse_false_keeps_the_rarest_first_seen_on_ties():
    assert ids({"topk": 1, "reverse": False}) == [3]  # fr and None both once; fr appears first
    assert ids({"topk": 2, "reverse": False}) == [3, 6]
    assert ids({"topk": 3, "reverse": False}) == [3, 6, 1, 4]


def test_top_ratio_is_a_share_of_distinct_values():
    assert ids({"top_ratio": 0.5}) == [0, 2, 5, 1, 4]  # 4 values -> 2 groups
    assert ids({"top_ratio": 0.5, "topk": 1}) == [0, 2, 5]
    assert ids({"top_ratio": 0.2}) == []  # int(0.8) = 0 groups


def test_no_limit_keeps_everything():
    assert ids({}) == [0, 1, 2, 3, 4, 5, 6]


def test_equal_numbers_are_one_value():
    rows = [{"id": i, "meta": {"lang": v}} for i, v in enumerate([1, 1.0, "1", 2])]
    assert ids({"topk": 1}, rows) == [0, 1]


def test_list_value_fails_like_data_juicer():
    rows = [{"id": 0, "meta": {"lang": ["en"]}}, {"id": 1, "meta": {"lang": "en"}}]
    with pytest.raises(TypeError, match="expected str, number or None"):
        ids({"topk": 1}, rows)


def test_bad_parameter_is_a_param_error():
    with pytest.raises(ParamError, match="topk"):
        ids({"topk": -1})


def test_output_order_is_data_juicers_group_by_group_order():
    op = get_op_class("frequency_specified_field_selector").from_config({"field_key": "meta.lang", "topk": 2})
    keys = op.keys_batch(SampleBatch.from_rows(ROWS))
    assert op.output_order(keys).tolist() == [0, 2, 5, 1, 4]
