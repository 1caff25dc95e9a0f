"""document_minhash_deduplicator: checked against a plain-Python MinHash LSH written from the spec."""

from __future__ import annotations

import hashlib
import random
import struct
from collections import defaultdict

import numpy as np
import pytest
import regex

from recipe_copilot.engine.errors import MissingDependencyError, ParamError
from recipe_copilot.engine.ops.common.hashing import MinHasher, optimal_param
from recipe_copilot.engine.ops.deduplicators.document_minhash_deduplicator import DocumentMinhashDeduplicator
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

OP = "document_minhash_deduplicator"
PRIME = (1 << 61) - 1


# ---------------------------------------------------------------- reference (slow, obvious)
def ref_perms(n: int) -> list[tuple[int, int]]:
    gen = np.random.RandomState(42)
    out = []
    for _ in range(n):
        a = int(gen.randint(1, PRIME, dtype=np.uint64))
        out.append((a, int(gen.randint(0, PRIME, dtype=np.uint64))))
    return out


def ref_shingles(
    text: str, tokenization: str, w: int, lowercase: bool = True, ignore: str | None = None, sp=None
) -> set:
    text = text.lower() if lowercase else text
    text = regex.sub(ignore, "", text) if ignore else text
    if tokenization == "sentencepiece":
        pieces = sp.encode(text, out_type=str)
        return {"".join(pieces[i : i + w]).encode("utf-8") for i in range(len(pieces) - w + 1)}
    if tokenization == "character":
        return {text[i : i + w].encode("utf-8") for i in range(len(text) - w + 1)}
    tokens = [t for t in text.split(" ") if t != ""] if tokenization == "space" else regex.split(r"\p{P}", text)
    return {" ".join(tokens[i : i + w]).encode("utf-8") for i in range(len(tokens) - w + 1)}


def ref_kept(
    texts: list[str], bands: int, rows: int, num_perm: int, tokenization: str = "space", w: int = 5, **kw
) -> list[int]:
    perms = ref_perms(num_perm)
    sigs = []
    for t in texts:
        hs = [struct.unpack("<I", hashlib.sha1(s).digest()[:4])[0] for s in ref_shingles(t, tokenization, w, **kw)]
        sigs.append(
            [min((((a * h + b) % 2**64) % PRIME) & 0xFFFFFFFF for h in hs) if hs else 2**32 - 1 for a, b in perms]
        )
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for j in range(bands):
        table = defaultdict(list)
        for i, sig in enumerate(sigs):
            table[tuple(sig[j * rows : (j + 1) * rows])].append(i)
        for ids in table.values():
            for x in ids:
                rx, r0 = find(x), find(ids[0])
                parent[rx] = parent[r0] = min(rx, r0)
    return [i for i in range(len(texts)) if find(i) == i]


# ---------------------------------------------------------------- data
def corpus() -> tuple[list[str], list[int]]:
    """Texts with planted duplicates, and the ids a correct dedup keeps."""
    rng = random.Random(7)
    vocab = [f"tok{i}" for i in range(400)]
    texts, expected = [], []
    originals = []
    for i in range(6):
        words = [rng.choice(vocab) for _ in range(100)]
        originals.append(words)
        expected.append(len(texts))
        texts.append(" ".join(words))
        if i % 2 == 0:  # one word changed: Jaccard of 5-shingles = 91/101
            near = list(words)
            near[50] = "changed"
            texts.append(" ".join(near))
    texts.append(texts[0])  # exact copy
    texts.append(" ".join(originals[1]).upper())  # same once lower-cased
    expected.append(len(texts))
    texts.append("only three words")  # fewer than 5 words: no shingles
    texts.append("")  # no shingles either: same signature as the previous one
    texts.append("two words")
    return texts, expected


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def rows_of(texts: list[str]) -> list[dict]:
    return [{"id": i, "text": t} for i, t in enumerate(texts)]


# ---------------------------------------------------------------- tests
def test_optimal_param_matches_data_juicer_values() -> None:
    # values returned by Data-Juicer 1.6.1's optimal_param (scipy quad) for these inputs
    assert optimal_param(0.7, 256) == (25, 10)
    assert optimal_param(0.5, 128) == (25, 5)
    assert optimal_param(0.9, 256) == (9, 28)


def test_planted_duplicates_default_params() -> None:
    texts, expected = corpus()
    out = run_rows(rows_of(texts), [OP])
    assert ids(out) == expected
    assert ids(out) == ref_kept(texts, 25, 10, 256)


@pytest.mark.parametrize("tokenization,w", [("space", 3), ("punctuation", 2), ("character", 4)])
def test_matches_reference_other_settings(tokenization: str, w: int) -> None:
    rng = random.Random(3)
    base = ["The cat, the hat; the bat.", "One. Two. Three, four", "Hello world, how are you today?"]
    texts = [" ".join(rng.sample(base, 2)) + rng.choice(["", " extra", ", more."]) for _ in range(14)]
    texts += ["中文字符测试，你好。", "中文字符测试，您好。"]
    params = {
        "tokenization": tokenization,
        "window_size": w,
        "num_permutations": 24,
        "jaccard_threshold": 0.4,
        "num_bands": 6,
        "num_rows_per_band": 4,
    }
    assert ids(run_rows(rows_of(texts), [{OP: params}])) == ref_kept(texts, 6, 4, 24, tokenization, w)


def test_lowercase_and_ignore_pattern() -> None:
    texts = [
        "alpha beta gamma delta epsilon zeta",
        "ALPHA BETA GAMMA DELTA EPSILON ZETA",
        "alpha 1 beta 22 gamma delta 333 epsilon zeta",
    ]
    small = {"num_permutations": 16, "num_bands": 4, "num_rows_per_band": 4, "window_size": 2}
    assert ids(run_rows(rows_of(texts), [{OP: small}])) == [0, 2]
    assert ids(run_rows(rows_of(texts), [{OP: {**small, "lowercase": False}}])) == [0, 1, 2]
    assert ids(run_rows(rows_of(texts), [{OP: {**small, "ignore_pattern": r"\d+"}}])) == [0]
    assert ref_kept(texts, 4, 4, 16, w=2, ignore=r"\d+") == [0]


def test_bands_beyond_permutations_merge_everything() -> None:
    # as in Data-Juicer, bands past the signature are empty and so equal for every sample
    texts = ["a b c d", "e f g h", "i j k l"]
    params = {"num_permutations": 8, "num_bands": 3, "num_rows_per_band": 4, "window_size": 1}
    assert ids(run_rows(rows_of(texts), [{OP: params}])) == [0]


def test_keys_and_select_directly() -> None:
    texts, expected = corpus()
    op = DocumentMinhashDeduplicator()
    op.ensure_ready()
    whole = op.keys_batch(SampleBatch.from_rows(rows_of(texts)))
    assert whole.shape == (len(texts), 50)
    pieces = [op.keys_batch(SampleBatch.from_rows(rows_of(texts[i : i + 3]))) for i in range(0, len(texts), 3)]
    assert np.array_equal(np.concatenate(pieces), whole)
    result = op.select(whole)
    assert np.flatnonzero(result.keep).tolist() == expected
    assert (1, 0) in result.pairs and (len(texts) - 2, len(texts) - 3) in result.pairs
    assert all(result.keep[kept] and not result.keep[dropped] for dropped, kept in result.pairs)
    assert op.select([]).keep.shape == (0,)


def test_permutation_fold_is_exact() -> None:
    hasher = MinHasher(4)
    # a*h + b lands on p, p + 1, 2**64 - 1 (wraps) and a value needing the second fold
    hasher.a = np.array([1, 1, 1, 2**61], dtype=np.uint64)
    hasher.b = np.array([PRIME - 1, PRIME, 0, PRIME - 8], dtype=np.uint64)
    h = np.array([1, 2**32 - 1, 2**32 - 2, 7], dtype=np.uint64)
    got = hasher._permute(h)
    for i, hv in enumerate(h.tolist()):
        for j in range(4):
            a, b = int(hasher.a[j]), int(hasher.b[j])
            assert got[j, i] == (((a * hv + b) % 2**64) % PRIME) & 0xFFFFFFFF


def test_hash_column_dropped_by_default() -> None:
    # Data-Juicer drops its minhash column even with keep_hashes_in_res_ds
    assert "__dj__minhash" not in run_rows(rows_of(["a b c d e f"]), [OP]).rows[0]


def test_sentencepiece_local_model(tmp_path) -> None:
    spm = pytest.importorskip("sentencepiece")
    rng = random.Random(0)
    words = ["hello", "world", "data", "juicer", "dedup", "near", "duplicate", "text", "中文", "测试"]
    lines = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(300)]
    model = tmp_path / "tiny.model"
    with model.open("wb") as fh:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=fh, vocab_size=30, model_type="unigram", minloglevel=2
        )
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 15))) for _ in range(40)]
    params = {
        "tokenization": "sentencepiece",
        "tokenizer_model": str(model),
        "window_size": 3,
        "num_permutations": 32,
        "jaccard_threshold": 0.5,
    }
    bands, rows = optimal_param(0.5, 32)
    expected = ref_kept(
        texts, bands, rows, 32, "sentencepiece", 3, sp=spm.SentencePieceProcessor(model_file=str(model))
    )
    assert len(expected) < len(texts)
    assert ids(run_rows(rows_of(texts), [{OP: params}])) == expected


def test_sentencepiece_model_errors(tmp_path) -> None:
    with pytest.raises(ParamError, match="tokenizer_model"):
        run_rows(rows_of(["a"]), [{OP: {"tokenization": "sentencepiece"}}])
    missing = str(tmp_path / "nope.model")
    with pytest.raises((ParamError, MissingDependencyError), match=r"nope\.model|sentencepiece"):
        run_rows(rows_of(["a"]), [{OP: {"tokenization": "sentencepiece", "tokenizer_model": missing}}])


@pytest.mark.parametrize(
    "bad",
    [
        {"jaccard_threshold": 1.5},
        {"tokenization": "word"},
        {"window_size": 0},
        {"ignore_pattern": "("},
        {"num_bands": 0},
    ],
)
def test_bad_parameters(bad: dict) -> None:
    with pytest.raises(ParamError, match=next(iter(bad))):
        DocumentMinhashDeduplicator.validate_params(bad)
