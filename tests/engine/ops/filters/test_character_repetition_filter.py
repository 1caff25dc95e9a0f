"""character_repetition_filter: char_rep_ratio (top sqrt(#distinct) repeated n-grams) and bounds."""

from __future__ import annotations

import math

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _stats(texts: list[str], rep_len: int) -> list[float]:
    op = {"character_repetition_filter": {"rep_len": rep_len, "max_ratio": 2.0}}
    out = run_rows([{"text": t} for t in texts], [op])
    assert out.texts == texts
    return out.stats("char_rep_ratio")


def _reference(text: str, n: int) -> float:
    counts: dict[str, int] = {}
    for i in range(len(text) - n + 1):
        counts[text[i : i + n]] = counts.get(text[i : i + n], 0) + 1
    if not counts:
        return 0.0
    freqs = sorted(counts.values(), reverse=True)
    top = min(math.isqrt(len(freqs)), len(freqs) - freqs.count(1))
    return sum(freqs[:top]) / sum(freqs)


def test_ratio_by_hand() -> None:
    # "aaaaaaaaaa": one 3-gram seen 8 times -> 8/8
    # "abcabcabcabc": abc x4, bca x3, cab x3; sqrt(3) -> 1 n-gram -> 4/10
    # "the quick brown fox": every 3-gram once -> no repeated n-gram -> 0
    assert _stats(["aaaaaaaaaa", "abcabcabcabc", "the quick brown fox"], 3) == [1.0, 0.4, 0.0]


def test_singletons_and_sqrt_limit_the_top() -> None:
    # "aab": a x2, b x1 -> sqrt(2) -> 1, one repeated -> 2/3
    # "aabbccdd": four 1-grams x2 -> sqrt(4) = 2 of them -> 4/8
    assert _stats(["aab", "aabbccdd"], 1) == [2 / 3, 0.5]


def test_shorter_than_rep_len_and_empty_are_zero() -> None:
    assert _stats(["short", ""], 10) == [0.0, 0.0]


@pytest.mark.parametrize("rep_len", [1, 3, 10, 17])
def test_long_texts_match_a_plain_count(rep_len: int) -> None:
    texts = [
        "the cat sat on the mat. " * 20,
        ("Grüße 世界 😀 data-juicer! " * 15) + "tail",
        "".join(chr(0x4E00 + (i * 7) % 50) for i in range(400)),
        "\x00" * 200 + "\x01",
    ]
    assert _stats(texts, rep_len) == [_reference(t, rep_len) for t in texts]


def test_default_bounds() -> None:
    rows = [{"text": "the quick brown fox jumps over the lazy dog"}, {"text": "ab" * 30}]
    assert run_rows(rows, ["character_repetition_filter"]).texts == [rows[0]["text"]]


def test_rep_len_must_be_positive() -> None:
    with pytest.raises(ParamError, match="rep_len"):
        run_rows([{"text": "x"}], [{"character_repetition_filter": {"rep_len": 0}}])
