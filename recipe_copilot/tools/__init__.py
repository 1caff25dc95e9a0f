"""Typed tools over the engine and the knowledge index; the agent, the API, the CLI and the tests call these.

Every tool is a plain function ``tool_name(ctx, req) -> Result`` with pydantic input and
output models; a result has ``ok`` and, on failure, a typed ``error`` (code, message, hint)
instead of an exception. ``ctx`` is a :class:`ToolContext`: the workspace root every path is
confined to, recipe drafts, background runs and the knowledge index. :func:`tool_schemas`
gives each tool's JSON schema for an LLM; :func:`call_tool` calls one by name.

Example:
    >>> ctx = ToolContext.open("my-project")  # doctest: +SKIP
    >>> inspect_dataset(ctx, {"path": "data/web.jsonl"}).estimated_rows  # doctest: +SKIP
    3060
"""

from __future__ import annotations

from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.datasets import (
    InspectDatasetRequest,
    InspectDatasetResult,
    ProfileDatasetRequest,
    ProfileDatasetResult,
    inspect_dataset,
    profile_dataset,
)
from recipe_copilot.tools.drafts import DraftStore, RecipeDraft
from recipe_copilot.tools.dryrun import DryRunRequest, DryRunResult, dry_run
from recipe_copilot.tools.errors import ToolError, ToolFailure, WorkspacePathError
from recipe_copilot.tools.propose import ProposeRecipeRequest, ProposeRecipeResult, propose_recipe
from recipe_copilot.tools.recipes import (
    EditRecipeRequest,
    EditRecipeResult,
    RecipeSource,
    ValidateRecipeRequest,
    ValidateRecipeResult,
    edit_recipe,
    validate_recipe,
)
from recipe_copilot.tools.registry import ToolResult, ToolSpec, all_tools, call_tool, get_tool, tool_schemas
from recipe_copilot.tools.reports import (
    CompareRunsRequest,
    CompareRunsResult,
    ExplainRunRequest,
    ExplainRunResult,
    compare_runs,
    explain_run,
)
from recipe_copilot.tools.runmanager import RunManager, RunState
from recipe_copilot.tools.runs import (
    CancelRunRequest,
    RunRecipeRequest,
    RunStateResult,
    RunStatusRequest,
    cancel_run,
    run_recipe,
    run_status,
    run_summary,
)
from recipe_copilot.tools.search import (
    GetOpRequest,
    GetOpResult,
    SearchOpsRequest,
    SearchOpsResult,
    SearchRecipesRequest,
    SearchRecipesResult,
    get_op,
    search_ops,
    search_recipes,
)
from recipe_copilot.tools.thresholds import SuggestThresholdsRequest, SuggestThresholdsResult, suggest_thresholds
from recipe_copilot.tools.workspace import Workspace

__all__ = [
    "CancelRunRequest",
    "CompareRunsRequest",
    "CompareRunsResult",
    "DraftStore",
    "DryRunRequest",
    "DryRunResult",
    "EditRecipeRequest",
    "EditRecipeResult",
    "ExplainRunRequest",
    "ExplainRunResult",
    "GetOpRequest",
    "GetOpResult",
    "InspectDatasetRequest",
    "InspectDatasetResult",
    "ProfileDatasetRequest",
    "ProfileDatasetResult",
    "ProposeRecipeRequest",
    "ProposeRecipeResult",
    "RecipeDraft",
    "RecipeSource",
    "RunManager",
    "RunRecipeRequest",
    "RunState",
    "RunStateResult",
    "RunStatusRequest",
    "SearchOpsRequest",
    "SearchOpsResult",
    "SearchRecipesRequest",
    "SearchRecipesResult",
    "SuggestThresholdsRequest",
    "SuggestThresholdsResult",
    "ToolContext",
    "ToolError",
    "ToolFailure",
    "ToolResult",
    "ToolSpec",
    "ValidateRecipeRequest",
    "ValidateRecipeResult",
    "Workspace",
    "WorkspacePathError",
    "all_tools",
    "call_tool",
    "cancel_run",
    "compare_runs",
    "dry_run",
    "edit_recipe",
    "explain_run",
    "get_op",
    "get_tool",
    "inspect_dataset",
    "profile_dataset",
    "propose_recipe",
    "run_recipe",
    "run_status",
    "run_summary",
    "search_ops",
    "search_recipes",
    "suggest_thresholds",
    "tool_schemas",
    "validate_recipe",
]
