"""Shingling, MinHash and SimHash with Data-Juicer's exact hash functions, vectorised over a batch.

- Shingles: the text is lower-cased and stripped of an ignore pattern first (by the caller),
  then cut into tokens (``space``: split on " " dropping empty pieces; ``punctuation``: split
  on ``\\p{P}`` keeping empty pieces; ``character``: characters; ``sentencepiece``: model
  pieces) and every run of ``window`` tokens is joined (by " ", or "" for sentencepiece and
  characters) and UTF-8 encoded.
- MinHash: token hash = first 4 bytes of SHA-1, little-endian; permutation ``i`` maps ``h`` to
  ``((a_i * h + b_i) mod 2**64) mod (2**61 - 1)``, low 32 bits; ``(a_i, b_i)`` are drawn in
  turn from ``numpy.random.RandomState(42)``. Empty texts get 2**32 - 1 everywhere.
- SimHash: token hash = first 8 bytes of MD5, big-endian; bit ``j`` of the fingerprint is set
  when more than half of the shingles (counted with repeats) have it set.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
import regex

__all__ = [
    "MinHasher",
    "Tokenization",
    "check_pattern",
    "optimal_param",
    "popcount",
    "shingles",
    "simhash_edges",
    "simhash_fingerprints",
]

Tokenization = Literal["space", "punctuation", "character", "sentencepiece"]

_PUNCT = regex.compile(r"\p{P}")
_MERSENNE = np.uint64((1 << 61) - 1)
_SHIFT61 = np.uint64(61)
_EMPTY_MIN = np.uint32(0xFFFFFFFF)
_EIGHT = np.uint32(8)


def shingles(
    text: str, tokenization: str, window: int, tokenizer: Callable[[str], list[str]] | None = None
) -> list[bytes]:
    """Every run of ``window`` tokens of ``text``, joined and UTF-8 encoded (repeats kept)."""
    if tokenization == "space":
        # " " is one byte in UTF-8, so splitting the encoded text gives the encoded words
        tokens: list = [w for w in text.encode().split(b" ") if w]
        sep = b" "
    elif tokenization == "character":
        return [text[i : i + window].encode() for i in range(len(text) - window + 1)]
    elif tokenization == "punctuation":
        tokens, sep = [t.encode() for t in _PUNCT.split(text)], b" "
    elif tokenization == "sentencepiece":
        if tokenizer is None:
            msg = "sentencepiece tokenization needs a tokenizer"
            raise ValueError(msg)
        tokens, sep = [t.encode() for t in tokenizer(text)], b""
    else:
        msg = f"unknown tokenization {tokenization!r}"
        raise ValueError(msg)
    if window == 1:
        return tokens
    return list(map(sep.join, zip(*(tokens[k:] for k in range(window)), strict=False)))


def check_pattern(value: str | None) -> str | None:
    """A pydantic validator: ``value`` must be None or a valid ``regex`` pattern."""
    try:
        regex.compile(value or "")
    except regex.error as exc:
        msg = f"not a valid regular expression: {exc}"
        raise ValueError(msg) from None
    return value


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


class MinHasher:
    """MinHash signatures of many documents at once (one uint32 per permutation)."""

    def __init__(self, num_perm: int, block_elems: int = 1 << 15) -> None:
        gen = np.random.RandomState(seed=42)
        pairs = [
            (gen.randint(1, _MERSENNE, dtype=np.uint64), gen.randint(0, _MERSENNE, dtype=np.uint64))
            for _ in range(num_perm)
        ]
        self.a, self.b = np.array(pairs, dtype=np.uint64).reshape(num_perm, 2).T.copy()
        self.num_perm = num_perm
        self.rows = max(8, block_elems // num_perm)  # shingles per block: keeps buffers in cache
        self._x = np.empty((num_perm, self.rows), np.uint64)
        self._y = np.empty_like(self._x)
        self._u = np.empty((num_perm, self.rows), np.uint32)
        self._w = np.empty_like(self._u)

    def _permute(self, h: np.ndarray) -> np.ndarray:
        """Low 32 bits of every permutation of every hash in ``h`` (shape num_perm x len(h)).

        With x = a*h + b (mod 2**64), x mod p = (x & p) + (x >> 61), less p once more when
        that is still >= p. Only the low 32 bits are kept, and p's low 32 bits are all ones,
        so the result is low32(x) + (x >> 61), plus 1 in the rare case of the extra fold,
        which can only happen when that sum is within 8 of wrapping; a block with such a
        value is recomputed the long way.
        """
        k = len(h)
        x, y, u, w = self._x[:, :k], self._y[:, :k], self._u[:, :k], self._w[:, :k]
        np.multiply(self.a[:, None], h, out=x)  # wraps mod 2**64, as in Data-Juicer
        np.add(x, self.b[:, None], out=x)
        np.right_shift(x, _SHIFT61, out=y)
        np.add(x, y, out=x)
        np.copyto(u, x, casting="unsafe")
        np.add(u, _EIGHT, out=w)
        if w.min() < 15:
            np.copyto(u, (self.a[:, None] * h + self.b[:, None]) % _MERSENNE, casting="unsafe")
        return u

    def signatures(self, docs: Sequence[Sequence[bytes]]) -> np.ndarray:
        """Signature of each document's shingles (shape len(docs) x num_perm, uint32)."""
        n = len(docs)
        sig = np.full((n, self.num_perm), _EMPTY_MIN, np.uint32)
        counts = np.fromiter(map(len, docs), np.int64, n)
        sha1 = hashlib.sha1
        digests = b"".join([sha1(t).digest() for d in docs for t in d])
        if not digests:
            return sig
        hv = np.frombuffer(digests, np.uint8).reshape(-1, 20)[:, :4].copy().view("<u4").ravel().astype(np.uint64)
        ids = np.flatnonzero(counts)
        starts = _offsets(counts)[ids]
        ends = starts + counts[ids]
        for lo_row in range(0, len(hv), self.rows):
            hi_row = min(lo_row + self.rows, len(hv))
            first = int(np.searchsorted(ends, lo_row, side="right"))
            last = int(np.searchsorted(starts, hi_row, side="left"))
            local = np.maximum(starts[first:last], lo_row) - lo_row
            mins = np.minimum.reduceat(self._permute(hv[lo_row:hi_row]), local, axis=1)
            rows = ids[first:last]
            sig[rows] = np.minimum(sig[rows], mins.T)
        return sig


@lru_cache(maxsize=64)
def optimal_param(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows per band) minimising the weighted false positive and negative areas.

    Data-Juicer (after datasketch) integrates ``1 - (1 - s**r)**b`` over [0, threshold] and
    its complement over [threshold, 1] for every b*r <= num_perm and keeps the first minimum.
    The integrands are polynomials of degree b*r <= num_perm, so Gauss-Legendre quadrature
    with num_perm/2 + 1 nodes integrates them exactly (up to rounding).
    """
    x, w = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    s_fp, w_fp = threshold * (x + 1) / 2, w * threshold / 2
    s_fn, w_fn = threshold + (1 - threshold) * (x + 1) / 2, w * (1 - threshold) / 2
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        r = np.arange(1, num_perm // b + 1, dtype=np.float64)[:, None]
        fp = (1 - (1 - s_fp**r) ** b) @ w_fp
        fn = ((1 - s_fn**r) ** b) @ w_fn
        err = fp * fp_weight + fn * fn_weight
        i = int(np.argmin(err))
        if err[i] < best:
            best, opt = float(err[i]), (b, i + 1)
    return opt


_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(np.float64)  # MSB first


def simhash_fingerprints(
    docs: Sequence[Sequence[bytes]], block_rows: int = 1 << 18, block_docs: int = 512
) -> np.ndarray:
    """64-bit SimHash of each document's shingles (0 for a document without shingles).

    Bits are counted per document through a histogram of the 8 digest bytes (document x
    byte position x byte value) times the bits of each byte value.
    """
    n = len(docs)
    out = np.zeros(n, np.uint64)
    counts = np.fromiter(map(len, docs), np.int64, n)
    offsets = _offsets(counts)
    md5 = hashlib.md5
    lo = 0
    while lo < n:  # groups of at most block_docs documents and block_rows shingles (or one big document)
        hi = int(np.searchsorted(offsets, offsets[lo] + block_rows, side="right")) - 1
        hi = max(lo + 1, min(hi, lo + block_docs))
        ids = np.flatnonzero(counts[lo:hi])
        if ids.size:
            digests = b"".join([md5(t).digest() for d in docs[lo:hi] for t in d])
            first8 = np.frombuffer(digests, np.uint8).reshape(-1, 16)[:, :8]
            owner = np.repeat(np.arange(ids.size, dtype=np.int64), counts[lo + ids])
            cell = (owner[:, None] * 8 + np.arange(8)) * 256 + first8
            hist = np.bincount(cell.ravel(), minlength=ids.size * 2048).reshape(ids.size, 8, 256)
            ones = (hist.astype(np.float64) @ _BYTE_BITS).reshape(ids.size, 64)  # exact: counts < 2**53
            set_bits = 2 * ones > counts[lo + ids, None]
            out[lo + ids] = np.packbits(set_bits, axis=1).view(">u8").ravel()
        lo = hi
    return out


def popcount(x: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint64."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


def simhash_edges(values: np.ndarray, num_blocks: int, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of ``values`` (distinct uint64) that differ in at most ``max_distance`` bits.

    Two such values agree on at least ``num_blocks - max_distance`` of the bit blocks, so
    grouping by every choice of that many blocks finds every pair (simhash's ``find_all``).
    """
    masks = [sum(1 << j for j in range(i * 64 // num_blocks, (i + 1) * 64 // num_blocks)) for i in range(num_blocks)]
    src, dst = [], []
    n = len(values)
    for choice in itertools.combinations(masks, num_blocks - max_distance):
        keyed = values & np.uint64(sum(choice))
        order = np.argsort(keyed, kind="stable")
        ranked = keyed[order]
        active = np.arange(n - 1)
        step = 1
        while active.size:
            active = active[active + step < n]
            active = active[ranked[active + step] == ranked[active]]
            a, b = order[active], order[active + step]
            close = popcount(values[a] ^ values[b]) <= max_distance
            src.append(a[close])
            dst.append(b[close])
            step += 1
    if not src:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(src), np.concatenate(dst)
