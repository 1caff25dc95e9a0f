"""optimize_query_mapper against a local fake OpenAI server: the whole stripped answer is the query."""

from __future__ import annotations

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "optimize_query_mapper"
ROW = {"query": "旧问题", "response": "旧回答"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows(rows, [{OP: {"is_hf_model": False, "model_params": mp, **params}}])


def test_whole_answer_is_the_new_query_and_cached() -> None:
    with FakeOpenAIServer(["  【问题】新问题：\n需要哪些条件？ \n"]) as server:
        out = run(server, [ROW])
        again = run(server, [ROW])
        assert len(server.chat_requests) == 1
        messages = server.chat_requests[0].messages
    assert out.rows == again.rows == [{**ROW, "query": "【问题】新问题：\n需要哪些条件？"}]
    assert messages[1]["content"] == "以下是原始问答对：\n【问题】\n旧问题\n【回答】\n旧回答"
    assert "【问题】" in messages[0]["content"]


def test_blank_answers_are_asked_again_then_the_query_stays() -> None:
    with FakeOpenAIServer(["  ", "", "\n", "late"]) as server:
        out = run(server, [ROW])
        assert len(server.chat_requests) == 3
    assert out.rows == [ROW]
    other = {**ROW, "response": "另一个回答"}  # not in the cache
    with FakeOpenAIServer(["", "second"]) as server:
        out = run(server, [other], try_num=2)
        assert len(server.chat_requests) == 2
    assert out.rows == [{**other, "query": "second"}]


def test_the_local_model_default_needs_the_model() -> None:
    with pytest.raises(ParamError, match=r"local model 'Qwen/Qwen2\.5-7B-Instruct' not found"):
        run_rows([ROW], [{OP: {"model_params": {"base_url": "http://127.0.0.1:9/v1"}}}])
