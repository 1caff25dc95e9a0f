"""random_selector keeps a random subset, chosen as Data-Juicer does (shuffle seeded with 42)."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.testing import run_rows

ROWS = [{"id": i} for i in range(7)]


def ids(params: dict, rows: list[dict] = ROWS) -> list[int]:
    return [r["id"] for r in run_rows(rows, [{"random_selector": params}]).rows]


def test_select_num_takes_the_head_of_the_seeded_shuffle_in_input_order():
    # Data-Juicer 1.6.1 returns ids 3, 2, 6 here: datasets' shuffle(seed=42) is default_rng(42).permutation
    assert ids({"select_num": 3}) == [2, 3, 6]
    assert ids({"select_num": 3}) == sorted(np.random.default_rng(42).permutation(7)[:3].tolist())


def test_same_input_same_subset():
    rows = [{"id": i} for i in range(50)]
    first = ids({"select_num": 10}, rows)
    assert len(first) == 10
    assert ids({"select_num": 10}, rows) == first


def test_ratio_and_the_smaller_count_wins():
    assert ids({"select_ratio": 0.5}) == [2, 3, 6]  # int(3.5) = 3
    assert len(ids({"select_ratio": 0.9, "select_num": 2})) == 2
    assert len(ids({"select_ratio": 0.3, "select_num": 5})) == 2


def test_data_juicer_quirks_keep_everything():
    assert ids({"select_ratio": 0.1}) == list(range(7))  # int(0.7) = 0 means "no limit" there
    assert ids({"select_num": 10}) == list(range(7))  # more than there are (Data-Juicer repeats samples)
    assert ids({}) == list(range(7))
    assert ids({"select_num": 1}, ROWS[:1]) == [0]


def test_ratio_zero_uses_select_num():
    assert ids({"select_ratio": 0.0, "select_num": 3}) == [2, 3, 6]


def test_bad_parameters_are_param_errors():
    with pytest.raises(ParamError, match="select_ratio"):
        ids({"select_ratio": 1.5})
    with pytest.raises(ParamError, match="select_num"):
        ids({"select_num": 0})
    with pytest.raises(ParamError, match="select_num"):
        ids({"select_ratio": 0})


def test_output_order_is_data_juicers_shuffled_order_with_repeats():
    op = get_op_class("random_selector").from_config({"select_num": 10})
    # Data-Juicer 1.6.1 outputs exactly these ids for 7 samples: the shuffle, then its head again
    assert op.output_order([None] * 7).tolist() == [3, 2, 6, 4, 1, 5, 0, 3, 2, 6]
    assert get_op_class("random_selector").from_config({"select_num": 3}).output_order([None] * 7).tolist() == [3, 2, 6]
