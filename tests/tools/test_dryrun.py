"""dry_run: the real planner and executor on N samples, reported per op with examples and an estimate."""

from __future__ import annotations

import orjson
import pytest

import recipe_copilot.engine.testing  # noqa: F401  (registers fake_failing_mapper)
from recipe_copilot.engine.testing import write_jsonl
from recipe_copilot.tools import dry_run, edit_recipe


def test_per_op_counts_examples_and_estimate(ctx, workspace, small_recipe):
    res = dry_run(ctx, {"source": {"recipe": small_recipe}, "n": 300, "examples": 2})
    assert res.ok, res.error
    assert res.rows_in == 300 and 0 < res.rows_out < 300
    assert [o.name for o in res.ops] == ["clean_email_mapper", "text_length_filter", "document_deduplicator"]
    for before, after in zip(res.ops, res.ops[1:], strict=False):
        assert before.rows_out == after.rows_in
    assert res.ops[-1].rows_out == res.rows_out
    mapper, flt, dedup = res.ops
    assert mapper.kept_ratio == 1.0 and mapper.changed
    change = mapper.changed[0]
    assert "@" in change["before"] and "@" not in change["after"][:100] and change["first_change_at"] > 0
    assert 0 < len(flt.dropped) <= 2 and all(d["__dj__stats__"]["text_len"] < 100 for d in flt.dropped)
    assert flt.kept_ratio == pytest.approx(flt.rows_out / flt.rows_in, abs=1e-4)
    assert dedup.duplicates and {"dup1", "dup2"} <= set(dedup.duplicates[0])
    assert len(res.output_examples) == 2 and "stage 1" in res.plan
    est = res.estimate
    assert 2700 <= est.estimated_rows <= 3300 and est.estimated_seconds >= 0
    assert est.estimated_rows_out == pytest.approx(est.estimated_rows * res.rows_out / res.rows_in, abs=1)
    # it ran on the engine, into the workspace's .copilot folder, leaving the real export alone
    record = orjson.loads((workspace / res.record_path).read_bytes())
    assert res.record_path.startswith(".copilot/dry_runs/") and record["executor"] == "in-process"
    assert not (workspace / "outputs").exists()


def test_quarantined_samples_are_reported(ctx, workspace):
    write_jsonl(workspace / "q.jsonl", [{"text": "fine"}, {"text": "boom here"}, {"text": 3}, {"text": "ok"}])
    recipe = {"dataset_path": "q.jsonl", "process": [{"fake_failing_mapper": {}}]}
    res = dry_run(ctx, {"source": {"recipe": recipe}})
    assert res.ok and res.rows_out == 2 and res.quarantined == 2
    assert {q["op"] for q in res.quarantine_examples} == {"fake_failing_mapper"}
    assert res.ops[0].errors == 2


def test_dry_run_of_a_draft_and_of_a_parquet_recipe(ctx, small_recipe):
    edit_recipe(ctx, {"draft_id": "p", "start_from": {"recipe": {**small_recipe, "export_path": "o/x.parquet"}}})
    res = dry_run(ctx, {"source": {"draft_id": "p"}, "n": 50, "examples": 1})
    assert res.ok and res.rows_in == 50 and len(res.output_examples) == 1


def test_old_dry_runs_are_pruned(ctx, workspace, small_recipe):
    for _ in range(7):
        assert dry_run(ctx, {"source": {"recipe": small_recipe}, "n": 5, "examples": 0}).ok
    assert len(list((workspace / ".copilot" / "dry_runs").iterdir())) <= 5


@pytest.mark.parametrize(("change", "code"), [
    ({"dataset_path": None}, "dataset_error"),
    ({"dataset_path": "../x.jsonl"}, "path_outside_workspace"),
    ({"process": [{"words_num_filter": {"min_num": "many"}}]}, "bad_param"),
    ({"text_keys": "body"}, "dataset_error"),
])
def test_errors_are_typed(ctx, small_recipe, change, code):
    res = dry_run(ctx, {"source": {"recipe": {**small_recipe, **change}}, "n": 10})
    assert not res.ok and res.error.code == code, res.error
