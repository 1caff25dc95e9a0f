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


def test_tokenization_splits_with_a_local_sentencepiece_model(tmp_path, monkeypatch) -> None:
    spm = pytest.importorskip("sentencepiece")
    lines = ["data cleaning makes better models", "tokenizers split words into pieces"] * 50
    with open(tmp_path / "en.sp.model", "wb") as fh:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=fh, vocab_size=25,
                                       model_type="unigram", minloglevel=2)
    monkeypatch.setenv("DATA_JUICER_EXTERNAL_MODELS_HOME", str(tmp_path))
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "en.sp.model"))
    text = "cleaning models, splitting words!"
    pieces = [p.strip("!,") for p in sp.encode_as_pieces(text)]
    out = run_rows([{"text": text}], [{"words_num_filter": {"tokenization": True, "min_num": 0}}])
    assert out.stats("num_words") == [len([p for p in pieces if p])]
    assert out.stats("num_words") != [4]  # not the whitespace split


def test_tokenization_without_a_model_on_disk_uses_the_bundled_tokenizer_pieces(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_JUICER_EXTERNAL_MODELS_HOME", str(tmp_path))  # no zh.sp.model there
    monkeypatch.setenv("DATA_JUICER_MODELS_CACHE", str(tmp_path))
    from recipe_copilot.engine.ops.common.smollm import load_llama

    llm = load_llama("test", vocab_only=True)
    text = "Tokenizers split unfamiliar words into several pieces."
    ids = llm.tokenize(text.encode(), add_bos=False, special=False)
    pieces = [llm.detokenize([i]).decode().replace(" ", "\u2581").strip(".") for i in ids]
    out = run_rows([{"text": text}], [{"words_num_filter": {"lang": "zh", "tokenization": True, "min_num": 0}}])
    assert out.stats("num_words") == [len([p for p in pieces if p])]
    assert out.stats("num_words")[0] > len(text.split())


def test_bad_min_num() -> None:
    with pytest.raises(ParamError, match="min_num"):
        run_rows([{"text": "x"}], [{"words_num_filter": {"min_num": "ten"}}])


def test_a_stat_already_in_the_input_is_reused() -> None:
    rows = [{"text": "one two", "__dj__stats__": {"num_words": 50}}, {"text": "one two"}]
    out = run_rows(rows, [{"words_num_filter": {"min_num": 0}}])
    assert out.stats("num_words") == [50, 2]
