"""The HTTP API served by real uvicorn on a free localhost port, driven over HTTP (httpx and the openai client),
with the free agent scripted by the fake OpenAI server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import uvicorn
import yaml

from recipe_copilot.copilot.events import event_adapter
from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall
from recipe_copilot.copilot.serve import ServeError, bind
from recipe_copilot.copilot.serve.api import create_app, serve

TOKEN = "t0ken-for-tests"
RECIPE = {"dataset_path": "data/web.jsonl", "export_path": "outputs/web/web.jsonl", "np": 1,
          "process": [{"words_num_filter": {"min_num": 20}}, {"document_deduplicator": {}}]}
ANSWER = "Drops documents under 20 words (words_num_filter), then exact duplicates (document_deduplicator)."


def call(name: str, arguments: dict[str, Any]) -> FakeReply:
    return FakeReply(tool_calls=[FakeToolCall(name, arguments)])


def recipe_turn() -> list[Any]:
    """One agent turn: inspect, write the recipe, validate, dry-run, answer."""
    return [call("inspect_dataset", {"path": "data/web.jsonl", "n": 1}),
            call("edit_recipe", {"start_from": {"recipe": RECIPE}}),
            call("validate_recipe", {"source": {}}),
            call("dry_run", {"n": 300}),
            ANSWER]


@dataclass
class Api:
    url: str
    client: httpx.Client
    service: Any
    llm: FakeOpenAIServer


@pytest.fixture
def start_api(make_service):
    """``start_api(script)``: the API over a service scripted by ``script``, served by uvicorn in a thread."""
    stack = contextlib.ExitStack()

    def start(script: list[Any]) -> Api:
        llm = stack.enter_context(FakeOpenAIServer(script))
        service = make_service(llm.chat_model(), mode="agent")
        sock = bind("127.0.0.1", 0)
        server = uvicorn.Server(uvicorn.Config(create_app(service, token=TOKEN), log_level="warning",
                                               timeout_graceful_shutdown=5))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()

        def stop() -> None:
            server.should_exit = True
            thread.join(10)
            sock.close()
            assert not thread.is_alive(), "uvicorn did not shut down"

        stack.callback(stop)
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        client = stack.enter_context(httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                                                  timeout=60))
        return Api(url, client, service, llm)

    with stack:
        yield start


def sse_data(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("text/event-stream")
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def new_session(api: Api, **body: Any) -> str:
    res = api.client.post("/api/sessions", json=body)
    assert res.status_code == 201, res.text
    return res.json()["id"]


def test_token_is_required_except_for_health_and_docs(start_api):
    api = start_api([])
    with httpx.Client(base_url=api.url) as anonymous:
        assert anonymous.get("/health").json()["status"] == "ok"
        assert anonymous.get("/openapi.json").status_code == 200
        missing = anonymous.get("/api/sessions")
        wrong = anonymous.get("/api/sessions", headers={"Authorization": "Bearer nope"})
        v1 = anonymous.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert missing.status_code == wrong.status_code == v1.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized" and "missing" in missing.json()["error"]["message"]
    assert "wrong" in wrong.json()["error"]["message"] and "COPILOT_API_TOKEN" in wrong.json()["error"]["hint"]
    ok = api.client.get("/api/sessions")
    assert ok.status_code == 200 and ok.json() == []
    assert api.llm.chat_requests == []


def test_streamed_turn_then_the_recipe_as_yaml(start_api, workspace):
    api = start_api(recipe_turn())
    sid = new_session(api, dataset="data/web.jsonl", title="clean web")
    with api.client.stream("POST", f"/api/sessions/{sid}/messages", headers={"Accept": "text/event-stream"},
                           json={"message": "drop short docs and duplicates"}) as res:
        assert res.status_code == 200
        events = [event_adapter().validate_json(data) for data in sse_data(res)]
    kinds = [e.type for e in events]
    assert {"recipe_updated", "dry_run_done"} <= set(kinds) and kinds[-1] == "final_answer"
    assert all(e.session_id == sid for e in events)
    assert events[-1].text == ANSWER and events[-1].needs_confirmation
    dry = next(e for e in events if e.type == "dry_run_done")
    assert dry.rows_in == 300 and [o.name for o in dry.ops] == ["words_num_filter", "document_deduplicator"]

    as_yaml = api.client.get(f"/api/sessions/{sid}/recipe", params={"format": "yaml"})
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text)["process"] == RECIPE["process"]
    assert api.client.get(f"/api/sessions/{sid}/recipe").json()["recipe"]["process"] == RECIPE["process"]
    detail = api.client.get(f"/api/sessions/{sid}").json()
    assert detail["dataset"] == "data/web.jsonl" and detail["has_recipe"]
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [
        ("user", "drop short docs and duplicates"), ("assistant", ANSWER)]
    assert [s["id"] for s in api.client.get("/api/sessions").json()] == [sid]


def test_a_confirmed_run_finishes_and_matches_its_run_record(start_api, workspace):
    api = start_api(recipe_turn())
    sid = new_session(api)
    turn = api.client.post(f"/api/sessions/{sid}/messages", json={"message": "clean it", "data": "data/web.jsonl"})
    body = turn.json()
    assert turn.status_code == 200 and body["answer"] == ANSWER and body["needs_confirmation"]
    assert body["error"] is None and body["events"][-1]["type"] == "final_answer"

    refused = api.client.post(f"/api/sessions/{sid}/runs", json={"max_samples": 10})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "needs_confirmation"
    assert "confirm" in refused.json()["error"]["hint"]
    assert api.client.get(f"/api/sessions/{sid}/runs").json() == []

    started = api.client.post(f"/api/sessions/{sid}/runs", json={"confirm": True})
    assert started.status_code == 202, started.text
    run_id = started.json()["run"]["run_id"]
    with api.client.stream("GET", f"/api/runs/{run_id}/progress") as progress:
        states = [json.loads(data)["run"] for data in sse_data(progress)]
    state = states[-1]
    assert state["status"] == "ok" and all(s["status"] == "running" for s in states[:-1]), states
    assert [s["progress"] for s in states] == sorted(s["progress"] for s in states) and state["progress"] == 1.0
    assert state == api.client.get(f"/api/runs/{run_id}").json()["run"]
    assert api.client.get("/api/runs/run-nope/progress").status_code == 404
    record = json.loads((Path(workspace) / state["record_path"]).read_text())
    assert (state["rows_in"], state["rows_out"]) == (record["rows_in"], record["rows_out"])
    assert 0 < record["rows_out"] < record["rows_in"]
    assert [(r["run_id"], r["status"]) for r in api.client.get(f"/api/sessions/{sid}/runs").json()] == [(run_id, "ok")]
    assert f"{record['rows_out']} out" in api.client.get(f"/api/runs/{run_id}/explanation").json()["summary"]
    late = api.client.post(f"/api/runs/{run_id}/cancel")
    assert late.status_code == 409 and late.json()["error"]["code"] == "run_state"


def test_paths_outside_the_workspace_and_unknown_things_are_clear_4xx(start_api):
    api = start_api([])
    outside = api.client.post("/api/sessions", json={"dataset": "../elsewhere/web.jsonl"})
    assert outside.status_code == 403
    error = outside.json()["error"]
    assert error["code"] == "path_outside_workspace" and "../elsewhere/web.jsonl" in error["message"]
    assert "inside the workspace" in error["hint"]
    sid = new_session(api)
    for body in ({"message": "hi", "data": "/etc/passwd"}, {"message": "hi", "recipe": "../r.yaml"}):
        res = api.client.post(f"/api/sessions/{sid}/messages", json=body)
        assert res.status_code == 403 and res.json()["error"]["code"] == "path_outside_workspace"
    missing = api.client.post(f"/api/sessions/{sid}/messages", json={"message": "hi", "data": "data/nope.jsonl"})
    assert missing.status_code == 404 and "data/nope.jsonl" in missing.json()["error"]["message"]
    assert api.client.post(f"/api/sessions/{sid}/messages", json={"message": ""}).status_code == 422

    for method, path in (("GET", "/api/sessions/s-nope"), ("GET", "/api/sessions/s-nope/recipe"),
                         ("POST", "/api/sessions/s-nope/runs")):
        res = api.client.request(method, path, json={})
        assert res.status_code == 404 and res.json()["error"]["code"] == "unknown_session", path
    res = api.client.post("/api/sessions/s-nope/messages", json={"message": "hi"})
    assert res.status_code == 404 and "s-nope" in res.json()["error"]["message"]
    assert api.client.get(f"/api/sessions/{sid}/recipe").json()["error"]["code"] == "no_recipe"
    assert api.client.get("/api/runs/run-nope").json()["error"]["code"] == "unknown_run"
    assert api.llm.chat_requests == []


def test_ops_list_search_and_get(start_api):
    api = start_api([])
    every = api.client.get("/api/ops").json()["ops"]
    assert len(every) > 20 and {"text_length_filter", "document_deduplicator"} <= {o["name"] for o in every}
    found = api.client.get("/api/ops", params={"q": "drop short documents by length", "type": "filter", "k": 3})
    assert found.status_code == 200 and 0 < len(found.json()["ops"]) <= 3
    assert all(o["type"] == "filter" and o["score"] is not None for o in found.json()["ops"])
    op = api.client.get("/api/ops/text_length_filter").json()["op"]
    assert "min_len" in [p["name"] for p in op["params"]]
    unknown = api.client.get("/api/ops/text_lenght_filter")
    assert unknown.status_code == 404 and "text_length_filter" in unknown.text


def test_chat_completions_json_and_streamed(start_api):
    api = start_api(["Hello, I clean datasets.", "Give me a dataset path."])
    first = api.client.post("/v1/chat/completions", json={
        "model": "recipe-copilot", "temperature": 0,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "what can you do?"}]})
    assert first.status_code == 200, first.text
    sid = first.headers["x-copilot-session"]
    body = first.json()
    assert body["object"] == "chat.completion" and body["model"] == "recipe-copilot"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hello, I clean datasets."}

    with api.client.stream("POST", "/v1/chat/completions", headers={"X-Copilot-Session": sid}, json={
            "model": "recipe-copilot", "stream": True,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "clean my data"}]}]}) as res:
        assert res.headers["x-copilot-session"] == sid
        data = sse_data(res)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Give me a dataset path."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    messages = api.service.store.messages(sid)
    assert [m.content for m in messages if m.role == "user"] == ["what can you do?", "clean my data"]
    assert api.llm.chat_requests[1].messages[-1] == {"role": "user", "content": "clean my data"}

    for bad in ({"messages": []}, {"messages": [{"role": "system", "content": "x"}]}, {"messages": "hi"}):
        res = api.client.post("/v1/chat/completions", json=bad)
        assert res.status_code == 400 and res.json()["error"]["type"] == "invalid_request_error", bad
    unknown = api.client.post("/v1/chat/completions", headers={"X-Copilot-Session": "s-nope"},
                              json={"messages": [{"role": "user", "content": "hi"}]})
    assert unknown.status_code == 404


def test_the_openai_client_uses_the_copilot_as_a_model(start_api):
    api = start_api(["First answer.", "Streamed answer, in pieces."])
    with (openai.OpenAI(base_url=f"{api.url}/v1", api_key=TOKEN, max_retries=0) as client,
          openai.OpenAI(base_url=f"{api.url}/v1", api_key="wrong", max_retries=0) as stranger):
        assert [m.id for m in client.models.list()] == ["recipe-copilot"]
        raw = client.chat.completions.with_raw_response.create(
            model="recipe-copilot", messages=[{"role": "user", "content": "hello"}])
        sid = raw.headers["x-copilot-session"]
        assert raw.parse().choices[0].message.content == "First answer."
        stream = client.chat.completions.create(model="recipe-copilot", stream=True, user=sid,
                                                messages=[{"role": "user", "content": "and now?"}])
        assert "".join(c.choices[0].delta.content or "" for c in stream) == "Streamed answer, in pieces."
        assert len(api.service.store.messages(sid)) == 4 and len(api.service.store.list()) == 1
        with pytest.raises(openai.AuthenticationError):
            stranger.models.list()
        with pytest.raises(openai.BadRequestError, match="no user message"):
            client.chat.completions.create(model="recipe-copilot", messages=[{"role": "assistant", "content": "x"}])


def test_the_openapi_schema_lists_the_routes(start_api):
    api = start_api([])
    schema = httpx.get(f"{api.url}/openapi.json").json()
    assert {"/health", "/api/sessions", "/api/sessions/{sid}", "/api/sessions/{sid}/messages",
            "/api/sessions/{sid}/recipe", "/api/sessions/{sid}/runs", "/api/runs/{run_id}",
            "/api/runs/{run_id}/cancel", "/api/ops", "/api/ops/{name}", "/v1/chat/completions",
            "/v1/models"} <= set(schema["paths"])
    post = schema["paths"]["/api/sessions/{sid}/messages"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MessageRequest")
    assert "text/event-stream" in post["responses"]["200"]["content"]
    assert {"confirm", "data", "recipe", "message"} <= set(schema["components"]["schemas"]["MessageRequest"]["properties"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_serve_refuses_an_open_non_loopback_host_and_a_busy_port(make_service):
    service = make_service(None, mode="agent")
    with pytest.raises(ServeError, match="COPILOT_API_TOKEN or pass --token"):
        serve(service, host="0.0.0.0", port=0, token=None)
    with bind("127.0.0.1", 0) as taken, pytest.raises(ServeError, match="--port"):
        serve(service, host="127.0.0.1", port=taken.getsockname()[1], token=None)


def test_a_client_hanging_up_mid_stream_does_not_block_the_next_turn(start_api):
    def reply(request) -> str:
        last = [m["content"] for m in request.messages if m["role"] == "user"][-1]
        if last == "slow one":
            time.sleep(0.3)  # the client hangs up while the model is still answering
            return "one"
        return "two"

    api = start_api(reply)
    sid = new_session(api)
    with api.client.stream("POST", f"/api/sessions/{sid}/messages", json={"message": "slow one", "stream": True}) as res:
        first = next(line for line in res.iter_lines() if line.startswith("data: "))
    assert event_adapter().validate_json(first.removeprefix("data: ")).type == "step_started"
    again = api.client.post(f"/api/sessions/{sid}/messages", json={"message": "next"}, timeout=10)
    assert again.status_code == 200 and again.json()["answer"] == "two"
