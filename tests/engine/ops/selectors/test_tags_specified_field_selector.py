"""tags_specified_field_selector keeps the samples whose field value is a target tag."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

TOPICS = ["sports", "news", "Sports", None, "tech", 1]
ROWS = [{"id": i, "meta": {"topic": t}} for i, t in enumerate(TOPICS)]


def ids(params: dict, rows: list[dict] = ROWS) -> list[int]:
    out = run_rows(rows, [{"tags_specified_field_selector": params}])
    return [r["id"] for r in out.rows]


def test_keeps_matching_tags_case_sensitively():
    assert ids({"field_key": "meta.topic", "target_tags": ["sports", "tech"]}) == [0, 4]


def test_kept_samples_stay_in_input_order_whatever_the_tag_order():
    rows = [{"id": i, "meta": {"topic": t}} for i, t in enumerate(["tech", "news", "sports", None, "tech", "Sports"])]
    # Data-Juicer 1.6.1 gives [0, 2, 4] here
    assert ids({"field_key": "meta.topic", "target_tags": ["sports", "tech"]}, rows) == [0, 2, 4]


def test_missing_value_and_numbers_do_not_match_string_tags():
    assert ids({"field_key": "meta.topic", "target_tags": ["1", "None"]}) == []


def test_no_field_key_or_one_sample_keeps_everything():
    assert ids({"target_tags": ["x"]}) == [0, 1, 2, 3, 4, 5]
    assert ids({"field_key": "meta.topic", "target_tags": ["x"]}, ROWS[:1]) == [0]


def test_list_value_fails_like_data_juicer():
    rows = [{"id": 0, "tags": ["a"]}, {"id": 1, "tags": "a"}]
    with pytest.raises(TypeError, match="expected str, number or None"):
        ids({"field_key": "tags", "target_tags": ["a"]}, rows)


def test_target_tags_is_required():
    with pytest.raises(ParamError, match="target_tags"):
        ids({"field_key": "meta.topic"})
    with pytest.raises(ParamError, match="target_tags"):
        ids({"field_key": "meta.topic", "target_tags": "sports"})


def test_output_order_is_input_order():
    op = get_op_class("tags_specified_field_selector").from_config(
        {"field_key": "meta.topic", "target_tags": ["tech", "sports"]}
    )
    assert op.output_order(op.keys_batch(SampleBatch.from_rows(ROWS))).tolist() == [0, 4]
