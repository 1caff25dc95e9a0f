"""validate_recipe and edit_recipe: structured edits, a YAML diff, and a history that undo walks back."""

from __future__ import annotations

import pytest
import yaml

from recipe_copilot.tools import RecipeDraft, ToolContext, edit_recipe, validate_recipe
from recipe_copilot.tools.drafts import DraftStore


def _ops(res):
    return [next(iter(item)) for item in res.recipe["process"]]


# ---------------------------------------------------------------------- validate_recipe
def test_validate_gives_the_plan_and_the_inputs(ctx, small_recipe):
    res = validate_recipe(ctx, {"source": {"recipe": small_recipe}})
    assert res.ok, res.error
    assert res.ops == ["clean_email_mapper", "text_length_filter", "document_deduplicator"]
    assert "stage 1" in res.plan and "min_len=100" in res.plan
    assert res.input_files == ["data/web.jsonl"] and res.input_bytes > 3_000_000
    assert res.recipe["export_path"] == "outputs/small/out.jsonl"  # paths stay as the user wrote them


def test_validate_reads_yaml_files_in_the_workspace(ctx, workspace, small_recipe):
    (workspace / "r.yaml").write_text(yaml.safe_dump(small_recipe))
    assert validate_recipe(ctx, {"source": {"recipe_path": "r.yaml"}}).ok
    (workspace / "bad.yaml").write_text("process: [\n")
    res = validate_recipe(ctx, {"source": {"recipe_path": "bad.yaml"}})
    assert res.error.code == "recipe_syntax" and "line" in res.error.message


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"process": [{"text_length_fliter": {}}]}, "unknown_op", "text_length_filter"),
    ({"process": [{"text_length_filter": {"min_len": -1.5}}]}, "bad_param", "min_len"),
    ({"process": [{"text_length_filter": {"min_lenn": 3}}]}, "bad_param", "did you mean min_len"),
    ({"np": 0}, "bad_global_key", "np"),
    ({"dataset_path": "missing.jsonl"}, "not_found", "missing.jsonl"),
    ({"dataset_path": "../../x.jsonl"}, "path_outside_workspace", "x.jsonl"),
    ({"process": "text_length_filter"}, "recipe_syntax", "process"),
])
def test_validate_errors_name_the_bad_part(ctx, small_recipe, change, code, words):
    res = validate_recipe(ctx, {"source": {"recipe": {**small_recipe, **change}}})
    assert not res.ok and res.error.code == code, res.error
    assert words in res.error.message and res.error.hint


def test_without_data_checks_a_missing_dataset_is_fine(ctx, small_recipe):
    res = validate_recipe(ctx, {"source": {"recipe": {**small_recipe, "dataset_path": "later.jsonl"}},
                                "check_data": False})
    assert res.ok
    res = validate_recipe(ctx, {"source": {"recipe": {"process": []}}})
    assert res.ok and any("dataset_path" in w for w in res.warnings)


def test_a_source_is_exactly_one_thing(ctx, small_recipe):
    res = validate_recipe(ctx, {"source": {"recipe": small_recipe, "draft_id": "main"}})
    assert res.error.code == "bad_request" and "exactly one" in res.error.message


# ---------------------------------------------------------------------- edit_recipe
@pytest.fixture
def draft(ctx, small_recipe):
    res = edit_recipe(ctx, {"draft_id": "d", "start_from": {"recipe": small_recipe}})
    assert res.ok and res.version == 0
    return res


def test_each_kind_of_edit_with_a_diff(ctx, draft):
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [
        {"action": "add_op", "op": "clean_links_mapper", "position": 1},
        {"action": "set_param", "target": "text_length_filter", "param": "min_len", "value": 200},
        {"action": "move_op", "target": 3, "to": 0},
        {"action": "remove_op", "target": "clean_email_mapper"},
        {"action": "set_global", "key": "np", "value": 2},
    ]})
    assert res.ok, res.error
    assert _ops(res) == ["document_deduplicator", "clean_links_mapper", "text_length_filter"]
    assert res.recipe["np"] == 2 and res.version == 5
    assert "+    min_len: 200" in res.diff and "-- clean_email_mapper: {}" in res.diff
    assert res.diff.startswith("--- d@v0\n+++ d@v5")
    assert len(res.applied) == 5 and [v.version for v in res.history] == list(range(6))
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [
        {"action": "unset_param", "target": 2, "param": "min_len"}, {"action": "unset_global", "key": "np"}]})
    assert res.recipe["process"][2] == {"text_length_filter": {}} and "np" not in res.recipe


def test_undo_redo_and_revert_walk_the_history(ctx, draft):
    edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "set_param", "target": 1, "param": "min_len", "value": 5}]})
    edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "remove_op", "target": 0}]})
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "undo"}]})
    assert res.version == 1 and _ops(res)[0] == "clean_email_mapper" and "+- clean_email_mapper" in res.diff
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "undo"}]})
    assert res.version == 0 and res.recipe["process"][1] == {"text_length_filter": {"min_len": 100}}
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "redo", "steps": 2}]})
    assert res.version == 2 and len(_ops(res)) == 2
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "revert", "version": 0}]})
    assert res.version == 0
    # an edit after undo branches off; nothing is lost
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "set_global", "key": "np", "value": 3}]})
    assert res.version == 3 and res.history[-1].parent == 0 and len(res.history) == 4


def test_nothing_to_undo(ctx, draft):
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "undo"}]})
    assert res.error.code == "nothing_to_undo"
    assert edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "redo"}]}).error.code == "nothing_to_undo"
    assert edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "revert", "version": 9}]}).error.code == \
        "nothing_to_undo"


@pytest.mark.parametrize(("edit", "code", "words"), [
    ({"action": "add_op", "op": "remove_emails"}, "unknown_op", "remove_emails"),
    ({"action": "set_param", "target": "text_length_filter", "param": "min_len", "value": "long"}, "bad_param",
     "min_len"),
    ({"action": "set_param", "target": 7, "param": "x", "value": 1}, "bad_edit", "position 7"),
    ({"action": "remove_op", "target": "words_num_filter"}, "bad_edit", "0: clean_email_mapper"),
    ({"action": "unset_param", "target": 1, "param": "max_len"}, "bad_edit", "min_len"),
    ({"action": "add_op", "op": "clean_links_mapper", "position": 9}, "bad_edit", "0 to 3"),
    ({"action": "set_global", "key": "dataset_path", "value": "/etc/passwd"}, "path_outside_workspace", "/etc"),
    ({"action": "set_global", "key": "nump", "value": 2}, "bad_global_key", "np"),
])
def test_a_refused_edit_leaves_the_draft_unchanged(ctx, draft, edit, code, words):
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "set_global", "key": "np", "value": 2}, edit]})
    assert not res.ok and res.error.code == code, res.error
    assert words in res.error.message and "edit 1" in res.error.message and "unchanged" in res.error.message
    after = edit_recipe(ctx, {"draft_id": "d"})
    assert after.version == 0 and "np" not in after.recipe["process"] and after.recipe["np"] == 1


def test_ambiguous_names_need_a_position(ctx, draft):
    edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "add_op", "op": "text_length_filter"}]})
    res = edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "remove_op", "target": "text_length_filter"}]})
    assert res.error.code == "bad_edit" and res.error.details["positions"] == [1, 3]


def test_unknown_drafts_and_empty_starts(ctx):
    res = edit_recipe(ctx, {"draft_id": "nope", "edits": [{"action": "undo"}]})
    assert res.error.code == "unknown_draft" and "start_from" in res.error.hint
    res = edit_recipe(ctx, {"draft_id": "new", "start_from": {"recipe": {}},
                            "edits": [{"action": "add_op", "op": "text_length_filter", "params": {"min_len": 3}}]})
    assert res.ok and res.version == 1 and res.recipe == {"process": [{"text_length_filter": {"min_len": 3}}]}
    assert edit_recipe(ctx, {"draft_id": "../x", "start_from": {"recipe": {}}}).error.code == "bad_request"


def test_drafts_are_json_and_outlive_the_context(ctx, draft, workspace):
    edit_recipe(ctx, {"draft_id": "d", "edits": [{"action": "remove_op", "target": 2}]})
    assert (workspace / ".copilot" / "drafts" / "d.json").is_file()
    again = ToolContext.open(workspace)
    res = edit_recipe(again, {"draft_id": "d", "edits": [{"action": "undo"}]})
    assert res.ok and len(_ops(res)) == 3
    loaded = again.drafts.get("d")
    assert RecipeDraft.model_validate_json(loaded.model_dump_json()) == loaded
    memory = DraftStore()
    memory.put(loaded)
    assert memory.ids() == ["d"] and memory.get("d").recipe == loaded.recipe


def test_validated_drafts_feed_the_other_tools(ctx, draft):
    assert validate_recipe(ctx, {"source": {"draft_id": "d"}}).ok
    assert validate_recipe(ctx, {"source": {"draft_id": "zz"}}).error.code == "unknown_draft"


def test_validation_warns_when_an_llm_op_has_no_endpoint_or_model_here(ctx, small_recipe):
    def warnings_for(params):
        res = validate_recipe(ctx, {"source": {"recipe": {**small_recipe, "process": [{"llm_quality_score_filter": params}]}}})
        assert res.ok, res.error
        return res.warnings

    (no_endpoint,) = warnings_for({})
    assert "llm_quality_score_filter" in no_endpoint and "OPENAI_BASE_URL" in no_endpoint
    assert warnings_for({"model_params": {"base_url": "http://127.0.0.1:8000/v1"}}) == []
    (no_model,) = warnings_for({"is_hf_model": True, "api_or_hf_model": "no/such-model"})
    assert "local model 'no/such-model' not found" in no_model
