"""llm_quality_score_filter against a local fake OpenAI server: parsing, bounds, retries, cache,
concurrency, and clear endpoint errors."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer, RecordedRequest
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.common.llm_api import LLMEndpointError
from recipe_copilot.engine.testing import run_rows

OP = "llm_quality_score_filter"
DIMS = ("accuracy", "grammar", "informativeness", "coherence")


def answer(*scores: int, **extra: object) -> str:
    """A model answer giving ``scores`` to the four dimensions, wrapped in chatter."""
    body = {"dimension_scores": dict(zip(DIMS, scores, strict=True)), **extra}
    return "Here is my assessment:\n```json\n" + json.dumps(body) + "\n```"


def mp(server: FakeOpenAIServer, **more: object) -> dict:
    """model_params for the fake server."""
    return {"base_url": server.base_url, **more}


def run(server: FakeOpenAIServer, texts: list[str], **params: object):
    args = {"model_params": mp(server, concurrency=1), **params}
    return run_rows([{"text": t} for t in texts], [{OP: args}])


def test_scores_are_the_mean_over_five_and_bounds_filter() -> None:
    with FakeOpenAIServer([answer(5, 4, 4, 3), answer(2, 2, 3, 1), answer(3, 2, 2, 3)]) as server:
        out = run(server, ["good", "bad", "edge"])
    # (5+4+4+3)/4/5 = 0.8; (2+2+3+1)/4/5 = 0.4 < 0.5 dropped; (3+2+2+3)/4/5 = 0.5 kept (closed bound)
    assert out.texts == ["good", "edge"]
    assert out.stats("llm_quality_score") == [0.8, 0.5]
    record = json.loads(out.stats("llm_quality_record")[0])
    assert record["dimension_scores"] == dict(zip(DIMS, (5, 4, 4, 3), strict=True))
    assert record["recommendation"] == []  # always present as a list
    assert out.stats("llm_quality_tags") == ["", ""]


def test_open_min_and_max_score() -> None:
    with FakeOpenAIServer([answer(3, 2, 2, 3), answer(5, 5, 5, 5), answer(4, 4, 4, 4)]) as server:
        out = run(server, ["a", "b", "c"], min_closed_interval=False, max_score=0.9)
    assert out.texts == ["c"]  # 0.5 is not > 0.5; 1.0 > 0.9; 0.8 in range


def test_reversed_range() -> None:
    with FakeOpenAIServer([answer(3, 2, 2, 3), answer(1, 1, 1, 1), answer(4, 4, 4, 4)]) as server:
        out = run(server, ["a", "b", "c"], reversed_range=True)
    # reversed keeps (-inf, 0.5] and [1.0, inf): the bounds flip to closed, as in Data-Juicer
    assert out.texts == ["a", "b"]


def test_request_carries_prompt_fields_model_and_sampling_params() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)]) as server:
        run_rows(
            [{"text": "body", "title": "T"}],
            [{OP: {"model_params": mp(server), "api_or_hf_model": "qwen2.5-7b",
                   "input_keys": ["title", "text", "absent"], "field_names": ["Title", "Text", "Nope"],
                   "sampling_params": {"temperature": 0.1}, "system_prompt": "judge it"}}],
        )
        req = server.chat_requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.body["model"] == "qwen2.5-7b"
    assert req.body["temperature"] == 0.1
    assert req.messages[0] == {"role": "system", "content": "judge it"}
    # the missing field is skipped, the others use the field template in input order
    assert req.messages[1]["content"] == "# Data\n'''\n**Title**\nT\n\n**Text**\nbody\n'''\n\n# Response\njson\n"


def test_default_prompt_asks_for_the_parsed_keys() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)]) as server:
        run(server, ["x"], preferred_output_lang="zh")
        system = server.chat_requests[0].messages[0]["content"]
    for key in (*DIMS, "dimension_scores", "recommendation"):
        assert key in system
    assert "简体中文" in system


def test_answer_without_json_is_asked_again_then_scores_zero() -> None:
    script = ["I cannot rate this.", "still no json", "{not json}"]
    with FakeOpenAIServer(script) as server:
        out = run(server, ["x"], min_score=0.0)
        assert len(server.chat_requests) == 3  # try_num answers
    assert out.stats("llm_quality_score") == [0.0]
    assert out.stats("llm_quality_record") == [""]


def test_malformed_then_good_answer_uses_the_good_one() -> None:
    bad_dim = json.dumps({"dimension_scores": {"accuracy": 5}})  # a dimension missing: asked again
    with FakeOpenAIServer(["no json", bad_dim, answer(4, 4, 4, 4)]) as server:
        out = run(server, ["x"])
        assert len(server.chat_requests) == 3
    assert out.stats("llm_quality_score") == [0.8]


def test_answer_without_dimension_scores_is_final_and_zero() -> None:
    with FakeOpenAIServer([json.dumps({"rationale": "meh", "recommendation": "discard"}), answer(5, 5, 5, 5)]) as server:
        out = run(server, ["x"], min_score=0.0)
        assert len(server.chat_requests) == 1  # a JSON object ends the tries
    assert out.stats("llm_quality_score") == [0.0]
    assert json.loads(out.stats("llm_quality_record")[0]) == {"rationale": "meh", "recommendation": ["discard"]}


def test_zero_score_is_dropped_by_default() -> None:
    with FakeOpenAIServer(["nothing useful"] * 3) as server:
        out = run(server, ["x"])
    assert out.texts == []


def test_server_error_is_retried() -> None:
    with FakeOpenAIServer([FakeError(500), FakeError(429, "slow down"), answer(5, 5, 5, 5)]) as server:
        out = run(server, ["x"])
        assert len(server.chat_requests) == 3
    assert out.stats("llm_quality_score") == [1.0]


def test_errors_past_the_retries_give_an_empty_answer_and_the_next_try() -> None:
    # max_retries=0: each 500 ends one try; the third try gets an answer
    with FakeOpenAIServer([FakeError(500), FakeError(503), answer(4, 4, 4, 4)]) as server:
        out = run(server, ["x"], model_params=mp(server, max_retries=0))
        assert len(server.chat_requests) == 3
    assert out.stats("llm_quality_score") == [0.8]


def test_cache_makes_a_rerun_send_nothing(tmp_path) -> None:
    script = ["no json", answer(5, 4, 4, 3), answer(1, 1, 1, 1)]
    with FakeOpenAIServer(script) as server:
        first = run(server, ["a", "b"], min_score=0.0)
        assert len(server.chat_requests) == 3
        second = run(server, ["a", "b"], min_score=0.0)
        assert len(server.chat_requests) == 3  # every answer, the retried one too, came from the cache
    assert first.stats("llm_quality_score") == second.stats("llm_quality_score") == [0.8, 0.2]


def test_cache_off_asks_again() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)] * 2) as server:
        for _ in range(2):
            run(server, ["a"], model_params=mp(server, cache=False))
        assert len(server.chat_requests) == 2


def test_concurrent_requests_keep_row_order() -> None:
    live, peak, lock = [0], [0], threading.Lock()

    def reply(request: RecordedRequest) -> str:
        n = int(request.messages[1]["content"].split("**Text**\n")[1].split("\n")[0])
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(0.005 * (8 - n % 8))  # early rows answer last
        with lock:
            live[0] -= 1
        return answer(*[n % 5 + 1] * 4)

    with FakeOpenAIServer(reply) as server:
        out = run(server, [str(n) for n in range(16)], min_score=0.0,
                  model_params=mp(server, concurrency=8))
    assert out.texts == [str(n) for n in range(16)]
    assert out.stats("llm_quality_score") == [(n % 5 + 1) / 5 for n in range(16)]
    assert peak[0] > 1


def test_unreachable_endpoint_stops_the_run_naming_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LLMEndpointError, match=rf"127\.0\.0\.1:{port}/v1/chat/completions is unreachable.*OPENAI_BASE_URL"):
        run_rows([{"text": "a"}, {"text": "b"}], [{OP: {"model_params": {"base_url": url}}}])


def test_wrong_key_stops_the_run_with_the_fix() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)], api_key="right") as server:
        with pytest.raises(LLMEndpointError, match=r"refused the request.*OPENAI_API_KEY"):
            run(server, ["a"], model_params=mp(server, api_key="wrong"))
        assert len(server.chat_requests) == 1  # no retries on 401


def test_env_base_url_and_key(monkeypatch) -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)], api_key="k1") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url + "/")
        monkeypatch.setenv("OPENAI_API_KEY", "k1")
        out = run_rows([{"text": "a"}], [OP])
        assert server.chat_requests[0].headers["authorization"] == "Bearer k1"
    assert out.stats("llm_quality_score") == [0.8]


def test_full_url_endpoint_and_response_path() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)]) as server:
        out = run_rows([{"text": "a"}], [{OP: {"api_endpoint": server.base_url + "/chat/completions",
                                              "response_path": "choices.0.message.content"}}])
    assert out.stats("llm_quality_score") == [0.8]


def test_no_endpoint_configured_is_a_param_error() -> None:
    with pytest.raises(ParamError, match="OPENAI_BASE_URL"):
        run_rows([{"text": "a"}], [OP])


def test_local_model_flags_are_refused() -> None:
    with pytest.raises(ParamError, match=r"enable_vllm.*OpenAI-compatible endpoint"):
        run_rows([{"text": "a"}], [{OP: {"enable_vllm": True, "model_params": {"base_url": "http://x/v1"}}}])


def test_bad_params() -> None:
    with pytest.raises(ParamError, match="input_keys"):
        run_rows([{"text": "a"}], [{OP: {"input_keys": ["text", "q"]}}])
    with pytest.raises(ParamError, match="try_num"):
        run_rows([{"text": "a"}], [{OP: {"try_num": 0}}])


def test_existing_score_is_reused() -> None:
    with FakeOpenAIServer([answer(5, 5, 5, 5)]) as server:
        rows = [{"text": "a", "__dj__stats__": {"llm_quality_score": 0.3}}, {"text": "b"}]
        out = run_rows(rows, [{OP: {"model_params": mp(server), "min_score": 0.0}}])
        assert len(server.chat_requests) == 1
    assert out.stats("llm_quality_score") == [0.3, 1.0]


def test_wrong_path_stops_the_run_naming_the_url() -> None:
    with FakeOpenAIServer([answer(4, 4, 4, 4)]) as server:
        with pytest.raises(LLMEndpointError, match=r"/v1/completions answered 404.*base URL"):
            run(server, ["a"], api_endpoint="/completions")
        assert len(server.chat_requests) == 0
