"""Recipe loading and validation: every mistake gets an error naming it and the way out."""

from __future__ import annotations

import warnings

import pytest

from recipe_copilot.engine.errors import GlobalKeyError, ParamError, RecipeSyntaxError, UnknownOpError
from recipe_copilot.engine.recipe import RecipeWarning, load_recipe, parse_overrides, recipe_from_mapping


def test_valid_recipe_inherits_text_key_and_skip_op_error():
    r = recipe_from_mapping({"text_keys": ["content", "title"], "skip_op_error": False,
                             "process": [{"text_length_filter": {"min_len": 3}}, "whitespace_normalization_mapper"]})
    assert r.text_key == "content"
    assert r.process[0].params.text_key == "content"
    assert r.process[0].params.skip_op_error is False
    assert r.process[0].params.min_len == 3
    assert r.process[1].name == "whitespace_normalization_mapper"


def test_op_level_text_key_wins_over_global():
    r = recipe_from_mapping({"text_keys": "content", "process": [{"text_length_filter": {"text_key": "title"}}]})
    assert r.process[0].params.text_key == "title"


def test_unknown_op_lists_closest():
    with pytest.raises(UnknownOpError, match=r"process\[0\].*did you mean.*text_length_filter|Did you mean: text_length_filter"):
        recipe_from_mapping({"process": [{"text_lenth_filter": {}}]})


def test_unknown_param_names_op_param_and_closest():
    with pytest.raises(ParamError) as exc:
        recipe_from_mapping({"process": [{"text_length_filter": {"min_lenn": 3}}]})
    msg = str(exc.value)
    assert "text_length_filter" in msg and "min_lenn" in msg and "min_len" in msg


def test_ill_typed_param_names_expected_type():
    with pytest.raises(ParamError) as exc:
        recipe_from_mapping({"process": [{"text_length_filter": {"min_len": "ten"}}]})
    msg = str(exc.value)
    assert "'min_len'" in msg and "'ten'" in msg and "expected int" in msg


def test_unknown_global_key_is_an_error_with_suggestion():
    with pytest.raises(GlobalKeyError, match=r"export_pth.*export_path"):
        recipe_from_mapping({"export_pth": "x.jsonl"})


def test_bad_global_value():
    with pytest.raises(GlobalKeyError, match="np"):
        recipe_from_mapping({"np": 0})


def test_ignored_dj_keys_warn():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = recipe_from_mapping({"use_cache": True, "open_monitor": False})
    assert {"use_cache", "open_monitor"} == set(r.ignored)
    assert sum(issubclass(w.category, RecipeWarning) for w in caught) == 2


def test_broken_yaml_reports_line(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("np: 2\nprocess:\n  - text_length_filter: {min_len: [\n")
    with pytest.raises(RecipeSyntaxError, match="line"):
        load_recipe(p)


def test_missing_recipe_file(tmp_path):
    with pytest.raises(RecipeSyntaxError, match="does not exist"):
        load_recipe(tmp_path / "nope.yaml")


def test_process_entry_shape_errors():
    with pytest.raises(RecipeSyntaxError, match="one key"):
        recipe_from_mapping({"process": [{"a": {}, "b": {}}]})
    with pytest.raises(RecipeSyntaxError, match="must be a list"):
        recipe_from_mapping({"process": {"text_length_filter": {}}})
    with pytest.raises(RecipeSyntaxError, match="must be a mapping"):
        recipe_from_mapping({"process": [{"text_length_filter": 5}]})


def test_overrides_parse_types_and_apply(tmp_path):
    assert parse_overrides(["--np", "4", "--open_tracer=true", "--export_path", "123"]) == {
        "np": 4, "open_tracer": True, "export_path": "123"}
    with pytest.raises(GlobalKeyError, match="needs a value"):
        parse_overrides(["--np"])
    p = tmp_path / "r.yaml"
    p.write_text("np: 2\nexport_path: a.jsonl\n")
    assert load_recipe(p, {"np": 3}).np == 3


def test_yaml_round_trip():
    r = recipe_from_mapping({"np": 3, "process": [{"text_length_filter": {"min_len": 7, "max_len": 99}}]})
    again = recipe_from_mapping(__import__("yaml").safe_load(r.to_yaml()))
    assert again.to_mapping() == r.to_mapping()
    assert again.fingerprint() == r.fingerprint()


def test_export_format():
    assert recipe_from_mapping({"export_path": "a/b.parquet"}).export_format == "parquet"
    assert recipe_from_mapping({"export_path": "a/b.json"}).export_format == "jsonl"
