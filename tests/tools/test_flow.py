"""The whole loop an agent drives, through call_tool with JSON arguments, as an LLM would send them."""

from __future__ import annotations

import json

from recipe_copilot.tools import call_tool


def call(ctx, name, **args):
    res = call_tool(ctx, name, json.dumps(args))
    assert res.ok, (name, res.error)
    return res


def test_look_propose_edit_try_confirm_run_explain(ctx, workspace):
    seen = call(ctx, "inspect_dataset", path="data/web.jsonl", n=2)
    assert seen.text_field == "text"
    call(ctx, "profile_dataset", dataset="data/web.jsonl", ops=["text_length_filter", "words_num_filter"], n=300)
    prop = call(ctx, "propose_recipe", needs=["remove emails", "drop short docs", "dedup"],
                dataset="data/web.jsonl", draft_id="main", project_name="web", n=300)
    assert prop.draft_id == "main"
    edit = call(ctx, "edit_recipe", draft_id="main", edits=[
        {"action": "set_global", "key": "np", "value": 1},
        {"action": "add_op", "op": "clean_links_mapper", "position": 1}])
    assert "+- clean_links_mapper: {}" in edit.diff
    call(ctx, "validate_recipe", source={"draft_id": "main"})
    dry = call(ctx, "dry_run", source={"draft_id": "main"}, n=200)
    assert dry.rows_in == 200 and dry.estimate.estimated_rows > 2000
    refused = call_tool(ctx, "run_recipe", json.dumps({"source": {"draft_id": "main"}}))
    assert refused.error.code == "needs_confirmation"
    started = call(ctx, "run_recipe", source={"draft_id": "main"}, confirmed=True)
    done = call(ctx, "run_status", run_id=started.run.run_id, wait_seconds=60)
    assert done.run.status == "ok" and (workspace / "outputs" / "web" / "web.jsonl").is_file()
    told = call(ctx, "explain_run", run=started.run.run_id)
    assert "3001 samples in" in told.summary
    undone = call(ctx, "edit_recipe", draft_id="main", edits=[{"action": "undo", "steps": 2}])
    assert undone.version == 0
