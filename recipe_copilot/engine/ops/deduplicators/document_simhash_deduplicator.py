"""document_simhash_deduplicator: drop near-duplicate samples found by 64-bit SimHash."""

from __future__ import annotations

from typing import Literal

import numpy as np
import regex
from pydantic import Field, field_validator, model_validator

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common.hashing import check_pattern, shingles, simhash_edges, simhash_fingerprints
from recipe_copilot.engine.ops.common.unionfind import component_roots, dup_pairs
from recipe_copilot.engine.sample import SampleBatch


class DocumentSimhashDeduplicator(Deduplicator):
    """Drop samples whose SimHash is within ``hamming_distance`` bits of another's; each cluster's first stays.

    Typical use: remove near-duplicate documents that differ only slightly, with a small fingerprint per document.

    Texts are shingled (``window_size`` tokens) and fingerprinted with SimHash (MD5 of each
    shingle, majority vote per bit). Fingerprints at most ``hamming_distance`` bits apart are
    joined into one cluster (transitively), found by grouping on ``num_blocks`` bit blocks,
    and only the earliest sample of a cluster is kept. Texts without shingles hash to 0.

    Example:
        ``- document_simhash_deduplicator: {window_size: 2}`` on ``"The cat sat down"``,
        ``"the cat sat down"``, ``"A dog ran off"`` keeps the first and the last.
    """

    class Params(OpParams):
        tokenization: Literal["space", "punctuation", "character"] = Field(
            "space", description="How to cut texts into tokens: space, punctuation or character."
        )
        window_size: int = Field(6, ge=1, description="Tokens per shingle.")
        lowercase: bool = Field(True, description="Lower-case the text first.")
        ignore_pattern: str | None = Field(None, description="Regex of substrings removed before shingling.")
        num_blocks: int = Field(6, ge=1, le=64, description="Bit blocks the fingerprints are split into for search.")
        hamming_distance: int = Field(
            4, ge=1, description="Most differing bits that count as duplicate (< num_blocks)."
        )

        _pattern = field_validator("ignore_pattern")(check_pattern)

        @model_validator(mode="after")
        def _distance_below_blocks(self) -> DocumentSimhashDeduplicator.Params:
            if self.hamming_distance >= self.num_blocks:
                msg = "hamming_distance must be less than num_blocks"
                raise ValueError(msg)
            return self

    key_column = "__dj__simhash"
    cost = 3.0

    def setup(self) -> None:
        p = self.params
        self._ignore = regex.compile(p.ignore_pattern) if p.ignore_pattern else None

    def keys_batch(self, batch: SampleBatch) -> list[str]:
        """Per row, its fingerprint as a decimal string (as Data-Juicer stores it)."""
        p, ignore = self.params, self._ignore
        docs = []
        for text in batch.column(self.text_key):
            text = text.lower() if p.lowercase else text
            text = ignore.sub("", text) if ignore else text
            docs.append(shingles(text, p.tokenization, p.window_size))
        return [str(v) for v in simhash_fingerprints(docs).tolist()]

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        n = len(keys)
        values = np.array(keys, dtype=np.uint64) if n else np.zeros(0, np.uint64)
        unique, inverse = np.unique(values, return_inverse=True)
        src, dst = simhash_edges(unique, self.params.num_blocks, self.params.hamming_distance)
        cluster = component_roots(len(unique), src, dst)[inverse]
        first = np.full(len(unique), n, dtype=np.int64)
        np.minimum.at(first, cluster, np.arange(n))
        kept = first[cluster]
        return GlobalResult(kept == np.arange(n), dup_pairs(kept))
