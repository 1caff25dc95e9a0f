"""structured(): validated answers, one retry that shows the model its mistake, typed failures, endpoint errors."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from recipe_copilot.copilot.llm import (
    FakeError,
    FakeOpenAIServer,
    FakeReply,
    FakeToolCall,
    ProviderError,
    StructuredOutputError,
    chat_model,
    structured,
)
from recipe_copilot.copilot.settings import LLMSettings


class Goal(BaseModel):
    """What the user wants done to the data."""

    task: Literal["pretraining", "sft", "multimodal"] = Field(description="The kind of training data wanted.")
    languages: list[str] = Field(max_length=3, description="ISO 639-1 codes of the languages to keep.")
    dedup: bool = Field(description="Whether near-duplicates should be removed.")


GOOD = {"task": "pretraining", "languages": ["en"], "dedup": True}


def _model(server: FakeOpenAIServer, **settings):
    return chat_model(LLMSettings(base_url=server.base_url, model=server.model, max_retries=0, **settings))


def test_happy_path_json_schema() -> None:
    with FakeOpenAIServer([FakeReply.json(GOOD)]) as server:
        goal = structured(_model(server), Goal, [("system", "You plan data recipes."),
                                                 ("human", "Clean this crawl for pretraining, drop near-dups, English")])
        assert goal == Goal(**GOOD)
        (request,) = server.chat_requests
    fmt = request.body["response_format"]  # type: ignore[index]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Goal"
    assert fmt["json_schema"]["schema"]["properties"]["languages"]["maxItems"] == 3
    system = request.messages[0]
    assert system["role"] == "system" and system["content"].startswith("You plan data recipes.")
    assert "- languages (list of string, required): ISO 639-1 codes" in system["content"]
    assert 'one of: "pretraining", "sft", "multimodal"' in system["content"]
    assert [m["role"] for m in request.messages] == ["system", "user"]


def test_retry_shows_the_model_what_was_wrong() -> None:
    bad = {"task": "pretraining", "languages": ["en", "de", "fr", "es"], "dedup": "maybe"}
    with FakeOpenAIServer([FakeReply.json(bad), "```json\n" + json.dumps(GOOD) + "\n```"]) as server:
        goal = structured(_model(server), Goal, "English pretraining data, deduplicated")
        assert goal == Goal(**GOOD)
        first, second = server.chat_requests
    assert len(second.messages) == len(first.messages) + 2
    echoed, feedback = second.messages[-2:]
    assert echoed == {"role": "assistant", "content": json.dumps(bad)}
    assert feedback["role"] == "user"
    assert "languages: List should have at most 3 items" in feedback["content"]
    assert "dedup: Input should be a valid boolean" in feedback["content"]


def test_second_miss_is_a_typed_value() -> None:
    with FakeOpenAIServer(["Sure! Here is your plan: keep English.", '{"task": "pretraining"}']) as server:
        result = structured(_model(server), Goal, "English pretraining data")
    assert isinstance(result, StructuredOutputError)
    assert result.attempts == 2 and result.schema_name == "Goal"
    assert result.raw_replies == ["Sure! Here is your plan: keep English.", '{"task": "pretraining"}']
    assert result.errors[0].startswith("it is not valid JSON")
    assert "languages: Field required" in result.errors[1]
    assert "did not fit Goal after 2 attempt(s)" in str(result)


def test_function_calling_method_from_settings() -> None:
    script = [FakeReply(tool_calls=[FakeToolCall("Goal", {**GOOD, "task": "books"})]),
              FakeReply(tool_calls=[FakeToolCall("Goal", GOOD)])]
    with FakeOpenAIServer(script) as server:
        goal = structured(_model(server, structured_method="function_calling"), Goal, "English pretraining")
        assert goal == Goal(**GOOD)
        first, second = server.chat_requests
    assert first.tool_names == ["Goal"]
    assert first.body["tool_choice"] == {"type": "function", "function": {"name": "Goal"}}  # type: ignore[index]
    assert "task: Input should be 'pretraining', 'sft' or 'multimodal'" in second.messages[-1]["content"]


def test_json_mode_method() -> None:
    with FakeOpenAIServer([FakeReply.json(GOOD)]) as server:
        assert structured(_model(server), Goal, "x", method="json_mode") == Goal(**GOOD)
        (request,) = server.chat_requests
    assert request.body["response_format"] == {"type": "json_object"}  # type: ignore[index]
    assert json.dumps(Goal.model_json_schema()) in request.messages[0]["content"]  # no schema in the request: in the prompt


def test_endpoint_failures_raise_with_the_fix() -> None:
    with FakeOpenAIServer([FakeError(404, "model 'nope' not found", "invalid_request_error")]) as server:
        with pytest.raises(ProviderError, match="does not serve model 'fake-model'") as info:
            structured(_model(server), Goal, "x")
        assert info.value.status == 404 and "COPILOT_LLM_MODEL" in str(info.value)
    with FakeOpenAIServer([], api_key="right") as server:
        with pytest.raises(ProviderError, match="refused the API key"):
            structured(_model(server, api_key="wrong"), Goal, "x")
        dead = server.base_url
    with pytest.raises(ProviderError, match=f"cannot connect to {dead}"):
        structured(chat_model(LLMSettings(base_url=dead, model="m", max_retries=0, timeout=5)), Goal, "x")


def test_json_object_schema_method_for_llama_cpp_python_server() -> None:
    with FakeOpenAIServer([FakeReply.json(GOOD)]) as server:
        model = _model(server, structured_method="json_object_schema")
        assert structured(model, Goal, "x") == Goal(**GOOD)
        (request,) = server.chat_requests
    assert request.body["response_format"] == {"type": "json_object", "schema": Goal.model_json_schema()}  # type: ignore[index]
