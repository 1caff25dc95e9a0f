"""words_num_filter: num_words after stripping special characters, bounds, refused tokenization."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str]) -> list[int]:
    out = run_rows([{"text": t} for t in texts], [{"words_num_filter": {"min_num": 0}}])
    assert out.texts == texts
    return out.stats("num_words")


def test_count_by_hand() -> None:
    texts = [
        "one two three",
        "hi , 42 there",  # "," and "42" are all special characters: 2
        "a\tb\nc  d",  # tabs, newlines and runs of spaces separate words
        "a\u00a0b c",  # a no-break space does not: "a\u00a0b" is one word
        "(hello) world!!",
        "数据 清洗",
        "Г word",  # U+0413 is one of Data-Juicer's special characters; no lower-casing here
        "😀 ok 😀😀",
    ]
    assert _stats(texts) == [3, 2, 4, 2, 2, 2, 1, 1]


def test_empty_and_blank_texts_have_no_words() -> None:
    assert _stats(["", "   ", "\n\t", "!!! ..."]) == [0, 0, 0, 0]


def test_default_min_and_max() -> None:
    rows = [{"text": " ".join(["w"] * 10)}, {"text": " ".join(["w"] * 9)}, {"text": " ".join(["w"] * 12)}]
    assert run_rows(rows, ["words_num_filter"]).texts == [rows[0]["text"], rows[2]["text"]]
    out = run_rows(rows, [{"words_num_filter": {"min_num": 10, "max_num": 11}}])
    assert out.texts == [rows[0]["text"]]


def test_tokenization_is_refused_naming_the_model_of_lang() -> None:
    with pytest.raises(ParamError, match=r"zh\.sp\.model"):
        run_rows([{"text": "x"}], [{"words_num_filter": {"lang": "zh", "tokenization": True}}])


def test_bad_min_num() -> None:
    with pytest.raises(ParamError, match="min_num"):
        run_rows([{"text": "x"}], [{"words_num_filter": {"min_num": "ten"}}])


def test_a_stat_already_in_the_input_is_reused() -> None:
    rows = [{"text": "one two", "__dj__stats__": {"num_words": 50}}, {"text": "one two"}]
    out = run_rows(rows, [{"words_num_filter": {"min_num": 0}}])
    assert out.stats("num_words") == [50, 2]
