"""A test seam: a fast, deterministic stand-in for the MiniLM embedder.

Tests of layers above the knowledge index (tools, agent) can build a real Chroma index with
it in a fraction of a second, without torch. Similarity is word overlap (hashed bag of
words), so it is no measure of retrieval quality: the knowledge tests and the retrieval
benchmark use the real model.

Example:
    >>> from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings
    >>> index = KnowledgeIndex(KnowledgeSettings(data_dir=tmp), embedder=HashingEmbedder())  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib

from recipe_copilot.knowledge.ranking import words

__all__ = ["HashingEmbedder"]


class HashingEmbedder:
    """Texts -> unit vectors of hashed word counts (``dim`` buckets).

    Args:
        dim: vector size.
    """

    model_id = "fake-hashing-embedder"

    def __init__(self, dim: int = 384) -> None:
        """Set the vector size."""
        self.dim = dim

    def __call__(self, input: list[str]) -> list[list[float]]:
        """One normalised vector per text (all zeros but one for a text without words)."""
        out = []
        for text in input:
            vec = [0.0] * self.dim
            for word in words(text):
                vec[int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little") % self.dim] += 1.0
            norm = sum(x * x for x in vec) ** 0.5
            if not norm:
                vec[0], norm = 1.0, 1.0
            out.append([x / norm for x in vec])
        return out
