"""The record every run leaves behind: ``<work_dir>/runs/<run_id>/run.json``.

It holds the recipe, the input fingerprint, per-op counts and timings, peak memory, errors
and output paths; the knowledge index and ``compare_runs`` read it back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["OpReport", "RunRecord", "load_run_record"]


class OpReport(BaseModel):
    """What one op of the recipe did over the whole run."""

    index: int = Field(description="Position of the op in the recipe's process list.")
    name: str
    kind: str
    rows_in: int = 0
    rows_out: int = 0
    errors: int = 0
    seconds: float = 0.0
    trace_file: str | None = Field(None, description="Its trace file in the run's trace folder (open_tracer).")

    @property
    def kept_ratio(self) -> float:
        """rows_out / rows_in (1.0 for an op that saw nothing)."""
        return self.rows_out / self.rows_in if self.rows_in else 1.0


class RunRecord(BaseModel):
    """One run of a recipe (``run.json``)."""

    run_id: str
    project_name: str
    status: str = Field("running", description="running, ok, cancelled or failed.")
    error: str | None = Field(None, description="Why a cancelled or failed run stopped.")
    executor: str
    np: int
    resumed: bool = False
    recipe: dict[str, Any]
    recipe_fingerprint: str
    input_paths: list[str]
    input_fingerprint: str
    input_bytes: int
    plan: str
    started: float
    finished: float | None = None
    seconds: float = 0.0
    rows_in: int = 0
    rows_out: int = 0
    errors: int = 0
    errors_path: str | None = None
    outputs: list[str] = Field(default_factory=list)
    stats_path: str | None = Field(None, description="The <export>_stats.jsonl file, as Data-Juicer writes it.")
    trace_dir: str | None = None
    peak_rss_mb: dict[str, float] = Field(default_factory=dict)
    ops: list[OpReport] = Field(default_factory=list)

    def save(self, work_dir: str | os.PathLike) -> Path:
        """Write ``run.json`` atomically under ``work_dir/runs/<run_id>/``; return its path."""
        folder = Path(work_dir) / "runs" / self.run_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "run.json"
        tmp = folder / ".run.json.tmp"
        tmp.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, path)
        return path


def load_run_record(path: str | os.PathLike) -> RunRecord:
    """Read a ``run.json`` back."""
    return RunRecord.model_validate_json(Path(path).read_text(encoding="utf-8"))
