"""calibrate_qa_mapper against a local fake OpenAI server: the request layout and DJ's answer parsing."""

from __future__ import annotations

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer
from recipe_copilot.engine.testing import run_rows

OP = "calibrate_qa_mapper"
ROW = {"text": "光合作用是植物利用光能把二氧化碳和水合成有机物的过程。", "query": "光合作用?", "response": "合成东西"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows(rows, [{OP: {"model_params": mp, **params}}])


def test_pair_is_replaced_and_request_has_the_layout() -> None:
    with FakeOpenAIServer(["【问题】\n 什么是光合作用？ \n【回答】\n植物用光能合成有机物的过程。"]) as server:
        out = run(server, [ROW])
        messages = server.chat_requests[0].messages
    assert out.rows[0]["query"] == "什么是光合作用？"
    assert out.rows[0]["response"] == "植物用光能合成有机物的过程。"
    assert out.rows[0]["text"] == ROW["text"]
    assert messages[1]["content"] == f"【参考信息】\n{ROW['text']}\n【问题】\n光合作用?\n【回答】\n合成东西"
    assert "【问题】" in messages[0]["content"] and "【回答】" in messages[0]["content"]


def test_answer_is_matched_at_its_start_without_dotall() -> None:
    # the question must sit on one line; the response is the first line after its marker
    script = ["好的：【问题】q\n【回答】a", "【问题】q1\nq2\n【回答】a", "【问题】 新问题 【回答】第一行\n第二行"]
    with FakeOpenAIServer(script) as server:
        out = run(server, [ROW])
        assert len(server.chat_requests) == 3
    assert (out.rows[0]["query"], out.rows[0]["response"]) == ("新问题", "第一行")


def test_no_usable_answer_leaves_the_sample() -> None:
    with FakeOpenAIServer(["随便说说", FakeError(500), "还是不对"]) as server:
        out = run(server, [ROW], model_params={"base_url": server.base_url, "max_retries": 0})
        assert len(server.chat_requests) == 3
    assert out.rows == [ROW]


def test_empty_part_keeps_the_old_value_and_custom_keys() -> None:
    row = {"text": "ref", "q": "old q", "a": "old a"}
    with FakeOpenAIServer(["【问题】\n【回答】new a"]) as server:
        out = run(server, [row], query_key="q", response_key="a")
    assert out.rows[0] == {"text": "ref", "q": "old q", "a": "new a"}


def test_cached_rerun_sends_nothing() -> None:
    with FakeOpenAIServer(["【问题】q\n【回答】a"]) as server:
        first = run(server, [ROW])
        second = run(server, [ROW])
        assert len(server.chat_requests) == 1
    assert first.rows == second.rows
