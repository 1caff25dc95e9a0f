"""Make the chat model the settings describe: an OpenAI-compatible endpoint, or the embedded default.

Example:
    >>> model = chat_model(LLMSettings(base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen2.5-7B-Instruct"))
    >>> type(model).__name__
    'ChatOpenAI'
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from recipe_copilot.copilot.llm.errors import ProviderConfigError
from recipe_copilot.copilot.settings import OPENAI_DEFAULT_BASE_URL, CopilotSettings, LLMSettings, SettingsError

__all__ = ["NO_KEY", "STRUCTURED_METHOD_KEY", "chat_model"]

#: The API key sent to endpoints that need none (vLLM, Ollama and llama.cpp servers started without one).
NO_KEY = "not-needed"
#: Key in the chat model's ``metadata`` naming how :func:`~recipe_copilot.copilot.llm.structured` asks it for JSON.
STRUCTURED_METHOD_KEY = "recipe_copilot_structured_method"


def chat_model(settings: CopilotSettings | LLMSettings | None = None, **overrides: Any) -> Any:
    """The LangChain chat model the settings describe.

    An OpenAI-compatible endpoint (``llm.base_url`` and/or ``llm.model`` set) gives a
    ``langchain_openai.ChatOpenAI`` on the chat-completions API; nothing configured gives the
    in-process :class:`~recipe_copilot.copilot.llm.embedded.EmbeddedChatModel` (no key, no network).
    Heavy packages are imported here, not when this module is imported.

    Args:
        settings: the settings (or just their ``llm`` part); default :meth:`CopilotSettings.load`.
        **overrides: fields of :class:`LLMSettings` to change for this model, e.g. ``temperature=0.7``.

    Returns:
        A ``langchain_core`` chat model (``BaseChatModel``).

    Raises:
        ProviderConfigError: OpenAI's endpoint without an API key, a missing package, or a missing GGUF file.
        SettingsError: the settings (or ``overrides``) are invalid.
    """
    llm = _llm_settings(settings, overrides)
    if llm.provider == "embedded":
        return _embedded(llm)
    return _openai_compatible(llm)


def _llm_settings(settings: CopilotSettings | LLMSettings | None, overrides: dict[str, Any]) -> LLMSettings:
    if settings is None:
        settings = CopilotSettings.load()
    llm = settings.llm if isinstance(settings, CopilotSettings) else settings
    if overrides:
        try:
            llm = LLMSettings.model_validate({**llm.model_dump(), **overrides})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            msg = f"invalid LLM settings override: {problems}"
            raise SettingsError(msg) from None
    return llm


def _openai_compatible(llm: LLMSettings) -> Any:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        msg = "an OpenAI-compatible endpoint needs the package 'langchain-openai', which is not installed"
        raise ProviderConfigError(msg, hint="pip install langchain-openai") from None
    base_url = llm.resolved_base_url
    if llm.model is None:
        msg = f"llm.base_url is set ({base_url}) but llm.model is not"
        raise ProviderConfigError(msg, hint="set llm.model (COPILOT_LLM_MODEL) to a model the server lists at "
                                  f"{base_url}/models")
    key = llm.api_key.get_secret_value() if llm.api_key is not None else None
    if key is None:
        if base_url == OPENAI_DEFAULT_BASE_URL:
            msg = f"OpenAI's endpoint needs an API key to use model {llm.model!r}"
            raise ProviderConfigError(msg, hint="set COPILOT_LLM_API_KEY or OPENAI_API_KEY, or set llm.base_url "
                                      "to a local server")
        key = NO_KEY
    return ChatOpenAI(
        model=llm.model,
        base_url=base_url,
        api_key=key,
        temperature=llm.temperature,
        timeout=llm.timeout,
        max_retries=llm.max_retries,
        use_responses_api=False,
        metadata={STRUCTURED_METHOD_KEY: llm.structured_method},
    )


def _embedded(llm: LLMSettings) -> Any:
    from recipe_copilot.copilot.llm.embedded import EmbeddedChatModel, embedded_gguf_path

    path = llm.gguf_path if llm.gguf_path is not None else embedded_gguf_path()
    if not path.is_file():
        msg = f"llm.gguf_path {str(path)!r} does not exist"
        raise ProviderConfigError(msg, hint="point COPILOT_LLM_GGUF_PATH at a GGUF file, or unset it")
    return EmbeddedChatModel(model_path=str(path), n_ctx=llm.n_ctx, n_threads=llm.n_threads,
                             temperature=llm.temperature)
