"""document_minhash_deduplicator: drop near-duplicate samples found by MinHash LSH."""

from __future__ import annotations

import numpy as np
import regex
import xxhash
from pydantic import Field, field_validator, model_validator

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common.hashing import MinHasher, Tokenization, check_pattern, optimal_param, shingles
from recipe_copilot.engine.ops.common.spmodel import load_sentencepiece
from recipe_copilot.engine.ops.common.unionfind import component_roots, dup_pairs, group_edges
from recipe_copilot.engine.sample import SampleBatch


class DocumentMinhashDeduplicator(Deduplicator):
    """Drop samples whose shingle sets are near-duplicates (MinHash LSH); each cluster's first stays.

    Typical use: remove near-duplicate pages that differ only by a few words (mirrors, templates, reposts).

    Texts are shingled (``window_size`` tokens), MinHashed with ``num_permutations``
    permutations and cut into bands; samples sharing any band are joined into one cluster
    (transitively) and only the earliest sample of a cluster is kept. Bands and rows per
    band default to the values minimising false positives and negatives at
    ``jaccard_threshold``. Texts with fewer than ``window_size`` tokens all share one signature.

    Example:
        ``- document_minhash_deduplicator: {window_size: 2, jaccard_threshold: 0.5}`` on
        ``"a b c d e f"``, ``"a b c d e f g"``, ``"x y z"`` keeps the first and the last.
    """

    class Params(OpParams):
        tokenization: Tokenization = Field(
            "space", description="How to cut texts into tokens: space, punctuation, character or sentencepiece."
        )
        window_size: int = Field(5, ge=1, description="Tokens per shingle.")
        lowercase: bool = Field(True, description="Lower-case the text first.")
        ignore_pattern: str | None = Field(None, description="Regex of substrings removed before shingling.")
        num_permutations: int = Field(256, ge=1, description="Permutations (hash functions) in MinHash.")
        jaccard_threshold: float = Field(0.7, ge=0, le=1, description="Jaccard similarity that counts as duplicate.")
        num_bands: int | None = Field(None, ge=1, description="LSH bands (None: optimal for the threshold).")
        num_rows_per_band: int | None = Field(None, ge=1, description="Rows per LSH band (None: optimal).")
        tokenizer_model: str | None = Field(None, description="Sentencepiece model file (sentencepiece only).")

        _pattern = field_validator("ignore_pattern")(check_pattern)

        @model_validator(mode="after")
        def _needs_model(self) -> DocumentMinhashDeduplicator.Params:
            if self.tokenization == "sentencepiece" and self.tokenizer_model is None:
                msg = "tokenization 'sentencepiece' needs tokenizer_model"
                raise ValueError(msg)
            return self

    key_column = ""  # Data-Juicer never exports MinHash signatures, even with keep_hashes_in_res_ds
    cost = 5.0

    def setup(self) -> None:
        p = self.params
        self._ignore = regex.compile(p.ignore_pattern) if p.ignore_pattern else None
        bands, rows = p.num_bands, p.num_rows_per_band
        if bands is None or rows is None:
            bands, rows = optimal_param(p.jaccard_threshold, p.num_permutations)
        used = min(bands * rows, p.num_permutations)  # permutations past the last band are never read
        self._hasher = MinHasher(used)
        self._bands = [(min(i * rows, used), min((i + 1) * rows, used)) for i in range(bands)]
        self._tokenizer = None
        if p.tokenization == "sentencepiece":
            self._tokenizer = load_sentencepiece(p.tokenizer_model or "", needed_by=f"op {self.name!r}")

    def keys_batch(self, batch: SampleBatch) -> np.ndarray:
        """Per row, a 128-bit digest of each band of its signature (2 uint64 per band)."""
        p, ignore = self.params, self._ignore
        docs = []
        for text in batch.column(self.text_key):
            text = text.lower() if p.lowercase else text
            text = ignore.sub("", text) if ignore else text
            docs.append(set(shingles(text, p.tokenization, p.window_size, self._tokenizer)))
        sig = self._hasher.signatures(docs)
        view, width = memoryview(sig.tobytes()), sig.shape[1] * 4
        digest = xxhash.xxh3_128_digest
        out = b"".join(
            [digest(view[r + 4 * a : r + 4 * b]) for r in range(0, len(view), width) for a, b in self._bands]
        )
        return np.frombuffer(out, "<u8").reshape(len(docs), 2 * len(self._bands))

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        if len(keys) == 0:
            return GlobalResult(np.zeros(0, dtype=bool))
        keys = np.asarray(keys, dtype=np.uint64).reshape(len(keys), -1)
        edges = [group_edges(keys[:, j : j + 2]) for j in range(0, keys.shape[1], 2)]
        src = np.concatenate([e[0] for e in edges]) if edges else np.empty(0, np.int64)
        dst = np.concatenate([e[1] for e in edges]) if edges else np.empty(0, np.int64)
        roots = component_roots(len(keys), src, dst)
        return GlobalResult(roots == np.arange(len(keys)), dup_pairs(roots))
