"""llm_task_relevance_filter against a local fake OpenAI server: the task preamble, min_score, 0.0 keeps."""

from __future__ import annotations

import json

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "llm_task_relevance_filter"
DIMS = ("topical_relevance", "linguistic_style_match", "task_match", "knowledge_alignment", "potential_utility")


def answer(*scores: int) -> str:
    return json.dumps({"dimension_scores": dict(zip(DIMS, scores, strict=True)), "rationale": "r"})


def run(server: FakeOpenAIServer, rows: list[dict], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows(rows, [{OP: {"model_params": mp, **params}}])


def test_task_and_validation_data_lead_the_user_message() -> None:
    valid = [{"text": "What is 2+3?"}, {"text": "Solve x+1=4."}, {"text": "unused"}]
    with FakeOpenAIServer([answer(4, 3, 4, 3, 4)]) as server:
        run(server, [{"text": "sample"}], task_desc="math word problems", valid_dataset=valid, n_shot=2)
        user = server.chat_requests[0].messages[1]["content"]
    assert user == (
        "# Task Description\nmath word problems\n\n"
        "# Validation Data\n'''\n**Text**\nWhat is 2+3?\n'''\n\n'''\n**Text**\nSolve x+1=4.\n'''\n\n"
        "# Data\n'''\n**Text**\nsample\n'''\n\n# Response\njson\n"
    )


def test_min_score_and_failed_analysis_keeps() -> None:
    script = [answer(4, 3, 4, 3, 4), answer(1, 2, 1, 1, 1), "no json", "no json", "no json"]
    with FakeOpenAIServer(script) as server:
        out = run(server, [{"text": t} for t in ("math", "recipes", "unknown")], task_desc="math", min_score=0.6)
    # 18/5/5 = 0.72 kept; 6/5/5 = 0.24 dropped; no answer -> 0.0, which keeps the sample
    assert out.texts == ["math", "unknown"]
    assert out.stats("llm_task_relevance") == [pytest.approx(0.72), 0.0]


def test_negative_existing_score_is_recomputed() -> None:
    rows = [{"text": "a", "__dj__stats__": {"llm_task_relevance": -1}}, {"text": "b", "__dj__stats__": {"llm_task_relevance": 0.9}}]
    with FakeOpenAIServer([answer(5, 5, 5, 5, 5)]) as server:
        out = run(server, rows, task_desc="t")
        assert len(server.chat_requests) == 1
    assert out.stats("llm_task_relevance") == [1.0, 0.9]


def test_needs_a_task() -> None:
    with pytest.raises(ParamError, match="task_desc or valid_dataset"):
        run_rows([{"text": "a"}], [OP])
