"""`copilot ask` as a user runs it, in a subprocess, against the fake OpenAI server (agent mode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall

RECIPE = {"dataset_path": "data/web.jsonl", "export_path": "outputs/web/web.jsonl", "np": 1,
          "process": [{"words_num_filter": {"min_num": 20}}, {"document_deduplicator": {}}]}


def script() -> list:
    return [
        FakeReply(tool_calls=[FakeToolCall("inspect_dataset", {"path": "data/web.jsonl", "n": 1})]),
        FakeReply(tool_calls=[FakeToolCall("edit_recipe", {"start_from": {"recipe": RECIPE}})]),
        FakeReply(tool_calls=[FakeToolCall("validate_recipe", {"source": {}})]),
        FakeReply(tool_calls=[FakeToolCall("dry_run", {"n": 300})]),
        "Drops documents under 20 words (words_num_filter), then exact duplicates (document_deduplicator).",
    ]


def run_cli(server: FakeOpenAIServer, workspace, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "OPENAI_"))}
    env.update(COPILOT_LLM_BASE_URL=server.base_url, COPILOT_LLM_MODEL=server.model, COPILOT_LLM_MAX_RETRIES="0",
               COPILOT_WORKSPACE=str(workspace), COPILOT_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "recipe_copilot", "ask", *args], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=120)


def test_ask_json_gives_answer_recipe_session_and_dry_run(workspace, tmp_path):
    with FakeOpenAIServer(script()) as server:
        res = run_cli(server, workspace, tmp_path, "drop short docs and duplicates", "--data", "data/web.jsonl",
                      "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["answer"].startswith("Drops documents under 20 words")
    assert out["recipe"]["process"] == RECIPE["process"] and out["session_id"].startswith("s-")
    assert [o["name"] for o in out["dry_run"]["ops"]] == ["words_num_filter", "document_deduplicator"]
    assert out["dry_run"]["rows_in"] == 300 and out["error"] is None
    assert yaml.safe_load(Path(out["recipe_path"]).read_text())["process"] == RECIPE["process"]
    assert out["recipe_path"].endswith(f"recipes/{out['session_id']}.yaml")


def test_ask_prints_for_people_and_a_follow_up_continues(workspace, tmp_path):
    with FakeOpenAIServer(script()) as server:
        res = run_cli(server, workspace, tmp_path, "drop short docs", "--data", "data/web.jsonl", "--out", "r.yaml")
    assert res.returncode == 0, res.stderr
    assert "Drops documents under 20 words" in res.stdout and "dry run: 300 rows in" in res.stdout
    assert "session: s-" in res.stdout and (workspace / "r.yaml").is_file()
    sid = res.stdout.split("session: ", 1)[1].split()[0]
    with FakeOpenAIServer(["The recipe keeps its two ops."]) as server:
        again = run_cli(server, workspace, tmp_path, "what does it do?", "--session", sid, "--json")
        sent = server.chat_requests[0].messages
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["recipe"]["process"] == RECIPE["process"]
    assert sent[1] == {"role": "user", "content": "drop short docs"}


def test_unknown_session_is_one_clear_line(workspace, tmp_path):
    with FakeOpenAIServer([]) as server:
        res = run_cli(server, workspace, tmp_path, "hi", "--session", "s-nope")
    assert res.returncode == 1 and "no session 's-nope'" in res.stdout and "Traceback" not in res.stderr


def test_chat_keeps_one_session_across_messages(workspace, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "OPENAI_"))}
    with FakeOpenAIServer(["Which dataset should I look at?", "Thanks, noted."]) as server:
        env.update(COPILOT_LLM_BASE_URL=server.base_url, COPILOT_LLM_MODEL=server.model,
                   COPILOT_WORKSPACE=str(workspace), COPILOT_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
        res = subprocess.run([sys.executable, "-m", "recipe_copilot", "chat"], cwd=workspace, env=env, text=True,
                             input="clean my data\nthe web one\n/exit\n", capture_output=True, timeout=120)
        second = server.chat_requests[1].messages
    assert res.returncode == 0, res.stderr
    assert "Which dataset should I look at?" in res.stdout and "Thanks, noted." in res.stdout
    assert [m["content"] for m in second[1:]] == ["clean my data", "Which dataset should I look at?", "the web one"]


def test_sessions_lists_what_ask_left(workspace, tmp_path):
    with FakeOpenAIServer(script()) as server:
        res = run_cli(server, workspace, tmp_path, "drop short docs", "--data", "data/web.jsonl", "--json")
    sid = json.loads(res.stdout)["session_id"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "OPENAI_"))}
    env.update(COPILOT_WORKSPACE=str(workspace), COPILOT_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    listed = subprocess.run([sys.executable, "-m", "recipe_copilot", "sessions", "--json"], cwd=workspace, env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["session_id"] for r in rows] == [sid]
    assert rows[0]["dataset"] == "data/web.jsonl" and rows[0]["messages"] == 2
    assert rows[0]["ops"] == ["words_num_filter", "document_deduplicator"]
