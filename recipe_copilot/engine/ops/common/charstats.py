"""Fast, exact per-text character statistics (alphanumeric and special-character counts,
character n-gram repetition), with Data-Juicer's semantics.

ASCII texts are counted with ``str.translate`` (deleting the counted characters); other
texts go through a lookup table indexed by code point (built once, from ``str.isalnum`` and
``SPECIAL_CHARACTERS`` themselves, so the answer is identical to a per-character test).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from recipe_copilot.engine.ops.common.chars import SPECIAL_CHARACTERS

__all__ = ["char_rep_ratio", "count_alnum", "count_special", "prepare_tables"]

_N_CODES = 0x110000
_ASCII = [chr(i) for i in range(128)]
_DROP_ASCII_ALNUM = str.maketrans(dict.fromkeys(c for c in _ASCII if c.isalnum()))
_SPECIAL_SINGLE = [c for c in SPECIAL_CHARACTERS if len(c) == 1]
_DROP_ASCII_SPECIAL = str.maketrans(dict.fromkeys(c for c in _SPECIAL_SINGLE if c.isascii()))
#: below this length the n-gram count runs on a dict; above it, vectorised on code points
_NUMPY_FROM = 150


@functools.cache
def _alnum_table() -> np.ndarray:
    return np.fromiter((chr(i).isalnum() for i in range(_N_CODES)), dtype=bool, count=_N_CODES)


@functools.cache
def _special_table() -> np.ndarray:
    table = np.zeros(_N_CODES, dtype=bool)
    table[[ord(c) for c in _SPECIAL_SINGLE]] = True
    return table


def prepare_tables() -> None:
    """Build the code-point lookup tables now (about 0.1 s, once per process), not on first use."""
    _alnum_table()
    _special_table()


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def count_alnum(text: str) -> int:
    """How many characters of ``text`` are alphanumeric (``str.isalnum``)."""
    if text.isascii():
        return len(text) - len(text.translate(_DROP_ASCII_ALNUM))
    return int(np.count_nonzero(_alnum_table()[_codes(text)]))


def count_special(text: str) -> int:
    """How many characters of ``text`` are in ``SPECIAL_CHARACTERS``."""
    if text.isascii():
        return len(text) - len(text.translate(_DROP_ASCII_SPECIAL))
    return int(np.count_nonzero(_special_table()[_codes(text)]))


def _ratio(freqs: list[int], total: int) -> float:
    # the sqrt(#distinct) most frequent n-grams, but only those that repeat
    freqs = sorted(freqs, reverse=True)
    top = min(int(math.sqrt(len(freqs))), len(freqs) - freqs.count(1))
    return sum(freqs[:top]) / total


def _dense_ranks(key: np.ndarray) -> tuple[np.ndarray, int]:
    order = np.argsort(key)
    ordered = key[order]
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    ranks = np.empty(len(key), dtype=np.int64)
    ranks[order] = np.cumsum(new) - 1
    return ranks, int(ranks[order[-1]]) + 1


def _ngram_counts(text: str, n: int) -> np.ndarray:
    """Occurrence counts of the distinct n-grams, sorted, from exact integer keys (no hashing).

    Characters are renumbered densely and packed into 63-bit keys, ``p`` per key; longer
    n-grams are built by ranking the p-grams and pairing the ranks of two overlapping
    p-grams (prefix doubling).
    """
    a = _codes(text)
    size = len(a)
    present = np.zeros(int(a.max()) + 1, dtype=bool)
    present[a] = True
    renumber = np.cumsum(present, dtype=np.int64) - 1
    codes, bits = renumber[a], max(1, int(renumber[-1]).bit_length())
    p = min(n, 63 // bits)
    key = codes[: size - p + 1] << (bits * (p - 1))
    for j in range(1, p):
        key |= codes[j : j + size - p + 1] << (bits * (p - 1 - j))
    while p < n:
        q = min(2 * p, n)
        ranks, m = _dense_ranks(key)
        key = ranks[: size - q + 1] * m + ranks[q - p : q - p + size - q + 1]
        p = q
    key.sort()
    bounds = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1], [True])))
    counts = np.diff(bounds)
    counts.sort()
    return counts


def char_rep_ratio(text: str, n: int) -> float:
    """Share of the text's character n-grams taken by its most repeated n-grams.

    The counts of the ``floor(sqrt(#distinct n-grams))`` most frequent n-grams (only those
    seen more than once) over the number of n-grams; 0.0 for a text shorter than ``n``.
    """
    total = len(text) - n + 1
    if total <= 0:
        return 0.0
    if len(text) < _NUMPY_FROM:
        seen: dict[str, int] = {}
        for i in range(total):
            gram = text[i : i + n]
            seen[gram] = seen.get(gram, 0) + 1
        return _ratio(list(seen.values()), total)
    counts = _ngram_counts(text, n)
    top = min(int(math.sqrt(len(counts))), len(counts) - int(np.searchsorted(counts, 2)))
    return int(counts[len(counts) - top :].sum()) / total
