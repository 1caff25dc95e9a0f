"""The tool registry: every tool's name, description, input and output model, and function.

A tool is a plain function ``tool_name(ctx, req) -> Result`` decorated with :func:`tool`.
The decorator registers it and makes it total: a deliberate failure (a
:class:`~recipe_copilot.tools.errors.ToolFailure`, or an engine or knowledge error) comes
back as ``Result(ok=False, error=ToolError(...))``; only our own bugs raise. The agent and
the API build their tool schemas from :func:`tool_schemas`, so the pydantic models are the
single source of truth.

Tools are found by importing every module of this package (nothing is listed by hand).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from recipe_copilot.tools.errors import BadRequestError, ToolError, as_tool_error

__all__ = ["ToolRequest", "ToolResult", "ToolSpec", "all_tools", "call_tool", "get_tool", "tool", "tool_schemas"]

_REGISTRY: dict[str, ToolSpec] = {}
F = TypeVar("F", bound=Callable[..., Any])


class ToolRequest(BaseModel):
    """Base of every tool's input model: unknown arguments are refused, so typos surface."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """Base of every tool's output model: ``ok``, and on failure the typed ``error``."""

    ok: bool = Field(True, description="Whether the tool did what was asked.")
    error: ToolError | None = Field(None, description="Set when ok is false: code, message and hint.")

    @model_validator(mode="after")
    def _ok_matches_error(self) -> ToolResult:
        if self.error is not None:
            self.ok = False
        return self


@dataclass(frozen=True)
class ToolSpec:
    """One registered tool.

    Args:
        name: the function's name, used by the agent.
        description: the docstring's summary paragraph.
        request: the input model.
        result: the output model.
        fn: the wrapped function ``fn(ctx, req) -> result``.
    """

    name: str
    description: str
    request: type[ToolRequest]
    result: type[ToolResult]
    fn: Callable[..., ToolResult]

    def schema(self) -> dict[str, Any]:
        """The tool as a function schema: name, description, JSON schema of its parameters."""
        return {"name": self.name, "description": self.description, "parameters": self.request.model_json_schema()}


def _bad_request(result_cls: type[ToolResult], tool_name: str, exc: ValidationError) -> ToolResult:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        problems.append(f"{loc}: {err['msg']}")
    msg = f"{tool_name}: invalid arguments: " + "; ".join(problems)
    hint = "Fix the arguments to match the tool's parameter schema."
    return result_cls(ok=False, error=BadRequestError(msg, hint=hint).to_error())


def tool(fn: F) -> F:
    """Register ``fn(ctx, req: XRequest) -> XResult`` as a tool and make its failures typed results.

    The wrapped function also accepts ``req`` as a plain mapping, validated against the
    input model (a mapping that does not fit comes back as a ``bad_request`` error).

    Args:
        fn: the tool function; its annotations name the input and output models.

    Returns:
        The wrapped function.
    """
    hints = get_type_hints(fn)
    params = list(inspect.signature(fn).parameters)
    request_cls = hints[params[1]]
    result_cls = hints["return"]
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(ctx: Any, req: Any) -> ToolResult:
        if not isinstance(req, request_cls):
            try:
                req = request_cls.model_validate(req or {})
            except ValidationError as exc:
                return _bad_request(result_cls, name, exc)
        try:
            return fn(ctx, req)
        except Exception as exc:
            error = as_tool_error(exc)
            if error is None:
                raise
            return result_cls(ok=False, error=error)

    doc = inspect.getdoc(fn) or ""
    description = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    _REGISTRY[name] = ToolSpec(name, description, request_cls, result_cls, wrapper)
    return wrapper  # type: ignore[return-value]


def _load_all() -> None:
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")


def all_tools() -> list[ToolSpec]:
    """Every registered tool, sorted by name (imports every module of the tools package)."""
    _load_all()
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_tool(name: str) -> ToolSpec:
    """The tool registered as ``name``.

    Raises:
        BadRequestError: no tool has this name (the message lists them all).
    """
    _load_all()
    if name not in _REGISTRY:
        msg = f"unknown tool {name!r}, should be one of: {', '.join(sorted(_REGISTRY))}"
        raise BadRequestError(msg, hint="Call one of the listed tools.")
    return _REGISTRY[name]


def tool_schemas() -> list[dict[str, Any]]:
    """Function schemas of every tool (name, description, JSON schema of the input), sorted by name."""
    return [spec.schema() for spec in all_tools()]


def call_tool(ctx: Any, name: str, arguments: dict[str, Any] | str | bytes | None) -> ToolResult:
    """Call a tool by name with arguments as a mapping or JSON text (what an LLM sends).

    Args:
        ctx: the :class:`~recipe_copilot.tools.context.ToolContext`.
        name: the tool's name.
        arguments: its arguments.

    Returns:
        The tool's result; an unknown tool or unparsable arguments give ``ok=False``
        with a ``bad_request`` error.
    """
    try:
        spec = get_tool(name)
    except BadRequestError as exc:
        return ToolResult(ok=False, error=exc.to_error())
    if isinstance(arguments, str | bytes):
        try:
            arguments = orjson.loads(arguments) if arguments.strip() else {}
        except orjson.JSONDecodeError as exc:
            msg = f"{name}: arguments are not valid JSON: {exc}"
            return spec.result(ok=False, error=BadRequestError(msg, hint="Send the arguments as a JSON object.").to_error())
    return spec.fn(ctx, arguments)
