"""remove_words_with_incorrect_substrings_mapper drops words holding URL-like substrings."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import MissingDependencyError, ParamError
from recipe_copilot.engine.ops.mappers import remove_words_with_incorrect_substrings_mapper as module
from recipe_copilot.engine.testing import run_rows

OP = "remove_words_with_incorrect_substrings_mapper"


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{OP: params}])
    assert out.errors == []
    return out.texts


def test_default_substrings():
    texts = ["see http://x.org now\n\nok", "go to www.a.b or example.com, or href=x a//b", "HTTP stays"]
    assert run(texts) == ["see now\nok", "go to or or", "HTTP stays"]


def test_words_are_checked_without_their_special_characters():
    # "(www)" is stripped to "www" and goes; "//" alone is stripped to "" and stays
    assert run(["a (www) // b//c"]) == ["a //"]


def test_spaces_tabs_and_newlines_are_rebuilt():
    assert run(["  a   b \t\t c \n\n d  "]) == ["a b\tc\nd"]
    assert run(["a  b"], substrings=[]) == ["a b"]


def test_custom_substrings_and_unicode():
    assert run(["中文 text 文字 Ünï"], substrings=["中", "ï"]) == ["text 文字"]


def test_everything_removed_and_empty_text():
    assert run(["http://a www.b", ""]) == ["", ""]


def test_tokenization_uses_sentencepiece_pieces(monkeypatch):
    def fake_model(name: str):
        assert name == "en.sp.model"
        return lambda text: ["▁" + w for w in text.split(" ")]

    monkeypatch.setattr(module, "_sentencepiece", fake_model)
    # pieces lose their "▁" and are joined with nothing, but only when one is removed
    assert run(["see http://x now", "a  b"], tokenization=True) == ["seenow", "a  b"]


def test_tokenization_without_the_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_JUICER_MODELS_CACHE", str(tmp_path))
    monkeypatch.delenv("DATA_JUICER_EXTERNAL_MODELS_HOME", raising=False)
    with pytest.raises((ParamError, MissingDependencyError), match=r"sentencepiece|en\.sp\.model"):
        run(["x"], tokenization=True)


def test_bad_parameter():
    with pytest.raises(ParamError, match="substrings"):
        run(["x"], substrings="http")
