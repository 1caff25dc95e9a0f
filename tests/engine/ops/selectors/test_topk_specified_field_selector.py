"""topk_specified_field_selector keeps the samples with the largest (or smallest) field values.

Output order is Data-Juicer's (heapq.nlargest / nsmallest): best value first, ties in input
order. With a dotted key values are read as Data-Juicer's stats_to_number does: numbers and
numeric strings as floats, lists by their mean, anything else (None) as -sys.maxsize when
``reverse`` (so last) and +sys.maxsize otherwise (so last again).
"""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

SCORES = [3, 9, None, 5, "7", [1, 3]]  # as numbers: 3, 9, missing, 5, 7, 2
ROWS = [{"id": i, "meta": {"score": s}} for i, s in enumerate(SCORES)]


def ids(params: dict, rows: list[dict] = ROWS, before: list | None = None) -> list[int]:
    out = run_rows(rows, [*(before or []), {"topk_specified_field_selector": params}])
    return [r["id"] for r in out.rows]


def test_topk_keeps_the_largest_best_first():
    assert ids({"field_key": "meta.score", "topk": 3}) == [1, 4, 3]  # 9, "7", 5


def test_reverse_false_keeps_the_smallest_first_and_missing_ranks_last():
    assert ids({"field_key": "meta.score", "topk": 3, "reverse": False}) == [5, 0, 3]  # 2, 3, 5
    assert ids({"field_key": "meta.score", "topk": 6, "reverse": False}) == [5, 0, 3, 4, 1, 2]


def test_missing_value_ranks_last_in_descending_order():
    assert ids({"field_key": "meta.score", "topk": 5}) == [1, 4, 3, 0, 5]  # 9, 7, 5, 3, 2
    assert ids({"field_key": "meta.score", "topk": 6}) == [1, 4, 3, 0, 5, 2]


def test_top_ratio_and_the_smaller_count_wins():
    assert ids({"field_key": "meta.score", "top_ratio": 0.5}) == [1, 4, 3]  # int(0.5 * 6) = 3
    assert ids({"field_key": "meta.score", "top_ratio": 0.5, "topk": 2}) == [1, 4]
    assert ids({"field_key": "meta.score", "top_ratio": 0.9, "topk": 1}) == [1]


def test_ratio_zero_counts_as_unset_and_small_ratio_keeps_none():
    assert ids({"field_key": "meta.score", "top_ratio": 0.0, "topk": 1}) == [1]
    assert ids({"field_key": "meta.score", "top_ratio": 0.1}) == []  # int(0.6) = 0


def test_no_limit_no_key_or_one_sample_keeps_everything_in_input_order():
    assert ids({"field_key": "meta.score"}) == [0, 1, 2, 3, 4, 5]
    assert ids({"topk": 1}) == [0, 1, 2, 3, 4, 5]
    assert ids({"field_key": "meta.score", "topk": 1}, ROWS[:1]) == [0]


def test_ties_go_to_the_earlier_sample_and_stay_in_input_order():
    rows = [{"id": i, "m": {"s": s}} for i, s in enumerate([1, 2, 2, 2])]
    assert ids({"field_key": "m.s", "topk": 2}, rows) == [1, 2]
    assert ids({"field_key": "m.s", "topk": 2, "reverse": False}, rows) == [0, 1]
    # Data-Juicer 1.6.1 gives [2, 4, 0] and [1, 3, 0] on these rows
    rows = [{"id": i, "m": {"s": s}} for i, s in enumerate([2, 1, 3, 1, 3])]
    assert ids({"field_key": "m.s", "topk": 3}, rows) == [2, 4, 0]
    assert ids({"field_key": "m.s", "topk": 3, "reverse": False}, rows) == [1, 3, 0]


def test_plain_key_compares_raw_values():
    rows = [{"id": 0, "s": "10"}, {"id": 1, "s": "9"}, {"id": 2, "s": "100"}]
    assert ids({"field_key": "s", "topk": 1}, rows) == [1]  # strings: "9" > "100" > "10"
    assert ids({"field_key": "s", "topk": 3}, rows) == [1, 2, 0]


def test_plain_key_with_a_missing_value_fails_like_data_juicer():
    rows = [{"id": 0, "s": 1}, {"id": 1}, {"id": 2, "s": 3}]
    with pytest.raises(TypeError, match="cannot be ranked"):
        ids({"field_key": "s", "topk": 1}, rows)


def test_ranks_by_a_stat_of_an_earlier_filter():
    rows = [{"id": 0, "text": "abc"}, {"id": 1, "text": "abcdef"}, {"id": 2, "text": "a"}]
    before = [{"text_length_filter": {"min_len": 0}}]
    out = run_rows(
        rows, [*before, {"topk_specified_field_selector": {"field_key": "__dj__stats__.text_len", "topk": 2}}]
    )
    assert [r["id"] for r in out.rows] == [1, 0]  # lengths 6, 3
    assert out.stats("text_len") == [6, 3]


def test_bad_parameters_are_param_errors():
    with pytest.raises(ParamError, match="top_ratio"):
        ids({"field_key": "meta.score", "top_ratio": 1.5})
    with pytest.raises(ParamError, match="topk"):
        ids({"field_key": "meta.score", "topk": 0})


def test_output_order_is_data_juicers_sorted_order():
    op = get_op_class("topk_specified_field_selector").from_config({"field_key": "meta.score", "topk": 3})
    keys = op.keys_batch(SampleBatch.from_rows(ROWS))
    assert op.output_order(keys).tolist() == [1, 4, 3]  # values 9, 7, 5
