"""Executors: where the shard routine runs (in-process, a local pool, Ray)."""

from __future__ import annotations

from recipe_copilot.engine.errors import GlobalKeyError
from recipe_copilot.engine.executors.base import Executor, ProgressEvent
from recipe_copilot.engine.executors.local import InProcessExecutor, LocalExecutor
from recipe_copilot.engine.executors.ray import RayExecutor

__all__ = ["Executor", "InProcessExecutor", "LocalExecutor", "ProgressEvent", "RayExecutor", "executor_for"]


def executor_for(kind: str) -> type[Executor]:
    """The executor class for ``executor_type`` (``default``/``local``, ``ray``, ``in-process``)."""
    if kind in ("default", "local"):
        return LocalExecutor
    if kind == "in-process":
        return InProcessExecutor
    if kind == "ray":
        return RayExecutor
    msg = f"executor_type {kind!r} is not available; use 'default' (local processes) or 'ray'"
    raise GlobalKeyError(msg)
