"""Recipe tools: validate a recipe, and edit a draft with a diff and an undoable history."""

from __future__ import annotations

import difflib
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from recipe_copilot.engine.io.readers import InputFile
from recipe_copilot.engine.planner import plan_recipe
from recipe_copilot.engine.recipe import Recipe
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.drafts import (
    DRAFT_ID_PATTERN,
    Edit,
    RecipeDraft,
    apply_edit,
    is_navigation,
    navigate,
    normalise,
    recipe_yaml,
)
from recipe_copilot.tools.errors import DatasetUnreadableError, RecipeInvalidError, ToolFailure, as_tool_error
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool

__all__ = [
    "EditRecipeRequest",
    "EditRecipeResult",
    "RecipeSource",
    "ValidateRecipeRequest",
    "ValidateRecipeResult",
    "VersionInfo",
    "edit_recipe",
    "load_source",
    "require_inputs",
    "validate_recipe",
    "validated",
]


class RecipeSource(BaseModel):
    """Where a recipe comes from: exactly one of a draft, a mapping, or a YAML file in the workspace."""

    model_config = ConfigDict(extra="forbid")

    draft_id: str | None = Field(None, description="A recipe draft (see edit_recipe); its current version.")
    recipe: dict[str, Any] | None = Field(None, description="The recipe as a mapping (Data-Juicer keys, `process` list).")
    recipe_path: str | None = Field(None, description="A YAML recipe file, relative to the workspace root.")

    @model_validator(mode="after")
    def _exactly_one(self) -> RecipeSource:
        given = [k for k in ("draft_id", "recipe", "recipe_path") if getattr(self, k) is not None]
        if len(given) != 1:
            msg = f"give exactly one of draft_id, recipe, recipe_path (got {', '.join(given) or 'none'})"
            raise ValueError(msg)
        return self


def load_source(ctx: ToolContext, source: RecipeSource) -> tuple[dict[str, Any], str]:
    """The recipe mapping a source names (paths as written) and a label for messages.

    Raises:
        DraftNotFoundError: no such draft.
        WorkspacePathError, PathNotFoundError: the file is outside the root or missing.
        RecipeInvalidError: the file is not YAML, or not a mapping.
    """
    if source.draft_id is not None:
        draft = ctx.drafts.get(source.draft_id)
        return draft.recipe, f"draft {draft.id}@v{draft.current}"
    if source.recipe is not None:
        return normalise(source.recipe), "recipe"
    path = ctx.workspace.resolve(str(source.recipe_path), must_exist=True, what="recipe file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = f"recipe {source.recipe_path!r} cannot be read{where}: {getattr(exc, 'problem', None) or exc}"
        raise RecipeInvalidError(msg, code="recipe_syntax", hint="Fix the YAML, or pass the recipe as a mapping.") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        msg = f"recipe {source.recipe_path!r} must be a mapping of keys to values, got {type(raw).__name__}"
        raise RecipeInvalidError(msg, code="recipe_syntax", hint="A recipe has global keys and a `process` list.")
    return normalise(raw), ctx.workspace.relative(path)


def validated(ctx: ToolContext, mapping: dict[str, Any], source: str) -> tuple[Recipe, list[str]]:
    """The engine's recipe for a mapping of this workspace, and the validation warnings."""
    return ctx.workspace.engine_recipe(mapping, source=source)


def require_inputs(ctx: ToolContext, recipe: Recipe, label: str) -> list[InputFile]:
    """The recipe's input files, checked to be in the workspace, and its ops' packages.

    Raises:
        DatasetUnreadableError: the recipe has no dataset_path.
        WorkspacePathError, PathNotFoundError, DatasetError: the data is outside, missing or unreadable.
        MissingDependencyError: an op needs a package that is not installed.
    """
    if not recipe.dataset_path:
        msg = f"{label} has no dataset_path; it needs input data"
        raise DatasetUnreadableError(msg, hint="Set it with edit_recipe (set_global dataset_path) to a file in the workspace.")
    files = ctx.workspace.dataset_files(recipe.dataset_path, recipe.suffixes)
    for spec in recipe.process:
        spec.op_class.check_requirements()
    return files


# ---------------------------------------------------------------------- validate_recipe
class ValidateRecipeRequest(ToolRequest):
    """Check a recipe: keys, ops, parameters, paths, and (optionally) the data and op dependencies."""

    source: RecipeSource
    check_data: bool = Field(True, description="Also check the dataset is there and readable, and op packages.")


class ValidateRecipeResult(ToolResult):
    """A recipe that passed, with its execution plan."""

    recipe: dict[str, Any] = Field(default_factory=dict, description="The recipe, normalised (paths as written).")
    yaml: str = ""
    ops: list[str] = Field(default_factory=list, description="Op names in recipe order.")
    plan: str = Field("", description="The engine's execution plan (stages, reordered filters).")
    input_files: list[str] = Field(default_factory=list, description="Input files (relative to the root).")
    input_bytes: int = 0
    warnings: list[str] = Field(default_factory=list)


@tool
def validate_recipe(ctx: ToolContext, req: ValidateRecipeRequest) -> ValidateRecipeResult:
    """Validate a recipe (a draft, a mapping or a file): keys, op names, parameters and bounds, paths.

    Args:
        ctx: the tool context.
        req: the recipe and whether to check the data too.

    Returns:
        The normalised recipe, the plan and any warnings; or a typed error naming the bad
        op, parameter, key or path (codes unknown_op, bad_param, bad_global_key,
        path_outside_workspace, dataset_error, missing_dependency).
    """
    mapping, label = load_source(ctx, req.source)
    recipe, warnings = validated(ctx, mapping, label)
    files: list = []
    if req.check_data:
        if recipe.dataset_path:
            files = ctx.workspace.dataset_files(recipe.dataset_path, recipe.suffixes)
        else:
            warnings.append("no dataset_path yet: set it (set_global) before dry_run or run_recipe")
        for spec in recipe.process:
            spec.op_class.check_requirements()
            warnings.extend(spec.build().preflight())
    return ValidateRecipeResult(
        recipe=mapping, yaml=recipe_yaml(mapping), ops=[s.name for s in recipe.process],
        plan=plan_recipe(recipe).explain(), input_files=[ctx.workspace.relative(f.path) for f in files],
        input_bytes=sum(f.size for f in files), warnings=warnings,
    )


# ---------------------------------------------------------------------- edit_recipe
class EditRecipeRequest(ToolRequest):
    """Edit a recipe draft: a list of structured edits, applied in order, all or none."""

    draft_id: str = Field("main", pattern=DRAFT_ID_PATTERN, description="The draft to edit.")
    start_from: RecipeSource | None = Field(
        None, description="Create the draft from this recipe (or make it a new version of an existing draft); "
                          "{\"recipe\": {}} starts an empty one.")
    edits: list[Edit] = Field(default_factory=list, description="Edits, applied in order; each is validated.")


class VersionInfo(BaseModel):
    """One entry of a draft's history."""

    version: int
    parent: int | None
    note: str
    current: bool


class EditRecipeResult(ToolResult):
    """The draft after the edits: its recipe, the diff, and its history."""

    draft_id: str = ""
    version: int = Field(0, description="The current version after the edits.")
    recipe: dict[str, Any] = Field(default_factory=dict)
    yaml: str = ""
    diff: str = Field("", description="Unified diff of the recipe YAML, before -> after.")
    applied: list[str] = Field(default_factory=list, description="What each edit did.")
    history: list[VersionInfo] = Field(default_factory=list, description="The latest versions, newest last.")
    warnings: list[str] = Field(default_factory=list)


def _refused(exc: Exception, where: str) -> ToolFailure:
    """``exc`` (deliberate) as a failure whose message says which edit was refused."""
    error = as_tool_error(exc)
    if error is None:
        raise exc
    failure = ToolFailure(f"{where} was refused, the draft is unchanged: {error.message}", hint=error.hint,
                          code=error.code, **error.details)
    return failure


@tool
def edit_recipe(ctx: ToolContext, req: EditRecipeRequest) -> EditRecipeResult:
    """Edit a recipe draft: add/remove/move ops, set/unset params and global keys, undo/redo/revert.

    Every edit is validated; if one is refused, none is kept. Each content edit makes a new
    version, so undo goes back one edit.

    Args:
        ctx: the tool context.
        req: the draft id, an optional recipe to start from, and the edits.

    Returns:
        The current recipe and version, a unified diff of the YAML, and the history; or a
        typed error (unknown_draft, bad_edit, nothing_to_undo, unknown_op, bad_param...) that
        names the edit that was refused.
    """
    warnings: list[str] = []
    if req.start_from is not None:
        mapping, label = load_source(ctx, req.start_from)
        try:
            _, warnings = validated(ctx, mapping, label)
        except Exception as exc:
            raise _refused(exc, f"start_from ({label})") from None
        if ctx.drafts.exists(req.draft_id):
            draft = ctx.drafts.get(req.draft_id)
            before_version, before = draft.current, draft.recipe
            draft.commit(mapping, f"start from {label}")
        else:
            draft = RecipeDraft.new(req.draft_id, mapping, f"start from {label}")
            before_version, before = None, {}
    else:
        draft = ctx.drafts.get(req.draft_id)
        before_version, before = draft.current, draft.recipe
    applied = []
    for i, edit in enumerate(req.edits):
        if is_navigation(edit):
            try:
                applied.append(navigate(draft, edit))
            except ToolFailure as exc:
                raise _refused(exc, f"edit {i} ({edit.action})") from None
            continue
        try:
            new, note = apply_edit(draft.recipe, edit)
            _, warnings = validated(ctx, new, f"draft {draft.id}")
        except Exception as exc:
            raise _refused(exc, f"edit {i} ({edit.action})") from None
        draft.commit(new, note)
        applied.append(note)
    ctx.drafts.put(draft)
    after = draft.recipe
    label_before = f"{draft.id}@v{before_version}" if before_version is not None else "(new)"
    diff = "".join(difflib.unified_diff(recipe_yaml(before).splitlines(keepends=True) if before else [],
                                        recipe_yaml(after).splitlines(keepends=True),
                                        fromfile=label_before, tofile=f"{draft.id}@v{draft.current}"))
    history = [VersionInfo(version=v.version, parent=v.parent, note=v.note, current=v.version == draft.current)
               for v in draft.versions[-20:]]
    return EditRecipeResult(draft_id=draft.id, version=draft.current, recipe=after, yaml=recipe_yaml(after),
                            diff=diff, applied=applied, history=history, warnings=warnings)

