"""Server mode: a real Chroma server started here (`chroma run` from the installed chromadb),
indexed and searched through COPILOT_CHROMA_URL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import recipe_copilot.knowledge.opdocs as opdocs
from recipe_copilot.engine.ops import registry
from recipe_copilot.knowledge import (
    IndexUnavailableError,
    KnowledgeIndex,
    KnowledgeSettings,
    search_ops,
    search_recipes,
)
from recipe_copilot.knowledge.search import default_index

OPS = ("document_minhash_deduplicator", "document_deduplicator", "text_length_filter", "clean_html_mapper")


def _chroma_cli() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        pytest.fail("the `chroma` command of the chromadb package is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A Chroma server on 127.0.0.1 with its data in a temporary folder, stopped after the tests."""
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115  (closed below, after the server)
    proc = subprocess.Popen([_chroma_cli(), "run", "--path", str(path / "db"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail(f"chroma server did not start: {(path / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_index_and_search_through_the_server(chroma_url, monkeypatch, embedder):
    monkeypatch.setenv("COPILOT_CHROMA_URL", chroma_url)
    monkeypatch.setattr(opdocs, "op_documents", lambda: [opdocs.op_to_document(registry()[n]) for n in OPS])
    index = default_index()
    assert index.settings.chroma_url == chroma_url and chroma_url in index.location
    report = index.sync(kinds=("op", "recipe"))
    assert len(report.changes["op"].added) == len(OPS) and report.changes["recipe"].added
    assert search_ops("minhash", k=1)[0].name == "document_minhash_deduplicator"
    assert search_ops("strip html tags", k=1)[0].name == "clean_html_mapper"
    assert search_recipes("arXiv LaTeX papers", k=1)[0].name == "arxiv_latex"

    # a second client sees the same documents: nothing to embed
    again = KnowledgeIndex(KnowledgeSettings(chroma_url=chroma_url), embedder=embedder)
    assert again.sync(kinds=("op", "recipe")).embedded == 0
    # removal goes through the server too
    monkeypatch.setattr(opdocs, "op_documents", lambda: [opdocs.op_to_document(registry()[n]) for n in OPS[:2]])
    assert len(again.sync(kinds=("op",)).changes["op"].removed) == 2
    assert again.count("op") == 2


def test_unreachable_server_says_how_to_fix_it(embedder):
    index = KnowledgeIndex(KnowledgeSettings(chroma_url=f"http://127.0.0.1:{_free_port()}"), embedder=embedder)
    with pytest.raises(IndexUnavailableError, match=r"cannot reach the Chroma server.*chroma run"):
        index.sync(kinds=("recipe",))


def test_bad_url_is_refused():
    index = KnowledgeIndex(KnowledgeSettings(chroma_url="ftp://somewhere"))
    with pytest.raises(IndexUnavailableError, match="not a Chroma server URL"):
        index.collection()
