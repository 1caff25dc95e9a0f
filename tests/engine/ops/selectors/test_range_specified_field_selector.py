"""range_specified_field_selector keeps the samples ranked between two bounds.

Data-Juicer's rule: take the ``upper`` smallest values (heapq.nsmallest, ties in input order),
then of those the ``upper - lower`` largest (heapq.nlargest over that ascending list, ties in
its order). So the output is by descending value, ties in input order.
"""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

# ascending order of values: id 4 (4), id 1 (5), id 5 (7), id 0 (10), id 3 ("12"), id 2 (20)
ROWS = [{"id": i, "meta": {"v": v}} for i, v in enumerate([10, 5, 20, "12", 4, 7])]


def ids(params: dict, rows: list[dict] = ROWS) -> list[int]:
    out = run_rows(rows, [{"range_specified_field_selector": {"field_key": "meta.v", **params}}])
    return [r["id"] for r in out.rows]


def test_ranks_between_lower_and_upper_largest_first():
    assert ids({"lower_rank": 1, "upper_rank": 3}) == [5, 1]  # ranks 2..3: values 7, 5
    assert ids({"lower_rank": 2, "upper_rank": 5}) == [3, 0, 5]  # ranks 3..5: values 12, 10, 7


def test_percentiles_of_the_sample_count():
    assert ids({"lower_percentile": 0.5, "upper_percentile": 1.0}) == [2, 3, 0]  # ranks 4..6: 20, 12, 10
    assert ids({"lower_percentile": 0.2, "upper_percentile": 0.6}) == [5, 1]  # int(1.2)=1, int(3.6)=3


def test_with_rank_and_percentile_the_narrower_bounds_win():
    assert ids({"lower_rank": 1, "lower_percentile": 0.5, "upper_rank": 5, "upper_percentile": 1.0}) == [3, 0]


def test_both_bounds_are_needed():
    everything = [0, 1, 2, 3, 4, 5]
    assert ids({"lower_rank": 2}) == everything
    assert ids({"upper_percentile": 0.5}) == everything
    no_key = run_rows(ROWS, [{"range_specified_field_selector": {"lower_rank": 1, "upper_rank": 2}}])
    assert [r["id"] for r in no_key.rows] == everything


def test_lower_beyond_upper_keeps_nothing():
    assert ids({"lower_rank": 10, "upper_rank": 3}) == []


def test_missing_and_non_numeric_values_rank_first():
    rows = [{"id": 0, "v": 3}, {"id": 1}, {"id": 2, "v": "abc"}, {"id": 3, "v": 1}]
    out = run_rows(rows, [{"range_specified_field_selector": {"field_key": "v", "lower_rank": 2, "upper_rank": 4}}])
    assert [r["id"] for r in out.rows] == [0, 3]  # ranks 3..4: values 3, 1


def test_ties_follow_data_juicers_two_pass_selection():
    # the 3 smallest are ids 0,1,2; of those the 2 largest are the first two: id 2 is dropped, not id 0
    rows = [{"id": i, "v": 1} for i in range(4)]
    out = run_rows(rows, [{"range_specified_field_selector": {"field_key": "v", "lower_rank": 1, "upper_rank": 3}}])
    assert [r["id"] for r in out.rows] == [0, 1]
    # ascending: 1(1) 1(4) 2(0) 2(2) 2(5) 3(3); first 5 then the 4 largest: Data-Juicer 1.6.1 gives [0, 2, 5, 1]
    rows = [{"id": i, "v": v} for i, v in enumerate([2, 1, 2, 3, 1, 2])]
    out = run_rows(rows, [{"range_specified_field_selector": {"field_key": "v", "lower_rank": 1, "upper_rank": 5}}])
    assert [r["id"] for r in out.rows] == [0, 2, 5, 1]


def test_bad_parameters_are_param_errors():
    with pytest.raises(ParamError, match="lower_percentile"):
        ids({"lower_percentile": -0.1, "upper_rank": 2})
    with pytest.raises(ParamError, match="upper_rank"):
        ids({"lower_rank": 1, "upper_rank": 0})


def test_output_order_is_data_juicers_descending_order():
    op = get_op_class("range_specified_field_selector").from_config(
        {"field_key": "meta.v", "lower_rank": 2, "upper_rank": 5}
    )
    keys = op.keys_batch(SampleBatch.from_rows(ROWS))
    assert op.output_order(keys).tolist() == [3, 0, 5]  # values "12", 10, 7
