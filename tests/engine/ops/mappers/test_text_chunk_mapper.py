"""text_chunk_mapper turns each sample into one sample per chunk of its text."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.mappers import text_chunk_mapper as module
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"text_chunk_mapper": params}])
    assert out.errors == []
    return out.texts


def test_split_pattern_only_drops_blank_pieces():
    assert run(["a\n\nb\n\n\n\nc", "", "  \n\n  "], max_len=None) == ["a", "b", "c"]


def test_captured_separators_become_chunks():
    assert run(["a-b"], split_pattern="(-)") == ["a", "-", "b"]


def test_other_fields_are_copied_to_every_chunk():
    rows = [{"text": "a\n\nb", "meta": {"id": 1}}, {"text": "c", "meta": {"id": 2}}]
    out = run_rows(rows, [{"text_chunk_mapper": {}}])
    assert out.rows == [
        {"text": "a", "meta": {"id": 1}},
        {"text": "b", "meta": {"id": 1}},
        {"text": "c", "meta": {"id": 2}},
    ]


def test_max_len_only_cuts_fixed_windows():
    assert run(["abcdefghij"], max_len=4, split_pattern=None) == ["abcd", "efgh", "ij"]
    assert run(["abcdefghij"], max_len=4, overlap_len=2, split_pattern=None) == [
        "abcd", "cdef", "efgh", "ghij", "ij",
    ]  # fmt: skip


def test_a_short_text_is_kept_whole_even_blank():
    assert run(["abc", "   ", ""], max_len=4, split_pattern=None) == ["abc", "   ", ""]
    assert run(["   "], max_len=4) == ["   "]


def test_max_len_and_pattern_cut_at_the_last_match():
    assert run(["aaa\n\nbbb ccc"], max_len=8) == ["aaa", "bbb ccc"]
    assert run(["aa\n\nbb\n\ncc dd"], max_len=9) == ["aa\n\nbb", "cc dd"]


def test_without_a_match_the_cut_is_at_max_len_with_overlap():
    assert run(["abcdefghijk"], max_len=5, overlap_len=1) == ["abcde", "efghi", "ijk"]


def test_blank_chunks_are_dropped_when_cutting():
    assert run(["\n\n\n\nabc"], max_len=3) == ["abc"]


def test_unicode_lengths_are_characters():
    assert run(["中文字符串很长"], max_len=3, split_pattern=None) == ["中文字", "符串很", "长"]


def test_many_chunks():
    assert run(["x" * 5000], max_len=2) == ["xx"] * 2500


def test_pattern_that_cannot_advance_quarantines_the_sample():
    out = run_rows([{"text": "abcd"}, {"text": "ab"}], [{"text_chunk_mapper": {"max_len": 2, "split_pattern": "^"}}])
    assert out.texts == ["ab"]
    assert len(out.errors) == 1
    assert "only matches empty text" in out.errors[0]["error"]


class WordTokenizer:
    """Tokens are space-separated words."""

    def encode(self, text: str) -> list[str]:
        return text.split(" ")

    def decode(self, tokens: list[str]) -> str:
        return " ".join(tokens)


def test_tokenizer_measures_length_in_tokens(monkeypatch):
    monkeypatch.setattr(module, "_load_tokenizer", lambda name, trust: WordTokenizer())
    assert run(["a b c d e"], max_len=3, split_pattern=None, tokenizer="words") == ["a b c", "d e"]
    assert run(["a b c d e f g"], max_len=3, overlap_len=1, tokenizer="words") == ["a b c", "c d e", "e f g"]
    # the match is found in the decoded head; the rest is cut from the text at the match's end
    assert run(["a b\n\nc d e"], max_len=3, tokenizer="words") == ["a b", "c d e"]


def test_a_tokenizer_that_cannot_be_loaded_is_a_clear_error():
    with pytest.raises(ParamError, match="tokenizer: null"):
        run(["x"], max_len=3, tokenizer="no-such-tokenizer-anywhere")


def test_bad_parameters():
    with pytest.raises(ParamError, match="cannot both be None"):
        run(["x"], max_len=None, split_pattern=None)
    with pytest.raises(ParamError, match="overlap_len must be less than max_len"):
        run(["x"], max_len=4, overlap_len=4)
    with pytest.raises(ParamError, match="max_len"):
        run(["x"], max_len=0)
    with pytest.raises(ParamError, match="overlap_len"):
        run(["x"], max_len=4, overlap_len=-1)
    with pytest.raises(ParamError, match="not a valid regular expression"):
        run(["x"], split_pattern="(")
