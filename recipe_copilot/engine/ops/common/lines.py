"""The lines of each text (``str.splitlines``, as Data-Juicer), computed once per batch and shared."""

from __future__ import annotations

from recipe_copilot.engine.sample import SampleBatch

__all__ = ["batch_lines"]


def batch_lines(batch: SampleBatch, column: str) -> list[list[str]]:
    """``text.splitlines()`` of every row of ``column``; ops reading lines share it."""
    return batch.cached(("lines",), column, lambda texts: [t.splitlines() for t in texts])
