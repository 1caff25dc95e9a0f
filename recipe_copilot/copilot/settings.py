"""The copilot's settings: which LLM to talk to, the workspace and the data dir.

Read, highest priority first, from keyword arguments, ``COPILOT_*`` environment variables, the
``copilot.toml`` files (``$COPILOT_CONFIG``, else ``./copilot.toml`` over
``~/.config/recipe-copilot/copilot.toml``), ``OPENAI_API_KEY`` (for the API key only), and the
defaults. With nothing configured the copilot uses the embedded model: no key, no network.

A ``copilot.toml``::

    workspace = "~/projects/web-crawl"

    [llm]
    base_url = "http://127.0.0.1:8000/v1"   # a vLLM server
    model = "Qwen/Qwen2.5-7B-Instruct"
    temperature = 0.0

The same from the environment: ``COPILOT_WORKSPACE``, ``COPILOT_LLM_BASE_URL``,
``COPILOT_LLM_MODEL``, ``COPILOT_LLM_TEMPERATURE`` (every ``[llm]`` key is
``COPILOT_LLM_<KEY>``). See ``docs/providers.md``.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = [
    "CONFIG_ENV",
    "OPENAI_DEFAULT_BASE_URL",
    "CopilotSettings",
    "LLMSettings",
    "SettingsError",
    "config_files",
    "default_data_dir",
    "user_config_file",
]

#: Environment variable naming one ``copilot.toml`` to read instead of the usual places.
CONFIG_ENV = "COPILOT_CONFIG"
#: Where a model name without a base URL is sent.
OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"

_ENV_PREFIX = "COPILOT_"
_explicit_config: ContextVar[tuple[Path, ...] | None] = ContextVar("_explicit_config", default=None)


class SettingsError(Exception):
    """Raised when the settings are invalid: a bad value, an unknown key, or a config file that is not TOML.

    The message names each bad setting, the value it got, where such a value comes from (the
    environment variable and the ``copilot.toml`` key) and what it should be.
    """


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/recipe-copilot`` or ``~/.local/share/recipe-copilot`` (as the knowledge index uses)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "recipe-copilot"


def user_config_file() -> Path:
    """``$XDG_CONFIG_HOME/recipe-copilot/copilot.toml`` or ``~/.config/recipe-copilot/copilot.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "recipe-copilot" / "copilot.toml"


def config_files() -> tuple[Path, ...]:
    """The ``copilot.toml`` files read, lowest priority first (missing ones are skipped).

    ``$COPILOT_CONFIG`` alone when it is set (it must exist); else the user's file, then
    ``./copilot.toml``, whose keys win.

    Raises:
        SettingsError: ``$COPILOT_CONFIG`` names a file that does not exist.
    """
    explicit = _explicit_config.get()
    if explicit is not None:
        return explicit
    named = os.environ.get(CONFIG_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            msg = f"{CONFIG_ENV}={named!r} is not a file; point it at a copilot.toml or unset it"
            raise SettingsError(msg)
        return (path,)
    return (user_config_file(), Path.cwd() / "copilot.toml")


class LLMSettings(BaseModel):
    """The ``[llm]`` table: which chat model the copilot talks to.

    With neither ``base_url`` nor ``model`` set, the embedded SmolLM2-135M-Instruct runs in
    process (no key, no network). With a ``model`` and no ``base_url`` the endpoint is OpenAI's.

    Example:
        >>> LLMSettings(base_url="http://127.0.0.1:11434/v1", model="qwen2.5:7b").provider
        'openai-compatible'
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1; unset: embedded."
    )
    model: str | None = Field(None, description="Model name the endpoint serves, e.g. gpt-4o-mini or qwen2.5:7b.")
    api_key: SecretStr | None = Field(
        None, description="API key (also read from OPENAI_API_KEY); local servers need none."
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature, 0 to 2.")
    timeout: float = Field(120.0, gt=0, description="Seconds to wait for one response.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries of a failed request (connection errors, 429, 5xx).")
    mode: Literal["auto", "agent", "guided"] = Field(
        "auto",
        description="agent: free tool-calling agent; guided: the code drives the steps; auto: guided on the "
        "embedded model, agent otherwise.",
    )
    structured_method: Literal["json_schema", "function_calling", "json_mode", "json_object_schema"] = Field(
        "json_schema",
        description="How an endpoint is asked for JSON that fits a schema: json_schema (response_format; OpenAI, "
        "vLLM, Ollama, llama.cpp's llama-server), function_calling (a forced tool call), json_mode (any JSON "
        "object, checked afterwards) or json_object_schema (llama-cpp-python's server).",
    )
    gguf_path: Path | None = Field(
        None, description="A GGUF file for the embedded model instead of the packaged SmolLM2-135M-Instruct."
    )
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context length of the embedded model, in tokens.")
    n_threads: int = Field(
        1, ge=1, le=512,
        description="CPU threads of the embedded model. 1 by default: a 135M model gains little from more, and "
        "llama.cpp's threads spin-wait, so on a busy 2-core machine 2 threads ran 10-25x slower than 1.",
    )

    @field_validator("base_url", "model", "api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")) or len(v.split("://", 1)[1]) == 0:
            msg = "must be an http(s) URL such as http://127.0.0.1:8000/v1"
            raise ValueError(msg)
        return v

    @field_validator("gguf_path")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @property
    def provider(self) -> Literal["embedded", "openai-compatible"]:
        """``"embedded"`` when no endpoint is configured, else ``"openai-compatible"``."""
        return "embedded" if self.base_url is None and self.model is None else "openai-compatible"

    @property
    def resolved_base_url(self) -> str | None:
        """The endpoint to call: ``base_url``, OpenAI's when only a model is set, None for the embedded model."""
        if self.provider == "embedded":
            return None
        return self.base_url or OPENAI_DEFAULT_BASE_URL

    @property
    def resolved_mode(self) -> Literal["agent", "guided"]:
        """``mode`` with ``auto`` decided: guided on the embedded model, the free agent otherwise."""
        if self.mode != "auto":
            return self.mode
        return "guided" if self.provider == "embedded" else "agent"


class _OpenAIKeySource(PydanticBaseSettingsSource):
    """``OPENAI_API_KEY`` as the lowest-priority source of ``llm.api_key``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        key = os.environ.get("OPENAI_API_KEY", "").strip()
        return {"llm": {"api_key": key}} if key else {}


class _CheckedTomlSource(TomlConfigSettingsSource):
    """The ``copilot.toml`` files, with a clear error for a file that is not TOML."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            msg = f"{file_path} is not valid TOML: {exc}; fix the file or move it away"
            raise SettingsError(msg) from None


class CopilotSettings(BaseSettings):
    """All settings of the copilot (see the module docs for where they are read from).

    Args:
        llm: the chat model (``[llm]`` in ``copilot.toml``, ``COPILOT_LLM_*`` in the environment).
        workspace: root folder the tools may read and write (default: the current folder).
        data_dir: where sessions and the knowledge index live.

    Example:
        >>> s = CopilotSettings.load()  # doctest: +SKIP
        >>> s.llm.provider, s.llm.resolved_mode  # doctest: +SKIP
        ('embedded', 'guided')
    """

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        validate_default=True,
    )

    llm: LLMSettings = Field(default_factory=LLMSettings, description="The chat model.")
    workspace: Path = Field(default_factory=Path.cwd, description="Root folder the tools may read and write.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where sessions and the knowledge index live.")

    @field_validator("workspace", "data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then ``COPILOT_*``, then the ``copilot.toml`` files, then ``OPENAI_API_KEY``."""
        toml = _CheckedTomlSource(settings_cls, toml_file=list(config_files()), deep_merge=True)
        return init_settings, env_settings, toml, _OpenAIKeySource(settings_cls)

    @classmethod
    def load(cls, *, config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> CopilotSettings:
        """Read the settings, turning any validation error into one readable :class:`SettingsError`.

        Args:
            config_file: read this ``copilot.toml`` instead of the usual places (it must exist).
            **overrides: values that win over every source, e.g. ``workspace="."``.

        Returns:
            The validated settings.

        Raises:
            SettingsError: a value is invalid, a key is unknown, or a config file is missing or not TOML.
        """
        token = None
        if config_file is not None:
            path = Path(config_file).expanduser()
            if not path.is_file():
                msg = f"config file {str(path)!r} does not exist; pass a copilot.toml or leave it out"
                raise SettingsError(msg)
            token = _explicit_config.set((path,))
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None
        finally:
            if token is not None:
                _explicit_config.reset(token)


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model that holds the setting at ``loc``."""
    model: type[BaseModel] = LLMSettings if loc[:1] == ("llm",) else CopilotSettings
    return list(model.model_fields)


def _where(loc: tuple[Any, ...]) -> str:
    """Where a setting at ``loc`` comes from: its environment variable and its ``copilot.toml`` key."""
    names = [str(p) for p in loc]
    if len(names) >= 2 and names[0] == "llm":
        return f"{_ENV_PREFIX}LLM_{names[1].upper()} or `{names[1]}` under [llm] in copilot.toml"
    return f"{_ENV_PREFIX}{names[0].upper()} or top-level `{names[0]}` in copilot.toml"


def _explain(exc: ValidationError) -> str:
    """One line per error: the setting, what is wrong with it, the bad value, where it is set."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        name = ".".join(str(p) for p in loc) or "settings"
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1] if len(loc) > 1 else ())
            close = difflib.get_close_matches(str(loc[-1]), known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known keys: {', '.join(known)}"
            lines.append(f"unknown setting {name!r}; {hint}")
            continue
        bad = err.get("input")
        shown = "<hidden>" if "api_key" in name else repr(bad)
        lines.append(f"{name}: {err['msg']} (got {shown}; set by {_where(loc)})")
    return "invalid copilot settings:\n  " + "\n  ".join(lines)
