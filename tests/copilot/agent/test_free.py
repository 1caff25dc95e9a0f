"""The free agent (LangChain create_agent) against the fake server playing scripted tool calls."""

from __future__ import annotations

import json

from recipe_copilot.copilot.events import DryRunDone, FinalAnswer, RecipeUpdated, ToolReturned
from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall
from recipe_copilot.tools import call_tool
from recipe_copilot.tools.drafts import op_items


def call(name: str, arguments) -> FakeReply:
    return FakeReply(tool_calls=[FakeToolCall(name, arguments)])


def test_scripted_loop_recovers_from_a_malformed_call_and_ends_with_a_valid_recipe(make_service):
    script = [
        call("inspect_dataset", {"path": "data/web.jsonl", "n": 2}),
        call("propose_recipe", "{needs: [drop short documents]}"),  # not JSON: goes back as an error
        call("propose_recipe", {"needs": ["drop short documents", "remove exact duplicates"], "dataset": "data/web.jsonl",
                                "nedds": 1}),  # unknown argument: a bad_request the model can fix
        call("propose_recipe", {"needs": ["drop short documents", "remove exact duplicates"], "dataset": "data/web.jsonl"}),
        call("validate_recipe", {}),
        call("dry_run", {"n": 200}),
        call("run_recipe", {"confirmed": True}),  # the code, not the model, decides on consent
        FakeReply(content="Recipe ready: text_length_filter then document_deduplicator (see op docs)."),
    ]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model(), mode="agent")
        events = list(service.ask(None, "drop short docs and exact duplicates", data="data/web.jsonl"))
        requests = server.chat_requests
    returned = [e for e in events if isinstance(e, ToolReturned)]
    assert [(e.tool, e.ok) for e in returned] == [
        ("inspect_dataset", True), ("propose_recipe", False), ("propose_recipe", False), ("propose_recipe", True),
        ("validate_recipe", True), ("dry_run", True), ("run_recipe", False)]
    assert "not valid JSON" in returned[1].error and "nedds" in returned[2].error
    assert "confirm" in returned[6].error
    sent_back = [m for m in requests[2].messages if m["role"] == "tool"]
    assert "not valid JSON" in sent_back[-1]["content"] and json.loads(sent_back[-1]["content"])["ok"] is False
    assert "inspect_dataset" in requests[0].tool_names and "dry_run" in requests[0].tool_names
    system = requests[0].messages[0]["content"]
    assert "validate_recipe and then dry_run" in system and "has not confirmed" in system
    recipe = [e for e in events if isinstance(e, RecipeUpdated)][-1].recipe
    assert [n for n, _ in op_items(recipe)] == ["text_length_filter", "document_deduplicator"]
    assert call_tool(service.ctx, "validate_recipe", {"source": {"recipe": recipe}}).ok
    dry = next(e for e in events if isinstance(e, DryRunDone))
    assert dry.rows_in == 200 and len(dry.ops) == 2
    final = events[-1]
    assert isinstance(final, FinalAnswer) and final.text.startswith("Recipe ready")
    assert "op:document_deduplicator" in final.citations and final.needs_confirmation
    assert not service.store.runs(final.session_id)


def test_history_is_sent_on_the_next_turn(make_service):
    script = ["Which dataset?", "Still need a dataset."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model(), mode="agent")
        first = list(service.ask(None, "clean my data"))
        list(service.ask(first[-1].session_id, "the web one"))
        second = server.chat_requests[1].messages
    assert [(m["role"], m["content"]) for m in second[1:]] == [
        ("user", "clean my data"), ("assistant", "Which dataset?"), ("user", "the web one")]
