"""run_recipe, run_status and cancel_run: background runs on the engine's executor, confirmed, cancellable, resumable."""

from __future__ import annotations

import time
from pathlib import Path

from recipe_copilot.tools import ToolContext, cancel_run, explain_run, run_recipe, run_status


def _finish(ctx, **req):
    started = run_recipe(ctx, req)
    assert started.ok, started.error
    done = run_status(ctx, {"run_id": started.run.run_id, "wait_seconds": 120})
    assert done.ok and done.run.status != "running"
    return done.run


def test_a_full_run_needs_confirmation_with_the_size(ctx, small_recipe):
    res = run_recipe(ctx, {"source": {"recipe": small_recipe}})
    assert not res.ok and res.error.code == "needs_confirmation"
    assert res.error.details["input_bytes"] > 3_000_000 and 2700 < res.error.details["estimated_rows"] < 3300
    assert "confirmed=true" in res.error.hint and "3.5 MB" in res.error.message
    assert ctx.runs.run_ids() == []


def test_a_partial_run_needs_no_confirmation_and_is_indexed(ctx, workspace, small_recipe, knowledge):
    before = knowledge.count("run")
    state = _finish(ctx, source={"recipe": small_recipe}, max_samples=200)
    assert state.status == "ok" and state.rows_in == 200 and 0 < state.rows_out < 200
    assert state.outputs == ["outputs/small/out.jsonl"] and (workspace / state.outputs[0]).is_file()
    assert (workspace / state.record_path).is_file() and state.record_path.startswith("outputs/small/runs/")
    assert state.progress == 1.0 and state.indexed and knowledge.count("run") == before + 1


def test_a_confirmed_run_on_the_process_pool(ctx, small_recipe):
    state = _finish(ctx, source={"recipe": {**small_recipe, "np": 2}}, confirmed=True)
    assert state.status == "ok" and state.rows_in == 3001 and state.errors == 1
    res = run_status(ctx, {"run_id": state.run_id})
    assert "finished" in res.summary and "3001 in" in res.summary


def test_cancel_then_resume(ctx, small_recipe, slow_mapper):
    recipe = {**small_recipe, "process": [{"fake_slow_mapper": {}}, *small_recipe["process"]]}
    slow_mapper.delay = 1.05  # > 1 s per chunk: every chunk is checkpointed
    started = run_recipe(ctx, {"source": {"recipe": recipe}, "confirmed": True})
    run_id = started.run.run_id
    assert run_status(ctx, {"run_id": run_id}).run.status == "running"
    res = cancel_run(ctx, {"run_id": run_id, "wait_seconds": 30})
    assert res.ok and res.run.status == "cancelled" and "resume=true" in res.summary
    slow_mapper.delay = 0.0
    resumed = _finish(ctx, source={"recipe": recipe}, confirmed=True, resume=True)
    assert resumed.status == "ok" and resumed.rows_in == 3001
    assert any("resumed" in f for f in explain_run(ctx, {"run": resumed.run_id}).facts)


def test_one_run_at_a_time(ctx, small_recipe, slow_mapper):
    recipe = {**small_recipe, "process": [{"fake_slow_mapper": {}}]}
    slow_mapper.delay = 0.3
    first = run_recipe(ctx, {"source": {"recipe": recipe}, "max_samples": 10})
    second = run_recipe(ctx, {"source": {"recipe": recipe}, "max_samples": 10})
    assert second.error.code == "run_busy" and first.run.run_id in second.error.message
    assert run_status(ctx, {"run_id": first.run.run_id, "wait_seconds": 30}).run.status == "ok"


def test_progress_is_reported_while_running(ctx, small_recipe, slow_mapper):
    recipe = {**small_recipe, "process": [{"fake_slow_mapper": {}}]}
    slow_mapper.delay = 0.15
    run_id = run_recipe(ctx, {"source": {"recipe": recipe}, "confirmed": True}).run.run_id
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = run_status(ctx, {"run_id": run_id}).run
        if state.status != "running":
            break
        if state.stages:
            seen.add((state.stage, state.bytes_done > 0, state.total_bytes > 0))
        time.sleep(0.05)
    assert state.status == "ok"
    assert (0, True, True) in seen


def test_a_run_that_fails_ends_with_a_typed_error(ctx, small_recipe):
    state = _finish(ctx, source={"recipe": {**small_recipe, "text_keys": "body"}}, max_samples=10)
    assert state.status == "failed" and state.error.code == "dataset_error" and "body" in state.error.message
    assert "failed" in run_status(ctx, {"run_id": state.run_id}).summary


def test_errors_of_run_tools_are_typed(ctx, small_recipe):
    assert run_status(ctx, {"run_id": "run-nope"}).error.code == "unknown_run"
    assert cancel_run(ctx, {"run_id": "run-nope"}).error.code == "unknown_run"
    state = _finish(ctx, source={"recipe": small_recipe}, max_samples=5)
    res = cancel_run(ctx, {"run_id": state.run_id})
    assert res.error.code == "run_state" and "already ended" in res.error.message
    assert run_recipe(ctx, {"source": {"recipe": {**small_recipe, "dataset_path": None}}, "confirmed": True}
                      ).error.code == "dataset_error"
    assert run_recipe(ctx, {"source": {"recipe": {**small_recipe, "export_path": "/tmp/x.jsonl"}}, "confirmed": True}
                      ).error.code == "path_outside_workspace"


def test_run_states_outlive_the_context(ctx, workspace, small_recipe):
    state = _finish(ctx, source={"recipe": small_recipe}, max_samples=5)
    again = ToolContext.open(workspace)
    assert run_status(again, {"run_id": state.run_id}).run.status == "ok"
    # a state saved while running, by a process that is gone
    path = Path(workspace, ".copilot", "runs", f"{state.run_id}.json")
    path.write_text(path.read_text().replace('"status": "ok"', '"status": "running"'))
    lost = run_status(ToolContext.open(workspace), {"run_id": state.run_id}).run
    assert lost.status == "interrupted" and "resume=true" in lost.notes[-1]


def test_finish_listeners_hear_each_end_before_waiters_return_and_cannot_break_a_run(ctx, small_recipe):
    heard = []

    def broken(state):
        msg = "a front door's bug"
        raise RuntimeError(msg)

    ctx.runs.on_finish(broken)
    ctx.runs.on_finish(heard.append)
    state = _finish(ctx, source={"recipe": small_recipe}, max_samples=50)
    assert state.status == "ok"  # the broken listener did not fail the run
    assert [(s.run_id, s.status, s.rows_in) for s in heard] == [(state.run_id, "ok", 50)]
