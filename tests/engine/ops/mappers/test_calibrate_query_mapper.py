"""calibrate_query_mapper against a local fake OpenAI server: the whole stripped answer is the query."""

from __future__ import annotations

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer
from recipe_copilot.engine.testing import run_rows

OP = "calibrate_query_mapper"
ROW = {"text": "参考", "query": "旧问题", "response": "旧回答"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows(rows, [{OP: {"model_params": mp, **params}}])


def test_whole_answer_is_the_new_query() -> None:
    with FakeOpenAIServer(["  新问题：\n需要哪些条件？ \n"]) as server:
        out = run(server, [ROW])
        system = server.chat_requests[0].messages[0]["content"]
    assert out.rows[0] == {**ROW, "query": "新问题：\n需要哪些条件？"}
    assert "【问题】" in system


def test_blank_answers_are_asked_again_then_the_query_stays() -> None:
    with FakeOpenAIServer(["  ", "", "\n"]) as server:
        out = run(server, [ROW])
        assert len(server.chat_requests) == 3
    assert out.rows == [ROW]
