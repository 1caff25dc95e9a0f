"""Search tools over the knowledge index (search_ops, search_recipes) and the op registry (get_op)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from recipe_copilot.engine.docs import op_doc
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.tools.context import ToolContext, knowledge_module
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool

__all__ = [
    "GetOpRequest",
    "GetOpResult",
    "OpInfo",
    "ParamInfo",
    "RecipeInfo",
    "SearchOpsRequest",
    "SearchOpsResult",
    "SearchRecipesRequest",
    "SearchRecipesResult",
    "get_op",
    "search_ops",
    "search_recipes",
]


class ParamInfo(BaseModel):
    """One parameter of an op."""

    name: str
    type: str
    default: Any = None
    description: str = ""
    bounds: dict[str, Any] = Field(default_factory=dict, description="ge / gt / le / lt when declared.")


class OpInfo(BaseModel):
    """An op's documentation (generated from its class and parameter model)."""

    name: str
    type: str = Field(description="mapper, filter, deduplicator or selector.")
    description: str
    details: str = ""
    params: list[ParamInfo] = Field(default_factory=list, description="The op's own parameters.")
    stat_key: str | None = Field(None, description="The stat a filter computes (what profile_dataset measures).")
    requires: list[str] = Field(default_factory=list, description="Optional packages the op needs.")
    example: str = ""
    score: float | None = Field(None, description="Search score (search_ops only).")


def _param(raw: dict[str, Any]) -> ParamInfo:
    bounds = {k: raw[k] for k in ("ge", "gt", "le", "lt") if k in raw}
    default = raw.get("default")
    if isinstance(default, int) and abs(default) >= 2**62:
        default = "unbounded"
    return ParamInfo(name=raw["name"], type=str(raw.get("type", "")), default=default,
                     description=raw.get("description", ""), bounds=bounds)


def op_info(doc: dict[str, Any], score: float | None = None) -> OpInfo:
    """An :class:`OpInfo` from an op doc mapping (``engine.docs.op_doc`` or a search hit)."""
    return OpInfo(name=doc["name"], type=doc.get("type", ""), description=doc.get("description", ""),
                  details=doc.get("details", ""), params=[_param(p) for p in doc.get("params", [])],
                  stat_key=doc.get("stat_key"), requires=list(doc.get("requires", [])),
                  example=doc.get("example", ""), score=score)


# ---------------------------------------------------------------------- search_ops
class SearchOpsRequest(ToolRequest):
    """Find ops for a need, in plain words."""

    query: str = Field(min_length=1, description="The need ('drop near-duplicate documents') or a name ('minhash').")
    type: Literal["mapper", "filter", "deduplicator", "selector"] | None = Field(None, description="Only ops of this kind.")
    modality: Literal["text", "image", "video", "audio"] | None = Field(None, description="Only ops for this modality.")
    k: int = Field(5, ge=1, le=20, description="How many ops to return.")


class SearchOpsResult(ToolResult):
    """Ops that match, best first."""

    ops: list[OpInfo] = Field(default_factory=list)


@tool
def search_ops(ctx: ToolContext, req: SearchOpsRequest) -> SearchOpsResult:
    """Search the op catalogue for a need ("remove e-mail addresses", "near-duplicates"), best first.

    Args:
        ctx: the tool context (its knowledge index is searched).
        req: the query, an optional op type and modality, and how many ops.

    Returns:
        The best ops with their docs, parameters and scores; or a typed error
        (knowledge_unavailable, bad_request).
    """
    hits = knowledge_module().search_ops(req.query, type=req.type, modality=req.modality, k=req.k, index=ctx.knowledge_index())
    return SearchOpsResult(ops=[op_info(h.model_dump(), score=h.score) for h in hits])


# ---------------------------------------------------------------------- get_op
class GetOpRequest(ToolRequest):
    """Read one op's documentation by its exact name."""

    name: str = Field(min_length=1, description="The op name, e.g. text_length_filter.")


class GetOpResult(ToolResult):
    """The op's documentation."""

    op: OpInfo | None = None


@tool
def get_op(ctx: ToolContext, req: GetOpRequest) -> GetOpResult:
    """The documentation of one op: what it does, its parameters with defaults and bounds, its stat.

    Args:
        ctx: the tool context (unused: the docs come from the op registry).
        req: the op's exact name.

    Returns:
        The op's docs; or a typed error ``unknown_op`` listing the closest names.
    """
    del ctx
    return GetOpResult(op=op_info(op_doc(get_op_class(req.name.strip()))))


# ---------------------------------------------------------------------- search_recipes
class SearchRecipesRequest(ToolRequest):
    """Find bundled recipes close to a goal."""

    query: str = Field(min_length=1, description="The data and the goal ('clean arXiv LaTeX', 'chat data').")
    k: int = Field(3, ge=1, le=10, description="How many recipes to return.")


class RecipeInfo(BaseModel):
    """A bundled recipe, ready to start a draft from."""

    name: str
    title: str
    description: str
    modality: str
    ops: list[str]
    recipe: dict[str, Any] = Field(description="The recipe mapping (pass it to edit_recipe's start_from).")
    score: float


class SearchRecipesResult(ToolResult):
    """Recipes that match, best first."""

    recipes: list[RecipeInfo] = Field(default_factory=list)


@tool
def search_recipes(ctx: ToolContext, req: SearchRecipesRequest) -> SearchRecipesResult:
    """Search the bundled recipes (web text, code, arXiv, instruction tuning...) for a goal, best first.

    Args:
        ctx: the tool context (its knowledge index is searched).
        req: the query and how many recipes.

    Returns:
        The best recipes with their ops and full mappings; or a typed error
        (knowledge_unavailable, bad_request).
    """
    hits = knowledge_module().search_recipes(req.query, k=req.k, index=ctx.knowledge_index())
    return SearchRecipesResult(recipes=[RecipeInfo(name=h.name, title=h.title, description=h.description,
                                                   modality=h.modality, ops=h.ops, recipe=h.recipe, score=h.score)
                                        for h in hits])
