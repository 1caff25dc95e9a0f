"""CopilotSettings: defaults, COPILOT_* variables, copilot.toml files, and the errors a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_copilot.copilot.settings import CopilotSettings, LLMSettings, SettingsError, user_config_file


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nothing_configured_means_embedded_guided(isolated_config: Path) -> None:
    s = CopilotSettings.load()
    assert s.llm.provider == "embedded" and s.llm.resolved_mode == "guided"
    assert s.llm.resolved_base_url is None and s.llm.api_key is None
    assert s.workspace == isolated_config
    assert s.data_dir == Path.home() / ".local" / "share" / "recipe-copilot"
    assert (s.llm.temperature, s.llm.max_retries, s.llm.n_threads) == (0.0, 2, 1)


def test_env_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COPILOT_LLM_BASE_URL", "http://127.0.0.1:8000/v1/")
    monkeypatch.setenv("COPILOT_LLM_MODEL", "Qwen/Qwen2.5-7B-Instruct")
    monkeypatch.setenv("COPILOT_LLM_TEMPERATURE", "0.3")
    monkeypatch.setenv("COPILOT_LLM_TIMEOUT", "30")
    monkeypatch.setenv("COPILOT_LLM_MAX_RETRIES", "5")
    monkeypatch.setenv("COPILOT_LLM_STRUCTURED_METHOD", "function_calling")
    monkeypatch.setenv("COPILOT_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPILOT_CHROMA_URL", "http://127.0.0.1:9")  # another component's setting: ignored here
    s = CopilotSettings.load()
    assert s.llm.base_url == "http://127.0.0.1:8000/v1"  # trailing slash dropped
    assert s.llm.model == "Qwen/Qwen2.5-7B-Instruct"
    assert (s.llm.temperature, s.llm.timeout, s.llm.max_retries) == (0.3, 30.0, 5)
    assert s.llm.structured_method == "function_calling"
    assert s.llm.provider == "openai-compatible" and s.llm.resolved_mode == "agent"
    assert (s.workspace, s.data_dir) == (tmp_path, tmp_path / "data")


def test_api_key_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-var")
    s = CopilotSettings.load()
    assert s.llm.api_key is not None and s.llm.api_key.get_secret_value() == "sk-from-openai-var"
    assert s.llm.provider == "embedded", "a stray OPENAI_API_KEY must not switch the copilot to the network"
    assert "sk-from" not in repr(s)
    monkeypatch.setenv("COPILOT_LLM_API_KEY", "sk-copilot")
    assert CopilotSettings.load().llm.api_key.get_secret_value() == "sk-copilot"  # type: ignore[union-attr]


def test_model_alone_means_openai() -> None:
    llm = LLMSettings(model="gpt-4o-mini")
    assert llm.provider == "openai-compatible"
    assert llm.resolved_base_url == "https://api.openai.com/v1"


def test_toml_in_current_folder(isolated_config: Path) -> None:
    _write(isolated_config / "copilot.toml", """
workspace = "~/project"

[llm]
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5:7b"
timeout = 15
mode = "guided"
""")
    s = CopilotSettings.load()
    assert s.llm.base_url == "http://127.0.0.1:11434/v1" and s.llm.model == "qwen2.5:7b"
    assert s.llm.timeout == 15 and s.llm.resolved_mode == "guided"
    assert s.workspace == Path.home() / "project"


def test_priority_env_over_cwd_over_user_file(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(user_config_file(), '[llm]\nbase_url = "http://user:1/v1"\nmodel = "user-model"\ntemperature = 0.5\n')
    _write(isolated_config / "copilot.toml", '[llm]\nmodel = "cwd-model"\n')
    s = CopilotSettings.load()
    assert (s.llm.base_url, s.llm.model, s.llm.temperature) == ("http://user:1/v1", "cwd-model", 0.5)
    monkeypatch.setenv("COPILOT_LLM_MODEL", "env-model")
    assert CopilotSettings.load().llm.model == "env-model"
    assert CopilotSettings.load(llm={"model": "kwarg-model"}).llm.model == "kwarg-model"


def test_explicit_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_config: Path) -> None:
    _write(isolated_config / "copilot.toml", '[llm]\nmodel = "cwd-model"\n')
    other = _write(tmp_path / "elsewhere.toml", '[llm]\nmodel = "explicit-model"\n')
    assert CopilotSettings.load(config_file=other).llm.model == "explicit-model"
    assert CopilotSettings.load().llm.model == "cwd-model"  # the explicit file was for that call only
    monkeypatch.setenv("COPILOT_CONFIG", str(other))
    assert CopilotSettings.load().llm.model == "explicit-model"


def test_bad_values_name_the_setting_value_and_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM_TEMPERATURE", "9")
    monkeypatch.setenv("COPILOT_LLM_BASE_URL", "localhost:8000")
    with pytest.raises(SettingsError) as info:
        CopilotSettings.load()
    text = str(info.value)
    assert "llm.temperature" in text and "'9'" in text and "COPILOT_LLM_TEMPERATURE" in text
    assert "less than or equal to 2" in text
    assert "llm.base_url" in text and "http(s) URL" in text


def test_unknown_toml_key_suggests_the_right_one(isolated_config: Path) -> None:
    _write(isolated_config / "copilot.toml", '[llm]\ntemprature = 0.2\n')
    with pytest.raises(SettingsError, match=r"unknown setting 'llm.temprature'; did you mean temperature\?"):
        CopilotSettings.load()


def test_broken_toml_names_the_file(isolated_config: Path) -> None:
    path = _write(isolated_config / "copilot.toml", "[llm\nmodel = 1\n")
    with pytest.raises(SettingsError, match="is not valid TOML") as info:
        CopilotSettings.load()
    assert str(path) in str(info.value)


def test_missing_config_files_are_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        CopilotSettings.load(config_file=tmp_path / "nope.toml")
    monkeypatch.setenv("COPILOT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match="COPILOT_CONFIG"):
        CopilotSettings.load()


def test_api_key_never_shown_in_errors(isolated_config: Path) -> None:
    _write(isolated_config / "copilot.toml", '[llm]\napi_key = ["sk-secret"]\n')
    with pytest.raises(SettingsError) as info:
        CopilotSettings.load()
    assert "sk-secret" not in str(info.value) and "<hidden>" in str(info.value)
