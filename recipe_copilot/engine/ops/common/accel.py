"""Where a model-backed op runs: the torch device for its ``accelerator``, CPU when no GPU is here."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recipe_copilot.engine.ops.base import Op

log = logging.getLogger(__name__)

_warned: set[str] = set()


def cuda_available() -> bool:
    """Whether torch sees a GPU (False when torch is not installed)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def torch_device(op: Op) -> str:
    """The device ``op`` should put its model and batches on.

    ``cuda`` when the op asks for it and a GPU is visible (the GPU Ray assigned to this worker,
    or ``CUDA_VISIBLE_DEVICES``' first), else ``cpu``, with one warning per op name and process
    when a GPU was asked for but none is here.
    """
    if op.accelerator != "cuda":
        return "cpu"
    if cuda_available():
        return "cuda"
    if op.name not in _warned:
        _warned.add(op.name)
        where = os.environ.get("CUDA_VISIBLE_DEVICES")
        hint = f" (CUDA_VISIBLE_DEVICES={where!r})" if where is not None else ""
        log.warning("op %s asked for accelerator 'cuda' but no GPU is visible%s; running it on the CPU",
                    op.name, hint)
    return "cpu"
