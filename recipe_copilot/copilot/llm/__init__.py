"""The copilot's LLM providers: any OpenAI-compatible endpoint, or the embedded SmolLM2 default.

- :func:`chat_model` makes the LangChain chat model the settings describe (``ChatOpenAI`` for an
  endpoint, :class:`EmbeddedChatModel` when nothing is configured: no key, no network).
- :func:`structured` asks a model for an answer that fits a pydantic model (guided workflow).
- :class:`FakeOpenAIServer` is a scripted local OpenAI-protocol server for tests.

Importing this package is cheap: each name loads its module (and LangChain, llama-cpp) on first use.

Example:
    >>> from recipe_copilot.copilot.llm import chat_model  # doctest: +SKIP
    >>> chat_model().invoke("Say hi.").content  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recipe_copilot.copilot.llm.embedded import EMBEDDED_MODEL_NAME, EmbeddedChatModel, embedded_gguf_path
    from recipe_copilot.copilot.llm.errors import (
        EmbeddedModelLimitError,
        LLMError,
        ProviderConfigError,
        ProviderError,
        StructuredOutputError,
        explain_provider_error,
    )
    from recipe_copilot.copilot.llm.factory import chat_model
    from recipe_copilot.copilot.llm.fake_server import (
        FakeError,
        FakeOpenAIServer,
        FakeReply,
        FakeToolCall,
        RecordedRequest,
    )
    from recipe_copilot.copilot.llm.structured import structured

__all__ = [
    "EMBEDDED_MODEL_NAME",
    "EmbeddedChatModel",
    "EmbeddedModelLimitError",
    "FakeError",
    "FakeOpenAIServer",
    "FakeReply",
    "FakeToolCall",
    "LLMError",
    "ProviderConfigError",
    "ProviderError",
    "RecordedRequest",
    "StructuredOutputError",
    "chat_model",
    "embedded_gguf_path",
    "explain_provider_error",
    "structured",
]

_WHERE = {
    "EMBEDDED_MODEL_NAME": "embedded",
    "EmbeddedChatModel": "embedded",
    "embedded_gguf_path": "embedded",
    "EmbeddedModelLimitError": "errors",
    "LLMError": "errors",
    "ProviderConfigError": "errors",
    "ProviderError": "errors",
    "StructuredOutputError": "errors",
    "explain_provider_error": "errors",
    "chat_model": "factory",
    "FakeError": "fake_server",
    "FakeOpenAIServer": "fake_server",
    "FakeReply": "fake_server",
    "FakeToolCall": "fake_server",
    "RecordedRequest": "fake_server",
    "structured": "structured",
}


def __getattr__(name: str) -> Any:
    """Load an exported name's module on first use."""
    module = _WHERE.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
