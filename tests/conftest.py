"""Shared fixtures (helpers such as write_jsonl live in recipe_copilot.engine.testing)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads or writes the user's own knowledge index, or talks to a configured server."""
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "copilot-data"))
    monkeypatch.setenv("RC_LLM_CACHE", str(tmp_path / "llm-cache.sqlite"))  # LLM ops' answers stay per test
    for var in ("OPENAI_BASE_URL", "OPENAI_API_URL", "OPENAI_API_KEY", "DASHSCOPE_BASE_URL", "DASHSCOPE_API_KEY", "SK"):
        monkeypatch.delenv(var, raising=False)
    for var in ("COPILOT_CHROMA_URL", "COPILOT_RUNS_DIRS", "COPILOT_CHROMA_COLLECTION"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def docs() -> list[dict]:
    """200 samples: varied lengths, a few duplicates, nested meta."""
    rows = []
    for i in range(200):
        text = " ".join(f"word{j % 17}" for j in range(i % 40)) if i % 10 else "short"
        rows.append({"text": text, "meta": {"id": i, "src": "a" if i % 2 else "b"}})
    return rows
