"""maximum_line_length_filter: max_line_length over str.splitlines, shared with the average filter."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def test_longest_line_by_hand() -> None:
    texts = ["hi\nthere", "a\nlong line", "", "ab\u2028abcd", "\n\n"]
    out = run_rows([{"text": t} for t in texts], [{"maximum_line_length_filter": {"min_len": 0}}])
    assert out.texts == texts
    assert out.stats("max_line_length") == [5, 9, 0, 4, 0]


def test_bounds() -> None:
    rows = [{"text": "hi\nthere"}, {"text": "a\nlong line"}, {"text": "x" * 10}]
    assert run_rows(rows, ["maximum_line_length_filter"]).texts == ["x" * 10]  # default min 10
    out = run_rows(rows, [{"maximum_line_length_filter": {"min_len": 1, "max_len": 5}}])
    assert out.texts == ["hi\nthere"]
    # reversed: keep outside the range, and the closed bounds become open (9 is kept)
    out = run_rows(rows, [{"maximum_line_length_filter": {"min_len": 4, "max_len": 9, "reversed_range": True}}])
    assert out.texts == ["a\nlong line", "x" * 10]


def test_with_average_filter_in_one_recipe() -> None:
    rows = [{"text": "hello\nworld!"}, {"text": "a\nb"}]
    process = [
        {"maximum_line_length_filter": {"min_len": 0}},
        {"average_line_length_filter": {"min_len": 0}},
    ]
    out = run_rows(rows, process)
    assert out.stats("max_line_length") == [6, 1]
    assert out.stats("avg_line_length") == [6.0, 1.5]


def test_bad_max_len() -> None:
    with pytest.raises(ParamError, match="max_len"):
        run_rows([{"text": "x"}], [{"maximum_line_length_filter": {"max_len": 1.5}}])
