"""alphanumeric_filter: alnum_ratio per text, bounds, and the refused tokenization option."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str], **params: object) -> list[float]:
    keep_all = {"min_ratio": -1.0, "max_ratio": 2.0, **params}
    out = run_rows([{"text": t} for t in texts], [{"alphanumeric_filter": keep_all}])
    assert out.texts == texts
    return out.stats("alnum_ratio")


def test_ratio_by_hand() -> None:
    # "abc1": 4/4; "a!!!": 1/4; CJK letters count, punctuation not: 4/5; ½ ² ٣ are numeric
    assert _stats(["abc1", "a!!!", "数据ab!", "½²٣", "a b"]) == [1.0, 0.25, 0.8, 1.0, 2 / 3]


def test_empty_text_is_zero() -> None:
    assert _stats([""]) == [0.0]


def test_long_unicode_text_matches_a_per_character_count() -> None:
    text = ("Grüße, 世界! 123 — ok? 😀 " * 40).strip()
    expected = sum(1 for c in text if c.isalnum()) / len(text)
    assert _stats([text]) == [expected]


def test_default_min_is_closed() -> None:
    rows = [{"text": "abc1"}, {"text": "a!!!"}, {"text": "!!!!"}]
    out = run_rows(rows, ["alphanumeric_filter"])
    assert out.texts == ["abc1", "a!!!"]  # 0.25 == min_ratio stays
    out = run_rows(rows, [{"alphanumeric_filter": {"min_closed_interval": False}}])
    assert out.texts == ["abc1"]


def test_reversed_range_keeps_outside() -> None:
    rows = [{"text": "abc1"}, {"text": "a!!!"}, {"text": "ab!!"}]
    out = run_rows(rows, [{"alphanumeric_filter": {"min_ratio": 0.3, "max_ratio": 0.9, "reversed_range": True}}])
    assert out.texts == ["abc1", "a!!!"]


def test_tokenization_gives_letters_per_token(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_JUICER_MODELS_CACHE", str(tmp_path))  # pythia is not on disk: the bundled tokenizer
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    from recipe_copilot.engine.ops.common.smollm import load_llama

    llm = load_llama("test", vocab_only=True)
    texts = ["Letters per token, 42 times.", ""]
    tokens = len(llm.tokenize(texts[0].encode(), add_bos=False, special=True))
    out = run_rows([{"text": t} for t in texts], [{"alphanumeric_filter": {"tokenization": True, "min_ratio": 0}}])
    assert out.stats("alpha_token_ratio") == [sum(c.isalpha() for c in texts[0]) / tokens, 0.0]
    assert out.stats("alnum_ratio") == [None, None]
    dropped = run_rows([{"text": t} for t in texts], [{"alphanumeric_filter": {"tokenization": True, "min_ratio": 2.5}}])
    assert dropped.texts == ([texts[0]] if sum(c.isalpha() for c in texts[0]) / tokens >= 2.5 else [])


def test_bad_ratio_type() -> None:
    with pytest.raises(ParamError, match="min_ratio"):
        run_rows([{"text": "x"}], [{"alphanumeric_filter": {"min_ratio": "lots"}}])
