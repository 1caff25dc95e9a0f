"""flagged_words_filter: flagged_words_ratio with the bundled lists or Data-Juicer-style JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str], **params: object) -> list[float]:
    op = {"flagged_words_filter": {"max_ratio": 2.0, **params}}
    out = run_rows([{"text": t} for t in texts], [op])
    assert out.texts == texts
    return out.stats("flagged_words_ratio")


def test_bundled_english_list() -> None:
    # lower-cased and stripped of punctuation before the look-up
    texts = ["what the fuck", "a fine day", "FUCK!!! shit.", "", "!!! 42"]
    assert _stats(texts) == [1 / 3, 0.0, 1.0, 0.0, 0.0]


def test_word_groups_catch_split_words() -> None:
    # "blow job" -> blow, job, blowjob: only the joined group is flagged
    assert _stats(["blow job"]) == [0.0]
    assert _stats(["blow job"], use_words_aug=True) == [1 / 3]
    assert _stats(["blow job"], use_words_aug=True, words_aug_join_char=" ") == [1 / 3]  # "blow job" is listed


def test_default_max_ratio() -> None:
    rows = [{"text": "what the fuck"}, {"text": "a fine day"}]
    assert run_rows(rows, ["flagged_words_filter"]).texts == ["a fine day"]


def _write(folder: Path, name: str, lists: dict[str, list[str]]) -> None:
    (folder / name).write_text(json.dumps(lists), encoding="utf-8")


def test_words_dir_reads_every_matching_json_file(tmp_path: Path) -> None:
    _write(tmp_path, "flagged_words.json", {"en": ["foo"], "xx": ["qux"]})
    _write(tmp_path, "more_flagged_words_extra.json", {"en": ["bar"]})
    _write(tmp_path, "stopwords.json", {"en": ["baz"]})  # another kind: ignored
    texts = ["foo bar baz", "qux foo"]
    assert _stats(texts, flagged_words_dir=str(tmp_path)) == [2 / 3, 1 / 2]
    assert _stats(texts, flagged_words_dir=str(tmp_path), lang="xx") == [0.0, 1 / 2]
    assert _stats(texts, flagged_words_dir=str(tmp_path), lang="all") == [2 / 3, 1.0]


def test_words_dir_problems_are_param_errors(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="no JSON file"):
        _stats(["x"], flagged_words_dir=str(tmp_path))
    with pytest.raises(ParamError, match="not a folder"):
        _stats(["x"], flagged_words_dir=str(tmp_path / "missing"))
    _write(tmp_path, "flagged_words.json", {"en": ["foo"]})
    with pytest.raises(ParamError, match=r"no flagged_words list for lang 'zz'.*available: all, en"):
        _stats(["x"], flagged_words_dir=str(tmp_path), lang="zz")


def test_unknown_bundled_lang_fails_validation() -> None:
    with pytest.raises(ParamError, match=r"lang 'klingon' has no bundled flagged_words list.*\ben\b"):
        run_rows([{"text": "x"}], [{"flagged_words_filter": {"lang": "klingon"}}])


def test_other_param_errors() -> None:
    with pytest.raises(ParamError, match="words_aug_group_sizes"):
        run_rows([{"text": "x"}], [{"flagged_words_filter": {"words_aug_group_sizes": [0]}}])
