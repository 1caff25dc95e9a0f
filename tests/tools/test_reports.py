"""compare_runs and explain_run read run records back: by run id, engine run id, or run.json path."""

from __future__ import annotations

import pytest

from recipe_copilot.tools import cancel_run, compare_runs, explain_run, run_recipe, run_status


def _finish(ctx, recipe, **extra):
    run_id = run_recipe(ctx, {"source": {"recipe": recipe}, "max_samples": 400, **extra}).run.run_id
    return run_status(ctx, {"run_id": run_id, "wait_seconds": 60}).run


@pytest.fixture
def two_runs(ctx, small_recipe):
    a = _finish(ctx, small_recipe)
    stricter = {**small_recipe, "export_path": "outputs/strict/out.jsonl",
                "process": [{"clean_email_mapper": {}}, {"text_length_filter": {"min_len": 800}},
                            {"document_deduplicator": {"lowercase": True}}, {"words_num_filter": {"min_num": 50}}]}
    b = _finish(ctx, stricter)
    assert a.status == b.status == "ok"
    return a, b


def test_compare_two_runs_per_op_and_recipe(ctx, two_runs):
    a, b = two_runs
    res = compare_runs(ctx, {"a": a.run_id, "b": b.run_id})
    assert res.ok, res.error
    assert res.same_input and not res.same_recipe
    assert res.a.rows_in == res.b.rows_in == 400 and res.b.rows_out < res.a.rows_out
    ops = {d.name: d for d in res.ops}
    length = ops["text_length_filter"]
    assert length.b_kept_ratio < length.a_kept_ratio and length.kept_ratio_delta == pytest.approx(
        length.b_kept_ratio - length.a_kept_ratio, abs=1e-4)
    assert ops["words_num_filter"].a_kept_ratio is None and ops["words_num_filter"].b_kept_ratio is not None
    assert "-    min_len: 100" in res.recipe_diff and "+    min_len: 800" in res.recipe_diff
    assert res.differences[0].startswith("b keeps") and any("only in b" in d for d in res.differences)


def test_runs_are_found_by_path_and_by_engine_id(ctx, two_runs):
    a, b = two_runs
    engine_id = b.engine_run_id
    res = compare_runs(ctx, {"a": a.record_path, "b": engine_id})
    assert res.ok and res.b.run_id == engine_id
    folder = a.record_path.rsplit("/", 1)[0]
    assert compare_runs(ctx, {"a": folder, "b": a.run_id}).same_recipe


def test_explain_a_run_in_words(ctx, two_runs):
    a, _ = two_runs
    res = explain_run(ctx, {"run": a.run_id})
    assert res.ok and res.status == "ok"
    top = res.drops[0]
    assert top.dropped == max(d.dropped for d in res.drops)
    assert f"{top.name} dropped the most" in res.summary and "outputs/small/out.jsonl" in res.summary
    assert res.outputs == ["outputs/small/out.jsonl"] and "400 samples in" in res.facts[0]
    assert res.slowest


def test_explain_a_run_that_did_not_finish(ctx, small_recipe, slow_mapper):
    slow_mapper.delay = 0.5
    recipe = {**small_recipe, "process": [{"fake_slow_mapper": {}}]}
    run_id = run_recipe(ctx, {"source": {"recipe": recipe}, "confirmed": True}).run.run_id
    cancel_run(ctx, {"run_id": run_id, "wait_seconds": 30})
    res = explain_run(ctx, {"run": run_id})
    assert res.ok and res.status == "cancelled" and "resume=true" in res.summary
    other = _finish(ctx, small_recipe)
    cmp = compare_runs(ctx, {"a": run_id, "b": other.run_id})
    assert cmp.error.code == "run_state" and "cancelled" in cmp.error.message


def test_unknown_and_unreadable_runs(ctx, workspace):
    assert explain_run(ctx, {"run": "run-x"}).error.code == "unknown_run"
    assert explain_run(ctx, {"run": "../../etc"}).error.code == "path_outside_workspace"
    (workspace / "notes.json").write_text('{"hello": 1}')
    res = explain_run(ctx, {"run": "notes.json"})
    assert res.error.code == "unknown_run" and "not a readable run record" in res.error.message
