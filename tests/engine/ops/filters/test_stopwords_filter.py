"""stopwords_filter: stopwords_ratio with the bundled lists or Data-Juicer-style JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str], **params: object) -> list[float]:
    op = {"stopwords_filter": {"min_ratio": 0.0, **params}}
    out = run_rows([{"text": t} for t in texts], [op])
    assert out.texts == texts
    return out.stats("stopwords_ratio")


def test_bundled_english_list() -> None:
    texts = ["the cat is on the mat", "The cat, IS on... the mat!", "cheap pills discount watches here", ""]
    assert _stats(texts) == [4 / 6, 4 / 6, 1 / 5, 0.0]


def test_bundled_lists_cover_data_juicer_languages() -> None:
    # a few common words per language Data-Juicer's lists cover
    assert _stats(["le chat et la souris"], lang="fr") == [3 / 5]
    assert _stats(["el perro y el gato"], lang="es") == [3 / 5]
    assert _stats(["我们 的 数据"], lang="zh") == [2 / 3]


def test_default_min_ratio() -> None:
    rows = [{"text": "the cat is on the mat"}, {"text": "cheap pills discount watches here"}]
    assert run_rows(rows, ["stopwords_filter"]).texts == ["the cat is on the mat"]


def test_word_groups_with_own_list(tmp_path: Path) -> None:
    (tmp_path / "stopwords.json").write_text(json.dumps({"zh": ["的", "我们"]}), encoding="utf-8")
    # 我 们 的 数 据 + 我们 们的 的数 数据: 的 and 我们 of 9 words
    texts = ["我 们 的 数 据"]
    assert _stats(texts, lang="zh", stopwords_dir=str(tmp_path)) == [1 / 5]
    assert _stats(texts, lang="zh", stopwords_dir=str(tmp_path), use_words_aug=True) == [2 / 9]
    # groups of 2 and 3: 5 + 4 + 3 words
    assert _stats(texts, lang="zh", stopwords_dir=str(tmp_path), use_words_aug=True, words_aug_group_sizes=[2, 3]) == [
        2 / 12
    ]


def test_unknown_lang_and_bad_dir() -> None:
    with pytest.raises(ParamError, match=r"lang 'xx' has no bundled stopwords list"):
        run_rows([{"text": "x"}], [{"stopwords_filter": {"lang": "xx"}}])
    with pytest.raises(ParamError, match="not a folder"):
        _stats(["x"], stopwords_dir="/nonexistent/stopwords/folder")


def test_tokenization_splits_before_counting_stopwords(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_JUICER_EXTERNAL_MODELS_HOME", str(tmp_path))
    monkeypatch.setenv("DATA_JUICER_MODELS_CACHE", str(tmp_path))
    plain = _stats(["the cat and the dog"])
    pieces = run_rows([{"text": "the cat and the dog"}],
                      [{"stopwords_filter": {"tokenization": True, "min_ratio": 0}}]).stats("stopwords_ratio")
    assert plain == [0.6]
    assert pieces[0] < plain[0]  # pieces carry the sentencepiece-style "\u2581" marker, so fewer match the list


def test_a_stat_already_in_the_input_is_reused() -> None:
    rows = [{"text": "cheap pills", "__dj__stats__": {"stopwords_ratio": 0.9}}, {"text": "cheap pills"}]
    out = run_rows(rows, ["stopwords_filter"])
    assert out.texts == ["cheap pills"]
    assert out.stats("stopwords_ratio") == [0.9]
