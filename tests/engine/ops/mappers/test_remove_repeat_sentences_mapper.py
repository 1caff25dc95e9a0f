"""remove_repeat_sentences_mapper: sentence splitting, comparison keys, min length, lambda tokenizer."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"remove_repeat_sentences_mapper": params}]).texts


def test_default() -> None:
    texts = [
        "Hi there. Bye now. Hi there.",
        "Hello world.\nHello world.\nNew.",  # repeats across lines; the line stays, empty
        "Good day. good day.",  # case matters by default
        "Wait!!! Wait.",  # sentences "Wait!", "!!", " Wait."; the last repeats "Wait"
        "OK. OK.",
        "A. A. A.",  # one-character sentences always stay
        "你好。你好。再见。",
        "a\n\nb",
        "",
    ]
    assert _run(texts) == [
        "Hi there. Bye now.",
        "Hello world.\n\nNew.",
        "Good day. good day.",
        "Wait!!!",
        "OK.",
        "A. A. A.",
        "你好。再见。",
        "a\n\nb",
        "",
    ]


def test_options() -> None:
    assert _run(["Good day. good day."], lowercase=True) == ["Good day."]
    assert _run(["Wait!!! Wait.", "Hi. Hi."], ignore_special_character=False) == ["Wait!!! Wait.", "Hi."]
    assert _run(["OK. OK."], min_repeat_sentence_length=3) == ["OK. OK."]


def test_lambda_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_ALLOW_RECIPE_CODE", "1")
    # sentences after the first get a leading space
    assert _run(["one|two|one"], tokenizer="lambda s: s.split('|')") == ["one two"]


def test_lambda_tokenizer_is_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPILOT_ALLOW_RECIPE_CODE", raising=False)
    with pytest.raises(ParamError, match="COPILOT_ALLOW_RECIPE_CODE"):
        run_rows([{"text": "x"}], [{"remove_repeat_sentences_mapper": {"tokenizer": "lambda s: [s]"}}])


@pytest.mark.parametrize("source", ["not a lambda", "lambda a, b: a", "lambda s: (", "len"])
def test_bad_tokenizer(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_ALLOW_RECIPE_CODE", "1")
    with pytest.raises(ParamError, match="tokenizer"):
        run_rows([{"text": "x"}], [{"remove_repeat_sentences_mapper": {"tokenizer": source}}])
