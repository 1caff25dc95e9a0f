"""optimize_qa_mapper against a local fake OpenAI server: API mode, request layout, DOTALL parsing, try_num."""

from __future__ import annotations

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "optimize_qa_mapper"
ROW = {"text": "not sent", "query": "光合作用?", "response": "合成东西"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1, **params.pop("model_params", {})}  # type: ignore[dict-item]
    return run_rows(rows, [{OP: {"is_hf_model": False, "model_params": mp, **params}}])


def test_pair_is_replaced_and_request_has_the_layout() -> None:
    with FakeOpenAIServer(["好的，优化如下。\n【问题】\n 什么是光合作用？\n需要什么？ \n【回答】\n植物用光能\n合成有机物。\n"]) as server:
        out = run(server, [ROW])
        (request,) = server.chat_requests
    assert out.rows[0] == {**ROW, "query": "什么是光合作用？\n需要什么？", "response": "植物用光能\n合成有机物。"}
    assert request.messages[1] == {"role": "user", "content": "以下是原始问答对：\n【问题】\n光合作用?\n【回答】\n合成东西"}
    assert "not sent" not in str(request.messages)
    assert "【问题】" in request.messages[0]["content"] and "【回答】" in request.messages[0]["content"]
    assert request.body["model"] == "Qwen/Qwen2.5-7B-Instruct"


def test_unparsed_answers_are_asked_again_up_to_try_num() -> None:
    script = ["no markers", FakeError(500), "【问题】\n【回答】只改回答"]
    with FakeOpenAIServer(script) as server:
        out = run(server, [ROW], model_params={"max_retries": 0})
        assert len(server.chat_requests) == 3
    assert out.rows[0] == {**ROW, "response": "只改回答"}  # an empty part keeps the old value
    other = {**ROW, "query": "另一个问题"}  # not in the cache
    with FakeOpenAIServer(["x", "y", "z", "【问题】q【回答】a"]) as server:
        out = run(server, [other], try_num=3)
        assert len(server.chat_requests) == 3 and server.remaining == 1
    assert out.rows == [other]


def test_custom_templates_pattern_and_cache() -> None:
    params = {"input_template": "PAIR<{}>", "qa_pair_template": "Q={} A={}", "output_pattern": r"Q:\s*(.*?)\s*\|A:(.*)",
              "sampling_params": {"temperature": 0.1}, "query_key": "q", "response_key": "a"}
    row = {"q": "old q", "a": "old a"}
    with FakeOpenAIServer(["Q: new\nq |A: new a "]) as server:
        first = run(server, [row], **params)
        second = run(server, [row], **params)
        assert len(server.chat_requests) == 1  # the second run came from the cache
        body = server.chat_requests[0].body
    assert first.rows == second.rows == [{"q": "new\nq", "a": "new a"}]
    assert body["messages"][1]["content"] == "PAIR<Q=old q A=old a>" and body["temperature"] == 0.1


def test_the_local_model_default_needs_the_model_and_vllm_is_refused() -> None:
    mp = {"model_params": {"base_url": "http://127.0.0.1:9/v1"}}
    with pytest.raises(ParamError, match=r"local model 'Qwen/Qwen2\.5-7B-Instruct' not found"):
        run_rows([ROW], [{OP: mp}])
    with pytest.raises(ParamError, match=r"enable_vllm=true"):
        run_rows([ROW], [{OP: {**mp, "is_hf_model": False, "enable_vllm": True}}])
    with pytest.raises(ParamError, match="output_pattern"):
        run_rows([ROW], [{OP: {**mp, "is_hf_model": False, "output_pattern": "("}}])
