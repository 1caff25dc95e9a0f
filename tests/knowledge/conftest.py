"""Fixtures of the knowledge tests: a real Chroma store in a temporary folder and the real
packaged MiniLM model, built once per session so the suite stays fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import recipe_copilot.knowledge.opdocs as opdocs
from recipe_copilot.engine.ops import registry
from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings, SyncReport
from recipe_copilot.knowledge.embedder import MiniLMEmbedding


class CountingEmbedder:
    """The real embedder, counting the texts it embeds."""

    def __init__(self, inner: MiniLMEmbedding) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.texts: list[str] = []

    def __call__(self, input: list[str]) -> list:
        self.texts += list(input)
        return self.inner(input)


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedding:
    """The packaged MiniLM model (loaded on first use, once per process)."""
    return MiniLMEmbedding()


def _is_bundled(doc) -> bool:
    return registry()[doc.name].__module__.startswith("recipe_copilot.engine.ops.")


@pytest.fixture(scope="session", autouse=True)
def bundled_ops_only():
    """Index the bundled ops only: fakes that test modules register (engine.testing) stay out,
    so an index built here matches what a `copilot` subprocess sees."""
    with pytest.MonkeyPatch.context() as mp:
        every = opdocs.op_documents
        mp.setattr(opdocs, "op_documents", lambda: [d for d in every() if _is_bundled(d)])
        yield sorted(name for name, cls in registry().items() if cls.__module__.startswith("recipe_copilot.engine.ops."))


@pytest.fixture(scope="session")
def bundled(bundled_ops_only) -> list[str]:
    """Names of the bundled ops, sorted."""
    return bundled_ops_only


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder) -> tuple[KnowledgeIndex, SyncReport, float]:
    """An embedded index with every op and bundled recipe, its first-build report and wall time."""
    settings = KnowledgeSettings(data_dir=tmp_path_factory.mktemp("knowledge"), chroma_url=None)
    index = KnowledgeIndex(settings, embedder=embedder)
    start = time.perf_counter()
    report = index.sync(kinds=("op", "recipe"))
    return index, report, time.perf_counter() - start


@pytest.fixture(scope="session")
def index(built) -> KnowledgeIndex:
    """The session's shared index (tests must not change its documents)."""
    return built[0]


@pytest.fixture
def fresh_index(tmp_path, embedder) -> KnowledgeIndex:
    """An empty index of the test's own, with a counting embedder."""
    settings = KnowledgeSettings(data_dir=Path(tmp_path) / "fresh", chroma_url=None)
    return KnowledgeIndex(settings, embedder=CountingEmbedder(embedder))
