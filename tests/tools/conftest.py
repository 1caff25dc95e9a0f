"""Fixtures of the tools tests: a workspace holding the bundled sample data, a knowledge index
built with the fake embedder (once per session), and a slow fake mapper for run tests."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field

from recipe_copilot.engine.ops import _EXTRA
from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.tools import ToolContext

SAMPLE = Path(__file__).resolve().parents[2] / "recipe_copilot" / "data" / "sample_web.jsonl"


class SlowMapper(Mapper):
    """Leaves text as it is, after sleeping ``delay`` seconds per batch (a fake for run tests)."""

    name = "fake_slow_mapper"
    delay: ClassVar[float] = 0.0

    class Params(OpParams):
        note: str = Field("", description="Unused.")

    def process_text(self, text: str) -> str:
        return text

    def process_batch(self, batch):
        time.sleep(type(self).delay)
        return batch


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory):
    """A real Chroma index with the fake (word-hashing) embedder, ops and recipes synced once."""
    from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings
    from recipe_copilot.knowledge.testing import HashingEmbedder

    settings = KnowledgeSettings(data_dir=tmp_path_factory.mktemp("knowledge"), chroma_url=None)
    index = KnowledgeIndex(settings, embedder=HashingEmbedder())
    index.sync(kinds=("op", "recipe"))
    return index


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace folder with the bundled sample at data/web.jsonl (3001 lines, one malformed)."""
    root = tmp_path / "ws"
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLE, root / "data" / "web.jsonl")
    return root


@pytest.fixture
def ctx(workspace, knowledge) -> ToolContext:
    """A tool context over the workspace, searching (and indexing runs into) the session's index."""
    return ToolContext.open(workspace, knowledge=knowledge)


@pytest.fixture
def slow_mapper(monkeypatch):
    """Register fake_slow_mapper for one test; set ``SlowMapper.delay`` to slow a run down."""
    monkeypatch.setitem(_EXTRA, SlowMapper.name, SlowMapper)
    monkeypatch.setattr(SlowMapper, "delay", 0.0)
    return SlowMapper


@pytest.fixture
def small_recipe() -> dict:
    """A quick recipe over the sample: a mapper, a filter and exact dedup, one process."""
    return {
        "project_name": "small",
        "dataset_path": "data/web.jsonl",
        "export_path": "outputs/small/out.jsonl",
        "np": 1,
        "process": [
            {"clean_email_mapper": {}},
            {"text_length_filter": {"min_len": 100}},
            {"document_deduplicator": {"lowercase": True}},
        ],
    }
