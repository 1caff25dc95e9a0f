"""Run one chunk through one stage: the single routine every executor calls.

The driver (local pool, Ray, or in-process for previews) only schedules; decoding, the fused
ops, the map side of global ops, quarantine and encoding all happen here, identically.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recipe_copilot.engine.io.readers import Chunk, MediaPaths, decode_chunk
from recipe_copilot.engine.io.writers import SpillFile, encode_batch, encode_stats
from recipe_copilot.engine.ops.base import Deduplicator, GlobalOp, Op, OpRun
from recipe_copilot.engine.planner import Plan
from recipe_copilot.engine.recipe import Recipe
from recipe_copilot.engine.sample import META

__all__ = ["ChunkResult", "ChunkWork", "ShardRunner"]


@dataclass
class ChunkWork:
    """What a worker is asked to do.

    Args:
        stage: index of the stage in the plan.
        index: position of the chunk in the stage's input.
        chunk: an input chunk (stage 0) or a spilled segment (later stages).
        keep: the previous stage's global decision for this chunk's rows, if any.
        capture: rows (before ``keep``) to send back whole, for duplicate-pair traces.
        finish: (op index, state file) of global ops whose decision edits the kept rows.
    """

    stage: int
    index: int
    chunk: Chunk | bytes
    keep: np.ndarray | None = None
    capture: list[int] = field(default_factory=list)
    finish: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ChunkResult:
    """What a worker sends back for one chunk."""

    index: int
    payload: bytes
    rows_in: int
    rows_out: int
    bytes_in: int
    keys: dict[str, Any]
    runs: list[OpRun]
    bad_input: list[dict]
    captured: dict[int, dict]
    #: the ``<export>_stats.jsonl`` lines of the kept rows (last stage, when there are stats)
    stats_lines: bytes = b""


class ShardRunner:
    """Holds the built ops of every stage; :meth:`run` processes one chunk.

    Args:
        recipe: the validated recipe.
        plan: its stages.
        trace_cap: trace records to keep per op (0 = none), by op index in the recipe.
    """

    def __init__(self, recipe: Recipe, plan: Plan, trace_cap: dict[int, int]) -> None:
        self.recipe = recipe
        self.plan = plan
        self.trace_cap = trace_cap
        self.stages: list[list[tuple[int, Op]]] = [
            [(spec.index, spec.build()) for spec in (*st.ops, *st.global_ops)] for st in plan.stages
        ]
        globals_ = [op for ops in self.stages for _, op in ops if isinstance(op, GlobalOp)]
        #: hidden key columns that leave with the output, under Data-Juicer's hash names
        self.exported_keys = {
            op.column: op.key_column
            for op in globals_
            if recipe.keep_hashes_in_res_ds and isinstance(op, Deduplicator) and op.key_column
        }
        self.hidden = {op.column for op in globals_} - set(self.exported_keys)
        self.add_suffix = any(op.needs_suffix for ops in self.stages for _, op in ops)
        self.media = MediaPaths.for_dataset(recipe.dataset_path, recipe.media_keys)
        self._globals = {op.index: op for op in globals_}
        self._states: dict[str, Any] = {}

    def setup(self) -> None:
        """Load every op's resources (word lists, models) up front."""
        for ops in self.stages:
            for _, op in ops:
                op.ensure_ready()

    def run(self, work: ChunkWork) -> ChunkResult:
        """Process one chunk through stage ``work.stage``."""
        bad: list[dict] = []
        if isinstance(work.chunk, Chunk):
            batch, bad = decode_chunk(work.chunk, add_suffix=self.add_suffix, media=self.media)
            bytes_in = work.chunk.nbytes
        else:
            batch = SpillFile.decode(work.chunk)
            bytes_in = len(work.chunk)
        rows_in = len(batch) + len(bad)
        captured = {}
        if work.capture:
            rows = batch.take(work.capture).to_rows()
            captured = dict(zip(work.capture, rows, strict=True))
        if work.keep is not None:
            batch.keep_rows(work.keep.tolist())
        for op_index, path in work.finish:
            if path not in self._states:
                with open(path, "rb") as fh:
                    self._states[path] = pickle.load(fh)
            batch = self._globals[op_index].finish_batch(batch, self._states[path])
        runs = []
        for op_index, op in self.stages[work.stage]:
            run = OpRun(trace_cap=self.trace_cap.get(op_index, 0))
            batch = op.run_batch(batch, run)
            runs.append(run)
        keys = {}
        for _, op in self.stages[work.stage]:
            if isinstance(op, GlobalOp):
                values = batch.column(op.column)
                keys[op.column] = _stack(values)
        for column in self.hidden & set(keys):
            batch.drop_column(column)
        if work.stage == len(self.stages) - 1:
            for column, name in self.exported_keys.items():
                batch.rename_column(column, name)
            keep_stats = self.recipe.keep_stats_in_res_ds
            drop = set() if keep_stats else {META}
            payload = encode_batch(batch, self.recipe.export_format, keep_stats=keep_stats, drop=drop)
            stats_lines = encode_stats(batch)
        else:
            payload = SpillFile.segment(batch)
            stats_lines = b""
        return ChunkResult(work.index, payload, rows_in, len(batch), bytes_in, keys, runs, bad, captured, stats_lines)


def _stack(values: list) -> Any:
    """Keys of one chunk as a compact array when they are arrays, else the list."""
    if values and isinstance(values[0], np.ndarray):
        return np.stack(values)
    return values
