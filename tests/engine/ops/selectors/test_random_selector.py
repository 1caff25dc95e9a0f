"""random_selector keeps a random subset, chosen and ordered as Data-Juicer does.

Data-Juicer shuffles the dataset with seed 42 (datasets' ``shuffle``) and keeps the head of
the shuffle, in shuffled order; asking for more samples than there are repeats the shuffle.
The expected id lists below were taken from Data-Juicer 1.6.1's random_selector run on the
same rows (``NestedDataset.from_list(rows).process(load_ops(...))`` in /work/djvenv).
"""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.testing import run_rows

ROWS = [{"id": i} for i in range(7)]
#: the seed-42 shuffle of ROWS: Data-Juicer 1.6.1's random_selector with select_num 10 on ROWS outputs
#: [3, 2, 6, 4, 1, 5, 0, 3, 2, 6] (the whole shuffle, then its head again)
DJ_SHUFFLE_7 = [3, 2, 6, 4, 1, 5, 0]


def ids(params: dict, rows: list[dict] = ROWS) -> list[int]:
    return [r["id"] for r in run_rows(rows, [{"random_selector": params}]).rows]


def test_select_num_takes_the_head_of_the_seeded_shuffle_in_shuffled_order():
    assert ids({"select_num": 3}) == [3, 2, 6]  # from Data-Juicer 1.6.1


def test_same_input_same_subset():
    rows = [{"id": i} for i in range(50)]
    # from Data-Juicer 1.6.1's random_selector, select_num 10 on ids 0..49
    assert ids({"select_num": 10}, rows) == [5, 25, 20, 49, 39, 27, 47, 45, 46, 17]
    assert ids({"select_num": 10}, rows) == [5, 25, 20, 49, 39, 27, 47, 45, 46, 17]


def test_ratio_and_the_smaller_count_wins():
    assert ids({"select_ratio": 0.5}) == [3, 2, 6]  # int(3.5) = 3
    assert ids({"select_ratio": 0.9, "select_num": 2}) == [3, 2]
    assert ids({"select_ratio": 0.3, "select_num": 5}) == [3, 2]  # int(2.1) = 2


def test_data_juicer_quirks():
    assert ids({"select_ratio": 0.1}) == list(range(7))  # int(0.7) = 0 means "no limit" there
    assert ids({"select_num": 7}) == list(range(7))  # exactly n: the dataset is returned unshuffled
    assert ids({}) == list(range(7))
    assert ids({"select_num": 1}, ROWS[:1]) == [0]


def test_more_than_there_are_repeats_the_shuffle():
    out = run_rows(ROWS, [{"random_selector": {"select_num": 10}}])
    assert [r["id"] for r in out.rows] == [*DJ_SHUFFLE_7, 3, 2, 6]  # from Data-Juicer 1.6.1
    assert (out.record.ops[0].rows_in, out.record.ops[0].rows_out) == (7, 10)


def test_ratio_zero_uses_select_num():
    assert ids({"select_ratio": 0.0, "select_num": 3}) == [3, 2, 6]


def test_bad_parameters_are_param_errors():
    with pytest.raises(ParamError, match="select_ratio"):
        ids({"select_ratio": 1.5})
    with pytest.raises(ParamError, match="select_num"):
        ids({"select_num": 0})
    with pytest.raises(ParamError, match="select_num"):
        ids({"select_ratio": 0})


def test_output_order_is_data_juicers_shuffled_order_with_repeats():
    op = get_op_class("random_selector").from_config({"select_num": 10})
    assert op.output_order([None] * 7).tolist() == [*DJ_SHUFFLE_7, 3, 2, 6]
    assert get_op_class("random_selector").from_config({"select_num": 3}).output_order([None] * 7).tolist() == [3, 2, 6]
