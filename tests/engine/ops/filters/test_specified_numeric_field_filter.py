"""specified_numeric_field_filter keeps samples whose field, read as a number, is in range."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

VALUES = [5, "7", 0, "abc", None, 9.5, "1e1", 2, True, ""]
ROWS = [{"text": f"t{i}", "meta": {"n": v}} for i, v in enumerate(VALUES)]


def kept(params: dict, rows: list[dict] = ROWS) -> list:
    out = run_rows(rows, [{"specified_numeric_field_filter": {"field_key": "meta.n", **params}}])
    return [r["meta"]["n"] for r in out.rows]


def test_numbers_and_numeric_strings_in_range_are_kept():
    assert kept({"min_value": 2, "max_value": 9}) == [5, "7", 2]


def test_falsy_values_are_not_numbers_as_in_data_juicer():
    # 0 and "" are dropped even though the range includes them; so is a missing field
    assert kept({"min_value": -1, "max_value": 100}) == [5, "7", 9.5, "1e1", 2, True]


def test_open_bounds():
    assert kept({"min_value": 2, "max_value": 7, "min_closed_interval": False, "max_closed_interval": False}) == [5]


def test_reversed_range_still_drops_non_numbers():
    # reversing also flips the bounds' closedness, so 2 (== min_value) is kept
    assert kept({"min_value": 2, "max_value": 9, "reversed_range": True}) == [9.5, "1e1", 2, True]


def test_default_range_keeps_every_number():
    assert kept({}) == [5, "7", 9.5, "1e1", 2, True]


def test_value_is_copied_into_stats():
    out = run_rows(ROWS[:2], [{"specified_numeric_field_filter": {"field_key": "meta.n", "min_value": 1}}])
    assert out.stats("meta.n") == [5, "7"]


def test_list_value_is_an_error_for_that_sample():
    rows = [{"text": "a", "n": [1, 2]}, {"text": "b", "n": 3}]
    out = run_rows(rows, [{"specified_numeric_field_filter": {"field_key": "n", "min_value": 0}}])
    assert out.texts == ["b"]
    assert len(out.errors) == 1
    assert out.errors[0]["sample"]["text"] == "a"


def test_empty_field_key_drops_every_sample_as_data_juicer_does():
    out = run_rows(ROWS[:3], [{"specified_numeric_field_filter": {}}])
    assert out.rows == []
    assert len(out.errors) == 3


def test_bad_parameter_is_a_param_error():
    with pytest.raises(ParamError, match="min_value"):
        kept({"min_value": "low"})
