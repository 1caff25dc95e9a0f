"""dry_run: the recipe on the first N samples, through the real planner and executor.

Nothing here interprets a recipe: the recipe is run by the engine's
:class:`~recipe_copilot.engine.executors.InProcessExecutor` with ``max_samples``, exporting
to ``<root>/.copilot/dry_runs/<id>/`` with the tracer on. What the tool reports is read back
from what the run left: per-op counts from its ``run.json``, dropped samples and mapper
before/after pairs from its trace files, quarantined samples from its errors file.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recipe_copilot.engine.executors import InProcessExecutor
from recipe_copilot.engine.recipe import Recipe
from recipe_copilot.engine.runrecord import OpReport, RunRecord
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.datasets import clip_value
from recipe_copilot.tools.recipes import RecipeSource, load_source, require_inputs
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool
from recipe_copilot.tools.sampling import head_jsonl, read_sample

__all__ = ["DryRunRequest", "DryRunResult", "FullRunEstimate", "OpOutcome", "dry_run"]

#: dry-run folders kept under .copilot/dry_runs (older ones are removed)
KEEP_DRY_RUNS = 5


class DryRunRequest(ToolRequest):
    """Try a recipe on the first samples of its dataset."""

    source: RecipeSource = Field(description="The recipe: a draft, a mapping or a file.")
    n: int = Field(200, ge=1, le=20_000, description="Input samples to run on (the first n).")
    examples: int = Field(3, ge=0, le=20, description="Examples per op of dropped, changed or duplicate samples.")
    max_chars: int = Field(300, ge=20, le=5000, description="Cut strings in examples to this length.")


class OpOutcome(BaseModel):
    """What one op did on the sample, in execution order."""

    index: int = Field(description="Position of the op in the recipe.")
    name: str
    kind: str
    rows_in: int
    rows_out: int
    kept_ratio: float
    seconds: float
    errors: int = Field(0, description="Samples the op failed on (quarantined).")
    dropped: list[dict[str, Any]] = Field(default_factory=list, description="Examples of samples it dropped (filters).")
    changed: list[dict[str, Any]] = Field(
        default_factory=list, description="Before/after texts (mappers), cut around the first change.")
    duplicates: list[dict[str, Any]] = Field(default_factory=list, description="Dropped sample and the one it duplicates.")


class FullRunEstimate(BaseModel):
    """What a full run would take, scaled from the sample."""

    input_bytes: int
    sample_bytes: int = Field(description="Input bytes the sample came from.")
    estimated_rows: int
    estimated_rows_out: int
    estimated_seconds: float = Field(description="Sample time per row x estimated rows / workers.")
    workers: int = Field(description="Worker processes assumed: min(np, CPU cores).")
    note: str = ""


class DryRunResult(ToolResult):
    """The recipe's effect on the sample."""

    dry_run_id: str = ""
    rows_in: int = 0
    rows_out: int = 0
    kept_ratio: float = 0.0
    seconds: float = 0.0
    ops: list[OpOutcome] = Field(default_factory=list)
    quarantined: int = Field(0, description="Samples quarantined (malformed input, op failures).")
    quarantine_examples: list[dict[str, Any]] = Field(default_factory=list)
    output_examples: list[dict[str, Any]] = Field(default_factory=list, description="The first output rows.")
    estimate: FullRunEstimate | None = None
    plan: str = ""
    record_path: str = Field("", description="The dry run's run.json, relative to the root.")
    warnings: list[str] = Field(default_factory=list)


def _prune(folder: Path, keep: int) -> None:
    if not folder.is_dir():
        return
    runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-keep] if keep else runs:
        shutil.rmtree(old, ignore_errors=True)


def _around_change(before: str, after: str, max_chars: int) -> dict[str, Any]:
    """A before/after pair cut to the window where they start to differ."""
    same = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        same += 1
    start = max(0, same - max_chars // 3)
    lead = "…" if start else ""
    return {"before": lead + clip_value(before[start:], max_chars), "after": lead + clip_value(after[start:], max_chars),
            "first_change_at": same}


def _examples(record: RunRecord, rep: OpReport, kind: str, n: int, max_chars: int) -> list[dict[str, Any]]:
    if not record.trace_dir or not rep.trace_file or not n:
        return []
    rows = head_jsonl(Path(record.trace_dir) / rep.trace_file, n)
    if kind == "mapper":
        return [_around_change(str(r.get("original text", "")), str(r.get("processed_text", "")), max_chars)
                for r in rows]
    return [clip_value(r, max_chars) for r in rows]


def _estimate(record: RunRecord, files: list, np_: int) -> FullRunEstimate:
    sample = read_sample(files, max(record.rows_in, 1))
    est_rows = sample.estimated_rows
    kept = record.rows_out / record.rows_in if record.rows_in else 1.0
    workers = max(1, min(np_, os.cpu_count() or 1))
    per_row = record.seconds / max(record.rows_in, 1)
    note = f"rows {sample.estimate_note}; time scaled linearly from the sample (set-up included), so rough"
    return FullRunEstimate(input_bytes=record.input_bytes, sample_bytes=round(sample.bytes_read),
                           estimated_rows=est_rows, estimated_rows_out=round(est_rows * kept),
                           estimated_seconds=round(per_row * est_rows / workers, 1), workers=workers, note=note)


@tool
def dry_run(ctx: ToolContext, req: DryRunRequest) -> DryRunResult:
    """Run a recipe on the first N samples (real planner and executor) and show what each op did.

    Args:
        ctx: the tool context.
        req: the recipe, the number of samples and of examples per op.

    Returns:
        Per op (in execution order): rows in and out, kept ratio, time, and examples of
        dropped samples, before/after texts and duplicates; quarantined samples; the first
        output rows; and an estimate of a full run's size and time. Or a typed error
        (unknown_op, bad_param, dataset_error, path_outside_workspace, missing_dependency).
    """
    mapping, label = load_source(ctx, req.source)
    dry_id = time.strftime("dry-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    folder = ctx.workspace.state_dir / "dry_runs"
    out_dir = folder / dry_id
    dry = {**mapping, "export_path": str(out_dir / "out.jsonl"), "export_type": "jsonl", "export_shard_size": 0,
           "work_dir": str(out_dir), "open_tracer": True, "trace_num": req.examples, "op_list_to_trace": [],
           "np": 1, "use_checkpoint": False}
    recipe, warnings = ctx.workspace.engine_recipe(dry, source=label)
    files = require_inputs(ctx, recipe, label)
    _prune(folder, KEEP_DRY_RUNS - 1)
    executor = InProcessExecutor(recipe, max_samples=req.n)
    record = executor.run()
    kinds = {s.index: s.op_class.kind for s in recipe.process}
    ops = []
    for rep in record.ops:
        kind = kinds[rep.index]
        examples = _examples(record, rep, kind, req.examples, req.max_chars)
        ops.append(OpOutcome(
            index=rep.index, name=rep.name, kind=rep.kind, rows_in=rep.rows_in, rows_out=rep.rows_out,
            kept_ratio=round(rep.kept_ratio, 4), seconds=rep.seconds, errors=rep.errors,
            dropped=examples if kind in ("filter", "selector") else [],
            changed=examples if kind == "mapper" else [],
            duplicates=examples if kind == "deduplicator" else [],
        ))
    quarantine = head_jsonl(record.errors_path, req.examples) if record.errors_path else []
    outputs = [r for p in record.outputs for r in head_jsonl(p, req.examples)][: req.examples]
    names = [s.name for s in recipe.process]
    if len(set(names)) < len(names):
        warnings.append("an op appears twice: the tracer keeps one example file per op name, so examples may mix")
    return DryRunResult(
        dry_run_id=dry_id, rows_in=record.rows_in, rows_out=record.rows_out,
        kept_ratio=round(record.rows_out / record.rows_in, 4) if record.rows_in else 1.0, seconds=record.seconds,
        ops=ops, quarantined=record.errors, quarantine_examples=[clip_value(q, req.max_chars) for q in quarantine],
        output_examples=[clip_value(r, req.max_chars) for r in outputs],
        estimate=_estimate(record, files, int(mapping.get("np") or Recipe.model_fields["np"].default)),
        plan=executor.plan.explain(),
        record_path=ctx.workspace.relative(out_dir / "runs" / record.run_id / "run.json"),
        warnings=warnings,
    )
