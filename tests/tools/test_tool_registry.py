"""The registry: every tool listed once with its models, schemas for an LLM, calls by name, typed errors."""

from __future__ import annotations

import inspect
import json

import recipe_copilot.tools as tools
from recipe_copilot.tools import all_tools, call_tool, get_op, tool_schemas
from recipe_copilot.tools import errors as tool_errors
from recipe_copilot.tools.registry import ToolRequest, ToolResult

EXPECTED = {
    "inspect_dataset", "profile_dataset", "search_ops", "get_op", "search_recipes", "propose_recipe",
    "edit_recipe", "validate_recipe", "dry_run", "suggest_thresholds", "run_recipe", "run_status", "cancel_run",
    "compare_runs", "explain_run",
}


def test_every_tool_is_registered_with_its_models_and_a_description():
    specs = all_tools()
    assert {s.name for s in specs} == EXPECTED
    for spec in specs:
        assert issubclass(spec.request, ToolRequest) and issubclass(spec.result, ToolResult)
        assert spec.description and not spec.description.endswith(":")
        # a failure result can always be built from the error alone
        failed = spec.result(ok=False, error={"code": "x", "message": "m"})
        assert failed.ok is False
        doc = inspect.getdoc(spec.fn)
        assert "Args:" in doc and "Returns:" in doc, spec.name


def test_schemas_are_json_and_come_from_the_request_models():
    schemas = tool_schemas()
    json.dumps(schemas)
    by_name = {s["name"]: s for s in schemas}
    params = by_name["run_recipe"]["parameters"]
    assert {"source", "confirmed", "max_samples", "resume"} <= set(params["properties"])
    assert params["properties"]["confirmed"]["default"] is False
    edits = by_name["edit_recipe"]["parameters"]
    assert "add_op" in json.dumps(edits) and "undo" in json.dumps(edits)


def test_call_tool_by_name_with_json_arguments(ctx):
    res = call_tool(ctx, "get_op", '{"name": "text_length_filter"}')
    assert res.ok and res.op.stat_key == "text_len"


def test_unknown_tools_and_bad_arguments_come_back_as_bad_request(ctx):
    res = call_tool(ctx, "get_opp", {})
    assert res.error.code == "bad_request" and "get_op" in res.error.message
    res = call_tool(ctx, "get_op", "{not json")
    assert res.error.code == "bad_request"
    res = call_tool(ctx, "get_op", {"name": "text_length_filter", "nmae": 1})
    assert res.error.code == "bad_request" and "nmae" in res.error.message
    res = get_op(ctx, {})
    assert not res.ok and "name" in res.error.message


def test_ok_follows_the_error():
    assert ToolResult(error={"code": "x", "message": "m"}).ok is False
    assert ToolResult().ok is True


def test_exported_members_are_sorted_and_all_resolve():
    assert tools.__all__ == sorted(tools.__all__)
    for name in tools.__all__:
        assert getattr(tools, name) is not None
    public = {n for n, v in vars(tools).items() if not n.startswith("_") and callable(v) and n in EXPECTED}
    assert public == EXPECTED


def test_every_tool_failure_says_when_it_is_raised_and_has_a_code():
    failures = [c for c in vars(tool_errors).values()
                if isinstance(c, type) and issubclass(c, tool_errors.ToolFailure)]
    assert len(failures) >= 15
    for cls in failures:
        assert cls.__doc__ and cls.code
        assert cls.__name__ in tool_errors.__doc__, f"{cls.__name__} missing from the hierarchy drawing"
