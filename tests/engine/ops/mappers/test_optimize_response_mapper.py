"""optimize_response_mapper against a local fake OpenAI server: the whole stripped answer is the response."""

from __future__ import annotations

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "optimize_response_mapper"
ROW = {"query": "旧问题", "response": "旧回答"}


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1, "max_retries": 0}
    return run_rows(rows, [{OP: {"is_hf_model": False, "model_params": mp, **params}}])


def test_whole_answer_is_the_new_response_even_with_a_pattern() -> None:
    with FakeOpenAIServer([" 【回答】\n更详细的回答 \n"]) as server:
        out = run(server, [ROW], output_pattern=r"【回答】(.*)")
        again = run(server, [ROW], output_pattern=r"【回答】(.*)")
        assert len(server.chat_requests) == 1  # the second run came from the cache
        system = server.chat_requests[0].messages[0]["content"]
    assert out.rows == again.rows == [{**ROW, "response": "【回答】\n更详细的回答"}]
    assert "回答" in system


def test_errors_and_blanks_use_up_try_num() -> None:
    with FakeOpenAIServer([FakeError(503), " ", FakeError(400, "too long"), "late"]) as server:
        out = run(server, [ROW])
        assert len(server.chat_requests) == 3
    assert out.rows == [ROW]


def test_missing_field_quarantines_the_sample() -> None:
    with FakeOpenAIServer(["x"]) as server:
        out = run(server, [{"query": "only a query"}])
        assert not server.chat_requests
    assert not out.rows and "response" in out.errors[0]["error"]


def test_local_model_flags_are_refused() -> None:
    with pytest.raises(ParamError, match=r"enable_vllm=true.*OpenAI-compatible endpoint"):
        run_rows([ROW], [{OP: {"is_hf_model": False, "enable_vllm": True}}])
