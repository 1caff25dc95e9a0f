"""Tools that run recipes on the engine (synchronously, for the CLI and tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recipe_copilot.engine.executors import ProgressEvent, executor_for
from recipe_copilot.engine.recipe import Recipe, load_recipe, recipe_from_mapping
from recipe_copilot.engine.runrecord import RunRecord

__all__ = ["RunRequest", "execute_recipe", "explain_recipe", "load_request_recipe"]


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
