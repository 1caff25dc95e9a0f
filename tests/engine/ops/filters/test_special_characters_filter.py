"""special_characters_filter: special_char_ratio per text and bounds."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str]) -> list[float]:
    out = run_rows([{"text": t} for t in texts], [{"special_characters_filter": {"max_ratio": 2.0}}])
    assert out.texts == texts
    return out.stats("special_char_ratio")


def test_ratio_by_hand() -> None:
    # the space is special; digits, punctuation and whitespace are; so are the ideographic
    # space, the em dash and emoji, while "é" and CJK letters are not
    texts = ["hello world", "#1 !!!", "héllo\u3000😀", "a—b", "数据\n"]
    assert _stats(texts) == [1 / 11, 1.0, 2 / 7, 1 / 3, 1 / 3]


def test_empty_text_is_zero() -> None:
    assert _stats([""]) == [0.0]


def test_long_unicode_text_counts_every_character() -> None:
    text = "Grüße, 世界! 42 😀 «ok»\t" * 30
    # per repeat: ",", " ", "!", " ", "4", "2", " ", "😀", " ", "«", "»", "\t" (12 of 21)
    assert _stats([text]) == [12 / 21]


def test_default_bounds() -> None:
    rows = [{"text": "hello world"}, {"text": "#1 !!!"}, {"text": "abc!"}]
    assert run_rows(rows, ["special_characters_filter"]).texts == ["hello world", "abc!"]
    out = run_rows(rows, [{"special_characters_filter": {"max_closed_interval": False}}])
    assert out.texts == ["hello world"]  # 0.25 is no longer below the open maximum


def test_bad_param() -> None:
    with pytest.raises(ParamError, match="max_ratio"):
        run_rows([{"text": "x"}], [{"special_characters_filter": {"max_ratio": [1]}}])
