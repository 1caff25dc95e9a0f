"""document_simhash_deduplicator: checked against a brute-force SimHash written from the spec."""

from __future__ import annotations

import hashlib
import itertools
import random

import numpy as np
import pytest
import regex

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.common.hashing import simhash_edges
from recipe_copilot.engine.ops.deduplicators.document_simhash_deduplicator import DocumentSimhashDeduplicator
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

OP = "document_simhash_deduplicator"


def ref_fingerprint(text: str, tokenization: str = "space", w: int = 6) -> int:
    text = text.lower()
    if tokenization == "character":
        grams = [text[i : i + w] for i in range(len(text) - w + 1)]
    else:
        tokens = [t for t in text.split(" ") if t] if tokenization == "space" else regex.split(r"\p{P}", text)
        grams = [" ".join(tokens[i : i + w]) for i in range(len(tokens) - w + 1)]
    hashes = [int.from_bytes(hashlib.md5(g.encode()).digest()[:8], "big") for g in grams]
    return sum(1 << bit for bit in range(64) if 2 * sum((h >> bit) & 1 for h in hashes) > len(hashes))


def ref_kept(texts: list[str], distance: int, **kw) -> list[int]:
    fps = [ref_fingerprint(t, **kw) for t in texts]
    cluster = list(range(len(texts)))  # brute force: merge clusters of every close pair
    for i, j in itertools.combinations(range(len(texts)), 2):
        if bin(fps[i] ^ fps[j]).count("1") <= distance and cluster[i] != cluster[j]:
            old, new = max(cluster[i], cluster[j]), min(cluster[i], cluster[j])
            cluster = [new if c == old else c for c in cluster]
    return [i for i in range(len(texts)) if cluster[i] == i]


def corpus() -> tuple[list[str], list[int]]:
    rng = random.Random(11)
    vocab = [f"v{i}" for i in range(300)]
    texts, expected = [], []
    for i in range(6):
        words = [rng.choice(vocab) for _ in range(120)]
        expected.append(len(texts))
        texts.append(" ".join(words))
        if i % 2 == 0:
            texts.append(" ".join(words).title())  # same once lower-cased
    texts.append(texts[2])
    texts += ["five words is too short", ""]  # no shingles: both fingerprint 0
    expected.append(len(texts) - 2)
    return texts, expected


def rows_of(texts: list[str]) -> list[dict]:
    return [{"id": i, "text": t} for i, t in enumerate(texts)]


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_planted_duplicates_default_params() -> None:
    texts, expected = corpus()
    out = run_rows(rows_of(texts), [OP], keep_hashes_in_res_ds=True)
    assert ids(out) == expected
    assert ids(out) == ref_kept(texts, 4)
    assert [r["__dj__simhash"] for r in out.rows] == [str(ref_fingerprint(texts[i])) for i in expected]


@pytest.mark.parametrize(
    "tokenization,w,blocks,distance", [("space", 1, 6, 4), ("punctuation", 2, 8, 5), ("character", 3, 10, 9)]
)
def test_matches_brute_force_near_duplicates(tokenization: str, w: int, blocks: int, distance: int) -> None:
    rng = random.Random(5)
    words = ["lorem,", "ipsum.", "dolor", "sit;", "amet", "consectetur", "adipiscing", "elit", "sed", "do"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 9))) for _ in range(30)]
    params = {"tokenization": tokenization, "window_size": w, "num_blocks": blocks, "hamming_distance": distance}
    expected = ref_kept(texts, distance, tokenization=tokenization, w=w)
    assert len(expected) < len(texts)
    assert ids(run_rows(rows_of(texts), [{OP: params}])) == expected


def test_edges_are_all_close_pairs() -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**63, 40, dtype=np.uint64)
    flips = [base ^ (np.uint64(1) << rng.integers(0, 64, 40).astype(np.uint64)) for _ in range(3)]
    values = np.unique(np.concatenate([base, *flips, base ^ np.uint64(0b1011)]))
    for blocks, distance in ((6, 4), (4, 1), (8, 3)):
        src, dst = simhash_edges(values, blocks, distance)
        got = {(min(a, b), max(a, b)) for a, b in zip(src.tolist(), dst.tolist(), strict=True)}
        want = {
            (a, b)
            for a, b in itertools.combinations(range(len(values)), 2)
            if bin(int(values[a]) ^ int(values[b])).count("1") <= distance
        }
        assert got == want


def test_keys_and_select_directly() -> None:
    texts, expected = corpus()
    op = DocumentSimhashDeduplicator()
    op.ensure_ready()
    keys = [k for i in range(0, len(texts), 4) for k in op.keys_batch(SampleBatch.from_rows(rows_of(texts[i : i + 4])))]
    assert keys == [str(ref_fingerprint(t)) for t in texts]
    result = op.select(keys)
    assert np.flatnonzero(result.keep).tolist() == expected
    assert (1, 0) in result.pairs
    assert op.select([]).keep.shape == (0,)


@pytest.mark.parametrize(
    "bad", [{"hamming_distance": 6}, {"num_blocks": 65}, {"tokenization": "sentencepiece"}, {"window_size": 0}]
)
def test_bad_parameters(bad: dict) -> None:
    with pytest.raises(ParamError, match=next(iter(bad))):
        DocumentSimhashDeduplicator.validate_params(bad)
