"""calibrate_response_mapper against a local fake OpenAI server: whole answer, or a custom pattern's last group."""

from __future__ import annotations

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "calibrate_response_mapper"
ROW = {"text": "参考", "query": "旧问题", "response": "旧回答"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows(rows, [{OP: {"model_params": mp, **params}}])


def test_whole_answer_is_the_new_response() -> None:
    with FakeOpenAIServer(["\n新回答，更详细。\n"]) as server:
        out = run(server, [ROW])
    assert out.rows[0] == {**ROW, "response": "新回答，更详细。"}


def test_default_pattern_is_not_applied() -> None:
    with FakeOpenAIServer(["【问题】q\n【回答】a"]) as server:
        out = run(server, [ROW])
    assert out.rows[0]["response"] == "【问题】q\n【回答】a"


def test_custom_pattern_takes_its_last_group_else_the_whole_answer() -> None:
    with FakeOpenAIServer(["Answer: (better) done", "no marker here"]) as server:
        out = run(server, [ROW, {**ROW, "query": "q2"}], output_pattern=r"(Answer):\s*\((\w+)\)")
    assert [r["response"] for r in out.rows] == ["better", "no marker here"]


def test_nested_groups_use_the_group_that_closed_last() -> None:
    # re's lastindex: the outer group closes after the inner one
    with FakeOpenAIServer(["Answer: (better) done"]) as server:
        out = run(server, [ROW], output_pattern=r"Answer:\s*(\((\w+)\))")
    assert out.rows[0]["response"] == "(better)"


def test_bad_pattern_is_a_param_error() -> None:
    with FakeOpenAIServer([]) as server, pytest.raises(ParamError, match="output_pattern"):
        run(server, [ROW], output_pattern="(")
