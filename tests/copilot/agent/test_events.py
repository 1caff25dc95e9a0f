"""Events are tagged pydantic models: a stream of them is JSON lines any front door can parse back."""

from __future__ import annotations

import recipe_copilot.copilot.agent as agent
import recipe_copilot.copilot.events as events
from recipe_copilot.copilot.events import DryRunDone, FinalAnswer, OpCount, ToolCalled, event_adapter


def test_events_round_trip_through_json():
    sent = [ToolCalled(session_id="s-1", tool="dry_run", arguments={"n": 5}),
            DryRunDone(session_id="s-1", rows_in=5, rows_out=4, kept_ratio=0.8,
                       ops=[OpCount(name="text_length_filter", rows_in=5, rows_out=4, kept_ratio=0.8)]),
            FinalAnswer(session_id="s-1", text="done", citations=["op:text_length_filter"])]
    adapter = event_adapter()
    got = [adapter.validate_json(e.model_dump_json()) for e in sent]
    assert got == sent and [e.type for e in got] == ["tool_called", "dry_run_done", "final_answer"]


def test_exported_members_are_sorted_and_exist():
    for module in (events, agent):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)


def test_a_dry_run_event_carries_examples_of_what_each_op_did(make_service):
    from recipe_copilot.copilot.agent.turn import dry_run_event
    from recipe_copilot.tools import call_tool

    service = make_service(lambda: None, mode="agent")
    recipe = {"dataset_path": "data/web.jsonl", "process": [
        {"clean_email_mapper": {}}, {"words_num_filter": {"min_num": 20}}, {"document_deduplicator": {}}]}
    result = call_tool(service.ctx, "dry_run", {"source": {"recipe": recipe}, "n": 500, "examples": 2})
    event = dry_run_event(result, "s-1")
    by = {(e.verdict, e.op) for e in event.examples}
    assert {("changed", "clean_email_mapper"), ("dropped", "words_num_filter"),
            ("duplicate", "document_deduplicator"), ("kept", "")} <= by
    changed = next(e for e in event.examples if e.verdict == "changed")
    assert "@" in changed.text.split(" → ")[0] and "@" not in changed.text.split(" → ")[1]
    dropped = [e.text for e in event.examples if e.verdict == "dropped"]
    assert all(len(t.split()) < 20 for t in dropped)
    assert event.record_path.endswith("run.json") and (service.ctx.workspace.root / event.record_path).is_file()


def test_a_recipe_started_from_a_whole_mapping_is_summarised_by_its_ops(make_service):
    from recipe_copilot.copilot.agent.turn import summarise
    from recipe_copilot.tools import call_tool

    service = make_service(lambda: None, mode="agent")
    recipe = {"dataset_path": "data/web.jsonl", "process": [{"words_num_filter": {}}, {"document_deduplicator": {}}]}
    started = call_tool(service.ctx, "edit_recipe", {"draft_id": "d-1", "start_from": {"recipe": recipe}})
    assert summarise("edit_recipe", started) == "v0: a recipe with words_num_filter, document_deduplicator"
    edited = call_tool(service.ctx, "edit_recipe", {"draft_id": "d-1", "edits": [
        {"action": "set_param", "target": 0, "param": "min_num", "value": 20}]})
    assert edited.ok, edited.error
    assert summarise("edit_recipe", edited).startswith("v1: ") and "min_num" in summarise("edit_recipe", edited)
