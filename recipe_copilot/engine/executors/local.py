"""The local executor: ``np`` worker processes over chunks, results in input order.

At most ``2 * np`` chunks are in flight, so memory stays bounded however large the input.
With ``np: 1`` (or for previews) chunks run in this process, on the same code path.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from recipe_copilot.engine.executors.base import Executor
from recipe_copilot.engine.executors.shard import ChunkResult, ChunkWork, ShardRunner

__all__ = ["InProcessExecutor", "LocalExecutor"]

_RUNNER: ShardRunner | None = None


def _init_worker(runner: ShardRunner) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops us
    global _RUNNER
    _RUNNER = runner
    runner.setup()


def _run_in_worker(work: ChunkWork) -> ChunkResult:
    assert _RUNNER is not None
    return _RUNNER.run(work)


class InProcessExecutor(Executor):
    """Runs every chunk in the calling process (previews, tests, ``np: 1``)."""

    name = "in-process"

    def map_ordered(self, runner: ShardRunner, works: Iterable[ChunkWork]) -> Iterator[ChunkResult]:
        runner.setup()
        for work in works:
            yield runner.run(work)


class LocalExecutor(Executor):
    """Runs chunks on a pool of ``recipe.np`` processes (spawned, so no inherited threads)."""

    name = "local"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pool: ProcessPoolExecutor | None = None

    def map_ordered(self, runner: ShardRunner, works: Iterable[ChunkWork]) -> Iterator[ChunkResult]:
        if self.recipe.np <= 1:
            yield from InProcessExecutor.map_ordered(self, runner, works)  # type: ignore[arg-type]
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.recipe.np,
                mp_context=mp.get_context("spawn"),
                initializer=_init_worker,
                initargs=(runner,),
            )
        window: deque[Future] = deque()
        for work in works:
            window.append(self._pool.submit(_run_in_worker, work))
            if len(window) >= 2 * self.recipe.np:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
