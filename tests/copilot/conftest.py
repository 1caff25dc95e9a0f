"""Fixtures of the agent tests: a clean environment, a workspace with the bundled sample, a knowledge
index with the fake embedder (once per session), and a service factory over a fake model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from recipe_copilot.copilot.agent import CopilotService
from recipe_copilot.copilot.sessions import SessionStore
from recipe_copilot.copilot.settings import CopilotSettings
from recipe_copilot.tools import ToolContext

SAMPLE = Path(__file__).resolve().parents[2] / "recipe_copilot" / "data" / "sample_web.jsonl"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No COPILOT_*/OPENAI_* settings leak in; data dir and home are temporary."""
    for name in list(os.environ):
        if name.startswith(("COPILOT_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "copilot-data"))


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory: pytest.TempPathFactory):
    """A real Chroma index with the fake (word-hashing) embedder, ops and recipes synced once."""
    from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings
    from recipe_copilot.knowledge.testing import HashingEmbedder

    settings = KnowledgeSettings(data_dir=tmp_path_factory.mktemp("knowledge"), chroma_url=None)
    index = KnowledgeIndex(settings, embedder=HashingEmbedder())
    index.sync(kinds=("op", "recipe"))
    return index


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with the bundled sample at data/web.jsonl."""
    root = tmp_path / "ws"
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLE, root / "data" / "web.jsonl")
    return root


@pytest.fixture
def make_service(workspace: Path, knowledge, tmp_path: Path):
    """``make_service(model, mode)``: a CopilotService over the workspace, the fake index and a temp store."""

    def make(model, mode: str = "guided") -> CopilotService:
        settings = CopilotSettings.load(workspace=workspace, data_dir=tmp_path / "copilot-data")
        ctx = ToolContext.open(workspace, knowledge=knowledge, keep_drafts=False)
        store = SessionStore(tmp_path / "sessions.sqlite3")
        return CopilotService(settings, ctx=ctx, store=store, model=lambda: model, mode=mode)

    return make
