"""word_repetition_filter: word_rep_ratio over refined words, bounds, refused tokenization."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str], rep_len: int) -> list[float]:
    op = {"word_repetition_filter": {"rep_len": rep_len, "max_ratio": 2.0}}
    out = run_rows([{"text": t} for t in texts], [op])
    assert out.texts == texts
    return out.stats("word_rep_ratio")


def test_ratio_by_hand() -> None:
    texts = [
        "buy now buy now buy now",  # bigrams: buy-now x3, now-buy x2: all repeat
        "the cat sat on the mat",  # no bigram twice
        "a b a b c",  # a-b x2, b-a, b-c: 2 of 4
        "Buy now! buy NOW, (buy) now.",  # lower-cased and stripped: as the first text
    ]
    assert _stats(texts, 2) == [1.0, 0.0, 0.5, 1.0]


def test_unigrams_count_every_repeated_occurrence() -> None:
    # x x y z x: x three times, y and z once -> 3/5
    assert _stats(["x x y z x"], 1) == [0.6]


def test_too_few_words_and_empty_are_zero() -> None:
    assert _stats(["one two three", "", "!!! 42"], 10) == [0.0, 0.0, 0.0]


def test_long_text_default_rep_len() -> None:
    words = [chr(ord("a") + i) * 2 for i in range(20)]  # aa bb ... tt (no digits: they'd be stripped)
    text = " ".join(words + words)
    # 40 words, 31 10-grams; the 20 words twice: the 11 10-grams starting at aa..kk occur in both
    # halves (22 occurrences); the 9 crossing the middle occur once
    assert _stats([text], 10) == [22 / 31]


def test_default_bounds_and_open_max() -> None:
    rows = [{"text": "a b a b c"}, {"text": "buy now buy now buy now"}, {"text": "a b c d"}]
    op = {"word_repetition_filter": {"rep_len": 2}}
    assert run_rows(rows, [op]).texts == ["a b a b c", "a b c d"]
    op["word_repetition_filter"]["max_closed_interval"] = False
    assert run_rows(rows, [op]).texts == ["a b c d"]


def test_tokenization_counts_repeats_of_tokenizer_pieces(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_JUICER_EXTERNAL_MODELS_HOME", str(tmp_path))
    monkeypatch.setenv("DATA_JUICER_MODELS_CACHE", str(tmp_path))
    text = "unbelievably unbelievably"
    plain = run_rows([{"text": text}], [{"word_repetition_filter": {"rep_len": 1, "max_ratio": 1.0}}]).stats("word_rep_ratio")
    pieces = run_rows([{"text": text}], [{"word_repetition_filter": {"rep_len": 1, "max_ratio": 1.0, "tokenization": True}}])
    assert plain == [1.0]  # both words repeat
    # the pieces of the first word start with the sentencepiece-style marker only when a space precedes
    # them, so its first piece does not repeat: the ratio is below 1
    assert 0 < pieces.stats("word_rep_ratio")[0] < 1.0


def test_rep_len_must_be_positive() -> None:
    with pytest.raises(ParamError, match="rep_len"):
        run_rows([{"text": "x"}], [{"word_repetition_filter": {"rep_len": -1}}])
