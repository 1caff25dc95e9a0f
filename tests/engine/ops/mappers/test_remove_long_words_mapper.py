"""remove_long_words_mapper: length bounds, strip rescue for long words, whitespace rebuilding."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"remove_long_words_mapper": params}]).texts


def test_defaults_only_rebuild_whitespace() -> None:
    texts = ["a  b\n\n\tc ", "Hello world\tcell\nline two", " x", "", "   \n\t"]
    assert _run(texts) == ["a b\nc", "Hello world\tcell\nline two", "x", "", ""]


def test_max_len() -> None:
    texts = [
        "a tiny\n\nexample sentence",
        "(hello)!! hello!!!! (hello!)x",  # stripped to "hello" (5) the first two stay, unstripped
        "数据清洗很重要 ok",
        "ok😀😀😀",  # emoji are special characters
        "abcdef",
    ]
    assert _run(texts, max_len=5) == ["a tiny", "(hello)!! hello!!!!", "ok", "ok😀😀😀", ""]


def test_min_len() -> None:
    # short words are not stripped: "be," has three characters
    assert _run(["to be or not to be, that is"], min_len=3) == ["not be, that"]
    assert _run(["ab!!!! a"], min_len=2, max_len=3) == ["ab!!!!"]


def test_bad_bound() -> None:
    with pytest.raises(ParamError, match="max_len"):
        run_rows([{"text": "x"}], [{"remove_long_words_mapper": {"max_len": -1}}])
