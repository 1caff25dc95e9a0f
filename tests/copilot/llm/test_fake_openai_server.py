"""ChatOpenAI against the scripted fake server: plain answers, tool calls, streaming, bad replies, errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from recipe_copilot.copilot.llm import FakeError, FakeOpenAIServer, FakeReply, FakeToolCall, RecordedRequest


@tool
def search_ops(query: str, k: int = 3) -> str:
    """Find ops whose description matches the query."""
    return "document_minhash_deduplicator"


def _stream(model, prompt) -> AIMessageChunk:
    chunks = list(model.stream(prompt))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    total.response_metadata["n_chunks"] = len(chunks)
    return total


def test_plain_answer_and_recorded_request() -> None:
    with FakeOpenAIServer(["Use the MinHash deduplicator."], api_key="sk-test") as server:
        reply = server.chat_model(temperature=0).invoke("How do I drop near-duplicates?")
        assert reply.content == "Use the MinHash deduplicator."
        assert reply.response_metadata["finish_reason"] == "stop"
        assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] == 4
        (request,) = server.chat_requests
        assert request.headers["authorization"] == "Bearer sk-test"
        assert request.body is not None and request.body["model"] == "fake-model" and request.body["temperature"] == 0
        assert request.messages == [{"role": "user", "content": "How do I drop near-duplicates?"}]
        assert not request.stream and server.remaining == 0


def test_tool_call_round_trip() -> None:
    script = [FakeReply(tool_calls=[FakeToolCall("search_ops", {"query": "near duplicates"}, id="call_a")]),
              "document_minhash_deduplicator removes near-duplicates."]
    with FakeOpenAIServer(script) as server:
        model = server.chat_model().bind_tools([search_ops])
        first = model.invoke("Which op removes near-duplicates?")
        assert first.tool_calls == [{"name": "search_ops", "args": {"query": "near duplicates"}, "id": "call_a",
                                     "type": "tool_call"}]
        result = search_ops.invoke(first.tool_calls[0]["args"])
        history = [HumanMessage("Which op removes near-duplicates?"), first,
                   ToolMessage(result, tool_call_id="call_a")]
        second = model.invoke(history)
        assert second.content.startswith("document_minhash_deduplicator")

        offered, answered = server.chat_requests
        assert offered.tool_names == ["search_ops"]
        params = offered.tools[0]["function"]["parameters"]
        assert params["required"] == ["query"] and params["properties"]["k"]["type"] == "integer"
        assert offered.tools[0]["function"]["description"] == "Find ops whose description matches the query."
        roles = [m["role"] for m in answered.messages]
        assert roles == ["user", "assistant", "tool"]
        assert answered.messages[1]["tool_calls"][0]["function"] == {"name": "search_ops",
                                                                    "arguments": '{"query": "near duplicates"}'}
        assert answered.messages[2] == {"role": "tool", "content": "document_minhash_deduplicator",
                                        "tool_call_id": "call_a"}


def test_streaming_text_and_tool_call_deltas() -> None:
    script = [FakeReply(content="Let me look that up for you.", chunk_size=5),
              FakeReply(content="Searching.", tool_calls=[FakeToolCall("search_ops", {"query": "dedup", "k": 2}),
                                                          FakeToolCall("search_ops", {"query": "language"})],
                        chunk_size=4)]
    with FakeOpenAIServer(script) as server:
        model = server.chat_model(streaming=True, stream_usage=True)
        text = _stream(model, "hi")
        assert text.content == "Let me look that up for you."
        assert text.response_metadata["n_chunks"] > 5  # it really came in pieces
        assert text.usage_metadata is not None and text.usage_metadata["input_tokens"] == 1

        calls = _stream(model.bind_tools([search_ops]), "find dedup and language ops")
        assert calls.content == "Searching."
        assert [c["args"] for c in calls.tool_calls] == [{"query": "dedup", "k": 2}, {"query": "language"}]
        assert calls.response_metadata["finish_reason"] == "tool_calls"
        assert all(r.stream for r in server.chat_requests)
        assert server.chat_requests[0].body["stream_options"] == {"include_usage": True}  # type: ignore[index]


def test_raw_sse_format() -> None:
    with FakeOpenAIServer([FakeReply(content="ab", tool_calls=[FakeToolCall("t", "{}", id="c1")], chunk_size=1)]) as s:
        req = urllib.request.Request(f"{s.base_url}/chat/completions", method="POST",
                                     data=json.dumps({"model": "m", "stream": True, "messages": []}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.headers["Content-Type"] == "text/event-stream"
            body = resp.read().decode()
    events = body.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    payloads = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    deltas = [p["choices"][0]["delta"] for p in payloads]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert [d.get("content") for d in deltas[1:3]] == ["a", "b"]
    assert deltas[3]["tool_calls"][0] == {"index": 0, "id": "c1", "type": "function",
                                          "function": {"name": "t", "arguments": ""}}
    assert "".join(d["tool_calls"][0]["function"]["arguments"] for d in deltas[4:-1]) == "{}"
    assert payloads[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert all(p["object"] == "chat.completion.chunk" for p in payloads)


@pytest.mark.parametrize("streaming", [False, True])
def test_malformed_tool_arguments_are_survivable(streaming: bool) -> None:
    script = [FakeReply(tool_calls=[FakeToolCall("search_ops", '{"query": dedup}')])]
    with FakeOpenAIServer(script) as server:
        model = server.chat_model(streaming=streaming).bind_tools([search_ops])
        reply = _stream(model, "go") if streaming else model.invoke("go")
    assert reply.tool_calls == []
    (bad,) = reply.invalid_tool_calls
    assert bad["name"] == "search_ops" and bad["args"] == '{"query": dedup}'


def test_script_function_sees_each_request() -> None:
    def script(request: RecordedRequest) -> str | FakeReply:
        last = request.messages[-1]
        if last["role"] == "tool":
            return f"the tool said {last['content']}"
        return FakeReply(tool_calls=[FakeToolCall("search_ops", {"query": last["content"]})])

    with FakeOpenAIServer(script) as server:
        model = server.chat_model().bind_tools([search_ops])
        first = model.invoke("dedup")
        second = model.invoke([HumanMessage("dedup"), first, ToolMessage("minhash", tool_call_id=first.tool_calls[0]["id"])])
        assert second.content == "the tool said minhash" and server.remaining is None
        assert isinstance(first, AIMessage) and first.tool_calls[0]["args"] == {"query": "dedup"}


def test_models_listing_errors_and_exhausted_script() -> None:
    import openai

    with FakeOpenAIServer([FakeError(429, "slow down", "rate_limit_error")], model="tiny", api_key="k") as server:
        with urllib.request.urlopen(urllib.request.Request(f"{server.base_url}/models",
                                                           headers={"Authorization": "Bearer k"}), timeout=5) as r:
            assert [m["id"] for m in json.load(r)["data"]] == ["tiny"]
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{server.base_url}/models", timeout=5)
        assert info.value.code == 401
        model = server.chat_model()
        with pytest.raises(openai.RateLimitError, match="slow down"):
            model.invoke("hi")
        with pytest.raises(openai.InternalServerError, match="script exhausted"):
            model.invoke("hi again")
        assert len(server.chat_requests) == 2


def test_stopped_server_frees_its_port() -> None:
    server = FakeOpenAIServer(["x"]).start()
    url = server.base_url
    server.stop()
    server.stop()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/models", timeout=2)


def test_async_clients_and_concurrent_requests() -> None:
    import asyncio

    async def main(server: FakeOpenAIServer) -> tuple[list[str], str]:
        model = server.chat_model()
        answers = await asyncio.gather(*(model.ainvoke(f"q{i}") for i in range(4)))
        streamed = "".join([str(c.content) async for c in server.chat_model(streaming=True).astream("go")])
        return [str(a.content) for a in answers], streamed

    with FakeOpenAIServer(lambda request: f"echo {request.messages[-1]['content']}") as server:
        answers, streamed = asyncio.run(main(server))
    assert sorted(answers) == ["echo q0", "echo q1", "echo q2", "echo q3"] and streamed == "echo go"


def test_latency_delays_each_reply_and_concurrent_requests_wait_together() -> None:
    import time
    from concurrent.futures import ThreadPoolExecutor

    def ask(url: str, text: str) -> str:
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
        request = urllib.request.Request(f"{url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)["choices"][0]["message"]["content"]

    with FakeOpenAIServer(lambda request: f"echo {request.messages[-1]['content']}", latency=0.3) as server:
        start = time.perf_counter()
        assert ask(server.base_url, "one") == "echo one"
        assert time.perf_counter() - start >= 0.3
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda t: ask(server.base_url, t), ["a", "b"]))
        both = time.perf_counter() - start
    assert answers == ["echo a", "echo b"] and 0.3 <= both < 0.58  # one after the other would take 0.6
