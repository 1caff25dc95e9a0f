"""general_field_filter keeps samples for which a condition over their fields holds."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

NUMS = [{"text": "sample1", "num": 5}, {"text": "sample2", "num": 15}, {"text": "sample3", "num": 25}]
FLAGS = [
    {"text": "sample1", "num": 5, "flag": True},
    {"text": "sample2", "num": 15, "flag": False},
    {"text": "sample3", "num": 25, "flag": True},
    {"text": "sample4", "num": 30, "flag": False},
]


def run(condition: str, rows: list[dict], before: list | None = None):
    return run_rows(rows, [*(before or []), {"general_field_filter": {"filter_condition": condition}}])


def test_chained_comparison_writes_the_result_stat():
    out = run("10 < num < 20", NUMS)
    assert out.texts == ["sample2"]
    assert out.stats("general_field_filter_condition") == [True]


def test_and_or_not():
    assert run("num < 10 and flag == True", FLAGS).texts == ["sample1"]
    assert run("num < 10 or num > 20", NUMS).texts == ["sample1", "sample3"]
    assert run("(num < 10 or num > 20) and flag == True and text!='sample3'", FLAGS).texts == ["sample1"]
    assert run("not flag", FLAGS).texts == ["sample2", "sample4"]


def test_missing_field_fails_the_comparison():
    rows = [{"text": "sample1", "num": 5}, {"text": "sample2"}, {"text": "sample3", "num": 25}]
    assert run("num <= 5", rows).texts == ["sample1"]
    assert run("num not in [25]", rows).texts == ["sample1", "sample2"]


def test_nested_fields():
    rows = [{"text": f"s{i}", "__dj__meta__": {"a": i}, "meta": {"lang": lang}} for i, lang in enumerate(["en", "zh", "en"])]
    assert run("__dj__meta__.a == 1", rows).texts == ["s1"]
    assert run("meta.lang in ['en'] and __dj__meta__.a > 0", rows).texts == ["s2"]


def test_list_membership():
    rows = [{"text": "a", "tags": ["x"]}, {"text": "b", "tags": []}, {"text": "c", "tags": ["y", "x"]}]
    assert run("'x' in tags", rows).texts == ["a", "c"]


def test_bare_field_keeps_truthy_values_and_stores_them():
    rows = [{"text": "a", "num": 5}, {"text": "b", "num": 0}, {"text": "c"}]
    out = run("num", rows)
    assert out.texts == ["a"]
    assert out.stats("general_field_filter_condition") == [5]


def test_reads_stats_of_an_earlier_filter():
    rows = [{"text": "hello"}, {"text": "hi"}, {"text": "hey you"}]
    out = run("__dj__stats__.text_len >= 5", rows, [{"text_length_filter": {"min_len": 0}}])
    assert out.texts == ["hello", "hey you"]


def test_empty_condition_keeps_everything_without_a_stat():
    out = run("", NUMS)
    assert out.texts == ["sample1", "sample2", "sample3"]
    assert out.stats("general_field_filter_condition") == [None, None, None]


def test_sample_the_condition_cannot_evaluate_is_quarantined():
    rows = [{"text": "a", "num": 5}, {"text": "b", "num": None}]
    out = run("-num < 0", rows)
    assert out.texts == ["a"]
    assert len(out.errors) == 1
    assert out.errors[0]["sample"]["text"] == "b"


def test_does_not_need_a_text_field():
    out = run("num > 1", [{"num": 2}, {"num": 0}])
    assert [r["num"] for r in out.rows] == [2]
    assert out.errors == []


@pytest.mark.parametrize(
    ("condition", "named"),
    [("invalid syntax", "'syntax'"), ("num + 1 > 2", "'+'"), ("len(text) > 3", "len"), ("num is None", "'is'")],
)
def test_bad_condition_is_a_param_error_at_validation(condition, named):
    with pytest.raises(ParamError) as exc:
        run(condition, NUMS)
    assert "filter_condition" in str(exc.value)
    assert named in str(exc.value)
