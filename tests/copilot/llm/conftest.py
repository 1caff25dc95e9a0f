"""Every LLM-layer test runs with no COPILOT_*/OPENAI_* variables, an empty home and a fresh current folder,
so a developer's own copilot.toml or API key can neither leak in nor send a request to the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: returns the (empty) current folder."""
    for name in list(os.environ):
        if name.startswith(("COPILOT_", "OPENAI_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.chdir(cwd)
    return cwd
