"""Ask a chat model for an answer that fits a pydantic model: the narrow step of the guided workflow.

On the embedded model the reply is grammar-constrained JSON; on an endpoint it is asked for with
``with_structured_output`` (``json_schema``, ``function_calling`` or ``json_mode``, as configured).
Either way the reply is validated with pydantic; a reply that does not fit is shown to the model
with what was wrong, once, and a second miss comes back as a
:class:`~recipe_copilot.copilot.llm.errors.StructuredOutputError` value.

Example:
    >>> class Goal(BaseModel):
    ...     task: Literal["pretraining", "sft"]
    ...     languages: list[str]
    >>> goal = structured(chat_model(), Goal, "Clean this crawl for pretraining, keep English")  # doctest: +SKIP
    >>> goal if isinstance(goal, StructuredOutputError) else goal.languages  # doctest: +SKIP
    ['en']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, convert_to_messages
from pydantic import BaseModel, ValidationError

from recipe_copilot.copilot.llm.errors import StructuredOutputError, explain_provider_error
from recipe_copilot.copilot.llm.factory import STRUCTURED_METHOD_KEY

__all__ = ["StructuredMethod", "structured"]

T = TypeVar("T", bound=BaseModel)
StructuredMethod = Literal["json_schema", "function_calling", "json_mode", "json_object_schema"]

_MAX_SHOWN = 600


def structured(
    model: Any,
    schema: type[T],
    messages: str | Sequence[Any],
    *,
    method: StructuredMethod | None = None,
    retries: int = 1,
) -> T | StructuredOutputError:
    """The model's answer to ``messages`` as an instance of ``schema``, or why it could not give one.

    Args:
        model: a LangChain chat model, e.g. from :func:`~recipe_copilot.copilot.llm.chat_model`.
        schema: the pydantic model the answer must fit; its field descriptions guide the model.
        messages: the conversation: a string (one user message) or messages LangChain accepts
            (``BaseMessage`` objects, ``("human", "...")`` pairs, or OpenAI-style dicts).
        method: how an endpoint is asked for JSON: ``json_schema`` (OpenAI's structured outputs, also
            vLLM, Ollama, llama.cpp's server), ``function_calling`` (a forced tool call),
            ``json_mode`` (any JSON object; the schema goes in the prompt) or ``json_object_schema``
            (``{"type": "json_object", "schema": ...}``, llama-cpp-python's server). Default: the
            ``structured_method`` setting the model was made with, else ``json_schema``. The
            embedded model always uses a grammar.
        retries: how many times a reply that does not fit is sent back with the errors.

    Returns:
        The validated instance, or a :class:`StructuredOutputError` holding each raw reply and
        what was wrong with it (a model's failure is a value; the caller decides what to do).

    Raises:
        ProviderError: the endpoint failed (unreachable, refused the key, ...): not the model's fault.
    """
    chosen: StructuredMethod = method or (getattr(model, "metadata", None) or {}).get(STRUCTURED_METHOD_KEY) \
        or "json_schema"
    json_schema = schema.model_json_schema()
    given = [HumanMessage(content=messages)] if isinstance(messages, str) else convert_to_messages(messages)
    conversation = _with_instructions(given, json_schema, chosen)
    if chosen == "json_object_schema":  # llama-cpp-python's server: a grammar from the schema, server side
        runnable = model.bind(response_format={"type": "json_object", "schema": json_schema})
    else:
        runnable = model.with_structured_output(json_schema, method=chosen, include_raw=True)
    errors: list[str] = []
    raws: list[str] = []
    for _ in range(retries + 1):
        raw_message = _invoke(runnable, conversation, model)
        text = _raw_text(raw_message)
        raws.append(text)
        try:
            return schema.model_validate(_parse_json(text))
        except ValueError as exc:  # json.JSONDecodeError and pydantic.ValidationError are ValueErrors
            problem = _describe(exc)
        errors.append(problem)
        conversation = [
            *conversation,
            AIMessage(content=text[:_MAX_SHOWN * 4]),
            HumanMessage(content=f"That reply does not fit the {schema.__name__} schema: {problem}\n"
                         "Reply again with only a JSON object that fits the schema."),
        ]
    return StructuredOutputError(schema.__name__, errors=errors, raw_replies=raws)


def _invoke(runnable: Any, conversation: list[BaseMessage], model: Any) -> AIMessage:
    """Call the model; an ``openai`` client error becomes a ProviderError that says what to do."""
    try:
        result = runnable.invoke(conversation)
    except Exception as exc:
        explained = explain_provider_error(exc, base_url=getattr(model, "openai_api_base", None),
                                           model=getattr(model, "model_name", None))
        if explained is None:
            raise
        raise explained from exc
    raw = result.get("raw") if isinstance(result, dict) else result
    return raw if isinstance(raw, AIMessage) else AIMessage(content=str(raw or ""))


def _with_instructions(messages: list[BaseMessage], json_schema: dict[str, Any],
                       method: StructuredMethod) -> list[BaseMessage]:
    """Tell the model to answer with JSON, and what each field means.

    The request itself carries the schema (response format, forced tool, or the embedded model's
    grammar), so the note lists the fields compactly, with their descriptions and allowed values;
    ``json_mode`` carries no schema, so there the whole JSON schema is spelled out. The note
    joins the first system message, or becomes one, since some chat templates accept only one
    system message, at the start.
    """
    if method == "json_mode":
        note = f"Answer with only a JSON object, no other text. It must fit this JSON schema:\n{json.dumps(json_schema)}"
    else:
        note = "Answer with only a JSON object with these fields:\n" + _field_list(json_schema)
    if messages and isinstance(messages[0], SystemMessage) and isinstance(messages[0].content, str):
        return [SystemMessage(content=f"{messages[0].content}\n\n{note}"), *messages[1:]]
    return [SystemMessage(content=note), *messages]


def _field_list(json_schema: dict[str, Any]) -> str:
    """One line per top-level field: ``- name (type, required): description; one of: a, b``."""
    required = set(json_schema.get("required", []))
    lines = []
    for name, prop in json_schema.get("properties", {}).items():
        kind = prop.get("type") or ("object" if "$ref" in prop else "value")
        if kind == "array":
            kind = f"list of {prop.get('items', {}).get('type', 'values')}"
        line = f"- {name} ({kind}, {'required' if name in required else 'optional'})"
        if prop.get("description"):
            line += f": {prop['description']}"
        if prop.get("enum"):
            line += "; one of: " + ", ".join(json.dumps(v) for v in prop["enum"])
        lines.append(line)
    return "\n".join(lines)


def _raw_text(message: AIMessage) -> str:
    """The JSON text the model sent: the first tool call's arguments, else the message text."""
    if message.tool_calls:
        return json.dumps(message.tool_calls[0]["args"])
    if message.invalid_tool_calls:
        return str(message.invalid_tool_calls[0].get("args") or "")
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, str | dict))


def _parse_json(text: str) -> Any:
    """``text`` decoded as JSON, after dropping a Markdown code fence around it.

    Raises:
        json.JSONDecodeError: it is not JSON.
    """
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    if not stripped:
        msg = "the reply is empty"
        raise json.JSONDecodeError(msg, text, 0)
    return json.loads(stripped)


def _describe(exc: ValueError) -> str:
    """What was wrong with a reply, in words a model can act on."""
    if isinstance(exc, ValidationError):
        lines = []
        for err in exc.errors()[:8]:
            where = ".".join(str(p) for p in err["loc"]) or "the object"
            got = json.dumps(err.get("input"), default=str)
            got = got if len(got) <= 80 else got[:77] + "..."
            lines.append(f"{where}: {err['msg']} (got {got})")
        return "; ".join(lines)
    if isinstance(exc, json.JSONDecodeError):
        return f"it is not valid JSON ({exc.msg} at character {exc.pos})"
    return str(exc)[:_MAX_SHOWN]
