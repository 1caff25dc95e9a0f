"""docs/providers.md is executed: every copilot.toml example loads, and the Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recipe_copilot.copilot.settings import CopilotSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("toml", _blocks("toml"))
def test_toml_examples_are_valid_settings(toml: str, tmp_path: Path) -> None:
    path = tmp_path / "copilot.toml"
    path.write_text(toml)
    settings = CopilotSettings.load(config_file=path)
    assert settings.llm.model or settings.llm.gguf_path


def test_the_python_example_runs() -> None:
    (code,) = _blocks("python")
    exec(compile(code, str(DOC), "exec"), {})


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    llm_keys = CopilotSettings.model_fields["llm"].annotation.model_fields  # type: ignore[union-attr]
    for key in llm_keys:
        assert f"`[llm] {key}`" in text and f"`COPILOT_LLM_{key.upper()}`" in text, key
    for key in ("workspace", "data_dir"):
        assert f"`COPILOT_{key.upper()}`" in text, key
