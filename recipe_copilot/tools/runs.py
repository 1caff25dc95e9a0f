"""Tools that run recipes on the engine.

:func:`execute_recipe` and :func:`explain_recipe` run synchronously, for ``copilot run``.
The agent's tools :func:`run_recipe`, :func:`run_status` and :func:`cancel_run` go through the
workspace's :class:`~recipe_copilot.tools.runmanager.RunManager`, which builds the executor the
same way (``executor_for(recipe.executor_type)``) in a background thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recipe_copilot.engine.executors import ProgressEvent, executor_for
from recipe_copilot.engine.recipe import Recipe, load_recipe, recipe_from_mapping
from recipe_copilot.engine.runrecord import RunRecord
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.errors import ConfirmationRequiredError
from recipe_copilot.tools.recipes import RecipeSource, load_source, require_inputs
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool
from recipe_copilot.tools.runmanager import RunState
from recipe_copilot.tools.sampling import read_sample

__all__ = [
    "CancelRunRequest",
    "RunRecipeRequest",
    "RunRequest",
    "RunStateResult",
    "RunStatusRequest",
    "cancel_run",
    "execute_recipe",
    "explain_recipe",
    "load_request_recipe",
    "run_recipe",
    "run_status",
    "run_summary",
]


class RunRequest(BaseModel):
    """A recipe to run: a file or a mapping, plus Data-Juicer-style overrides."""

    recipe_path: str | None = Field(None, description="Path of a YAML recipe.")
    recipe: dict[str, Any] | None = Field(None, description="The recipe as a mapping, instead of a file.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Global keys to override (np, export_path...).")
    resume: bool = Field(False, description="Continue from the checkpoint of the same recipe and input.")
    max_samples: int | None = Field(None, ge=1, description="Only process the first N input samples.")


def load_request_recipe(req: RunRequest) -> Recipe:
    """The validated recipe a request names (raises RecipeError subclasses)."""
    if req.recipe_path:
        return load_recipe(Path(req.recipe_path), req.overrides)
    return recipe_from_mapping({**(req.recipe or {}), **req.overrides}, source="recipe")


def explain_recipe(req: RunRequest) -> str:
    """The execution plan of the request's recipe, as text."""
    recipe = load_request_recipe(req)
    executor = executor_for(recipe.executor_type)(recipe)
    return executor.plan.explain()


def execute_recipe(req: RunRequest, *, progress: Callable[[ProgressEvent], None] | None = None) -> RunRecord:
    """Run the request's recipe to the end and return its run record."""
    recipe = load_request_recipe(req)
    executor = executor_for(recipe.executor_type)(
        recipe, progress=progress, resume=req.resume, max_samples=req.max_samples
    )
    return executor.run()


# ---------------------------------------------------------------------- background runs (tools)
class RunRecipeRequest(ToolRequest):
    """Start a run of a recipe in the background."""

    source: RecipeSource = Field(description="The recipe: a draft, a mapping or a file.")
    confirmed: bool = Field(False, description="The user agreed to a full run (needed unless max_samples is set).")
    max_samples: int | None = Field(None, ge=1, description="Only process the first N input samples.")
    resume: bool = Field(False, description="Continue a cancelled or interrupted run of the same recipe and input.")


class RunStateResult(ToolResult):
    """Where a run stands."""

    run: RunState | None = None
    summary: str = Field("", description="The state in one line.")


def run_summary(state: RunState) -> str:
    """A run's state in one line: progress while it runs, counts and outputs once it is done."""
    if state.status == "running":
        stage = f"stage {state.stage + 1}/{state.stages}" if state.stages else "starting"
        return (f"{state.run_id} running: {stage} ({state.stage_label}), {state.progress:.0%} done, "
                f"{state.rows_done} rows so far, {state.elapsed:.0f}s")
    if state.status == "ok":
        return (f"{state.run_id} finished in {state.elapsed:.1f}s: {state.rows_in} in, {state.rows_out} out, "
                f"{state.errors} quarantined -> {', '.join(state.outputs)}")
    if state.error is not None:
        return f"{state.run_id} {state.status}: {state.error.message}"
    return f"{state.run_id} {state.status} after {state.elapsed:.1f}s" + (f" ({state.notes[-1]})" if state.notes else "")


@tool
def run_recipe(ctx: ToolContext, req: RunRecipeRequest) -> RunStateResult:
    """Start a recipe run in the background and return its run id at once (full runs need confirmed=true).

    Args:
        ctx: the tool context (its run manager runs the recipe).
        req: the recipe, whether the user confirmed a full run, an optional sample limit,
            and whether to resume.

    Returns:
        The run's state (follow it with run_status); or a typed error: needs_confirmation
        (with the input size) for a full run without confirmed=true, run_busy, unknown_op,
        bad_param, dataset_error, path_outside_workspace.
    """
    mapping, label = load_source(ctx, req.source)
    recipe, warnings = ctx.workspace.engine_recipe(mapping, source=label)
    files = require_inputs(ctx, recipe, label)
    if req.max_samples is None and not req.confirmed:
        sample = read_sample(files, 1000)
        size = sum(f.size for f in files)
        msg = (f"a full run reads all of {mapping.get('dataset_path')!r} ({len(files)} file(s), {size / 1e6:.1f} MB, "
               f"about {sample.estimated_rows} samples) and writes {ctx.workspace.relative(recipe.export_path)}; "
               "it needs the user's confirmation")
        hint = "Ask the user, then call again with confirmed=true; or set max_samples for a partial run."
        raise ConfirmationRequiredError(msg, hint=hint, input_bytes=size, estimated_rows=sample.estimated_rows,
                                        files=len(files), export_path=ctx.workspace.relative(recipe.export_path))
    state = ctx.runs.start(recipe, mapping, resume=req.resume, max_samples=req.max_samples, notes=warnings)
    return RunStateResult(run=state, summary=run_summary(state))


class RunStatusRequest(ToolRequest):
    """Ask where a run stands, optionally waiting for it to end."""

    run_id: str = Field(min_length=1, description="The id run_recipe returned.")
    wait_seconds: float = Field(0.0, ge=0, le=300, description="Wait up to this long for the run to end.")


@tool
def run_status(ctx: ToolContext, req: RunStatusRequest) -> RunStateResult:
    """Where a run stands: status, stage, bytes and rows done, and the outcome once it ended.

    Args:
        ctx: the tool context.
        req: the run id and how long to wait for the end (0: answer at once).

    Returns:
        The run's state and a one-line summary; or a typed error ``unknown_run``.
    """
    state = ctx.runs.wait(req.run_id, req.wait_seconds) if req.wait_seconds else ctx.runs.get(req.run_id)
    return RunStateResult(run=state, summary=run_summary(state))


class CancelRunRequest(ToolRequest):
    """Stop a run; it can be resumed later."""

    run_id: str = Field(min_length=1, description="The id run_recipe returned.")
    wait_seconds: float = Field(0.0, ge=0, le=300, description="Wait up to this long for it to stop.")


@tool
def cancel_run(ctx: ToolContext, req: CancelRunRequest) -> RunStateResult:
    """Cancel a running run after the chunk in hand; it ends as cancelled and can be resumed.

    Args:
        ctx: the tool context.
        req: the run id and how long to wait for it to stop.

    Returns:
        The run's state; or a typed error (unknown_run, run_state when it already ended).
    """
    state = ctx.runs.cancel(req.run_id)
    if req.wait_seconds:
        state = ctx.runs.wait(req.run_id, req.wait_seconds)
    return RunStateResult(run=state, summary=run_summary(state))
