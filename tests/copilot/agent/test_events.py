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
