"""suffix_filter keeps samples by the __dj__suffix__ field the reader adds."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

ROWS = [
    {"text": "a", "__dj__suffix__": ".txt"},
    {"text": "b", "__dj__suffix__": ".md"},
    {"text": "c", "__dj__suffix__": ".jsonl"},
    {"text": "d", "__dj__suffix__": ".jsonl.gz"},
]


def run(params: dict, rows: list[dict] = ROWS):
    return run_rows(rows, [{"suffix_filter": params}])


def test_keeps_listed_suffixes():
    out = run({"suffixes": [".txt", ".md"]})
    assert out.texts == ["a", "b"]
    assert all("__dj__stats__" not in r or not r["__dj__stats__"] for r in out.rows)  # writes no stat


def test_single_string_and_compound_suffix():
    assert run({"suffixes": ".jsonl"}).texts == ["c"]
    assert run({"suffixes": [".jsonl.gz"]}).texts == ["d"]


def test_suffix_is_compared_exactly_as_data_juicer_does():
    assert run({"suffixes": ["txt", ".TXT"]}).texts == []


def test_no_suffixes_keeps_all_even_without_the_field():
    assert run({}).texts == ["a", "b", "c", "d"]
    out = run({"suffixes": None}, [{"text": "x"}])
    assert out.texts == ["x"]
    assert out.errors == []


def test_reversed_range_keeps_the_other_suffixes():
    assert run({"suffixes": [".txt", ".md"], "reversed_range": True}).texts == ["c", "d"]


def test_reader_adds_the_file_suffix_where_missing():
    # run_rows reads from input.jsonl: rows without the field get ".jsonl", as in Data-Juicer
    out = run({"suffixes": [".txt"]}, [{"text": "a", "__dj__suffix__": ".txt"}, {"text": "b"}])
    assert out.texts == ["a"] and out.errors == []
    out = run({"suffixes": [".jsonl"]}, [{"text": "a", "__dj__suffix__": ".txt"}, {"text": "b"}])
    assert out.rows == [{"text": "b", "__dj__suffix__": ".jsonl"}]


def test_does_not_need_a_text_field():
    out = run({"suffixes": [".txt"]}, [{"content": 1, "__dj__suffix__": ".txt"}])
    assert [r["content"] for r in out.rows] == [1]
    assert out.errors == []


def test_bad_parameter_is_a_param_error():
    with pytest.raises(ParamError, match="suffixes"):
        run({"suffixes": 5})
