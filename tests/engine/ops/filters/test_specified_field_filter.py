"""specified_field_filter keeps samples whose field value is one of the targets."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

ROWS = [
    {"text": "a", "meta": {"lang": "en"}},
    {"text": "b", "meta": {"lang": "zh"}},
    {"text": "c", "meta": {"lang": "fr"}},
    {"text": "d", "meta": {"other": 1}},
    {"text": "e"},
]


def run(params: dict, rows: list[dict] = ROWS, before: list | None = None):
    return run_rows(rows, [*(before or []), {"specified_field_filter": params}])


def test_keeps_targets_and_copies_the_value_into_stats():
    out = run({"field_key": "meta.lang", "target_value": ["en", "zh"]})
    assert out.texts == ["a", "b"]
    assert out.stats("meta.lang") == ["en", "zh"]


def test_missing_field_reads_as_none():
    assert run({"field_key": "meta.lang", "target_value": ["en", None]}).texts == ["a", "d", "e"]


def test_list_value_is_kept_only_when_every_item_is_a_target():
    rows = [{"text": "a", "tags": ["x", "y"]}, {"text": "b", "tags": ["x", "z"]}, {"text": "c", "tags": []}]
    out = run({"field_key": "tags", "target_value": ["x", "y"]}, rows)
    assert out.texts == ["a", "c"]
    assert out.stats("tags") == [["x", "y"], []]


def test_values_compare_with_python_equality():
    rows = [{"text": "a", "n": 1.0}, {"text": "b", "n": 2}, {"text": "c", "n": {"k": 1}}]
    assert run({"field_key": "n", "target_value": [1, {"k": 1}]}, rows).texts == ["a", "c"]


def test_reversed_range_keeps_the_others():
    assert run({"field_key": "meta.lang", "target_value": ["en"], "reversed_range": True}).texts == ["b", "c", "d", "e"]


def test_no_targets_keeps_everything():
    out = run({"field_key": "meta.lang"})
    assert out.texts == ["a", "b", "c", "d", "e"]
    assert out.errors == []


def test_empty_field_key_drops_every_sample_as_data_juicer_does():
    out = run({"target_value": ["en"]})
    assert out.texts == []
    assert len(out.errors) == 5
    assert "field_key is empty" in out.errors[0]["error"]


def test_an_existing_stat_is_used_instead_of_the_field():
    rows = [{"text": "a", "meta": {"lang": "fr"}, "__dj__stats__": {"meta.lang": "en"}}, {"text": "b", "meta": {"lang": "fr"}}]
    assert run({"field_key": "meta.lang", "target_value": ["en"]}, rows).texts == ["a"]


def test_reads_stats_of_an_earlier_filter():
    rows = [{"text": "hello"}, {"text": "hi"}]
    out = run({"field_key": "__dj__stats__.text_len", "target_value": [2]}, rows, [{"text_length_filter": {"min_len": 0}}])
    assert out.texts == ["hi"]
    assert out.stats("__dj__stats__.text_len") == [2]


def test_does_not_need_a_text_field():
    out = run({"field_key": "lang", "target_value": ["en"]}, [{"lang": "en"}, {"lang": "de"}])
    assert [r["lang"] for r in out.rows] == ["en"]
    assert out.errors == []


def test_bad_parameter_is_a_param_error():
    with pytest.raises(ParamError, match="target_value"):
        run({"field_key": "meta.lang", "target_value": "en"})
