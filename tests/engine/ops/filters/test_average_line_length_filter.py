"""average_line_length_filter: avg_line_length (text length over str.splitlines count)."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str]) -> list[float]:
    out = run_rows([{"text": t} for t in texts], [{"average_line_length_filter": {"min_len": 0}}])
    assert out.texts == texts
    return out.stats("avg_line_length")


def test_average_by_hand() -> None:
    texts = ["hello\nworld", "a\nb\nc", "abc\n", "a\r\nb", "\n\n", "x\u2028yy\x85z"]
    # line breaks count in the length; "abc\n" has one line; \r\n is one break;
    # U+2028 and U+0085 break lines too
    assert _stats(texts) == [5.5, 5 / 3, 4.0, 2.0, 1.0, 6 / 3]


def test_empty_text_is_zero() -> None:
    assert _stats([""]) == [0.0]


def test_bounds() -> None:
    rows = [{"text": "hello\nworld"}, {"text": "a\nb\nc"}, {"text": "x" * 12}]
    assert run_rows(rows, ["average_line_length_filter"]).texts == ["x" * 12]  # default min 10
    out = run_rows(rows, [{"average_line_length_filter": {"min_len": 5, "max_len": 6}}])
    assert out.texts == ["hello\nworld"]


def test_bad_min_len() -> None:
    with pytest.raises(ParamError, match="min_len"):
        run_rows([{"text": "x"}], [{"average_line_length_filter": {"min_len": "long"}}])
