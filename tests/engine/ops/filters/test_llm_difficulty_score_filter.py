"""llm_difficulty_score_filter against a local fake OpenAI server: its five dimensions, stats and bounds."""

from __future__ import annotations

import json

import pytest

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer
from recipe_copilot.engine.testing import run_rows

OP = "llm_difficulty_score_filter"
DIMS = ("linguistic_complexity", "conceptual_depth", "prior_knowledge", "step_complexity", "ambiguity")


def answer(*scores: int, **extra: object) -> str:
    return json.dumps({"dimension_scores": dict(zip(DIMS, scores, strict=True)), **extra})


def run(server: FakeOpenAIServer, texts: list[str], **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1}
    return run_rows([{"text": t} for t in texts], [{OP: {"model_params": mp, **params}}])


def test_mean_of_five_dimensions_and_default_bounds() -> None:
    tags = {"topic": "physics", "level": "expert"}
    with FakeOpenAIServer([answer(2, 4, 5, 3, 2, tags=tags), answer(1, 2, 1, 2, 1)]) as server:
        out = run(server, ["hard", "easy"])
        system = server.chat_requests[0].messages[0]["content"]
    assert out.texts == ["hard"]  # 16/5/5 = 0.64 kept; 7/5/5 = 0.28 dropped
    assert out.stats("llm_difficulty_score") == [pytest.approx(0.64)]
    assert json.loads(out.stats("llm_difficulty_tags")[0]) == tags
    assert json.loads(out.stats("llm_difficulty_record")[0])["recommendation"] == []
    assert all(d in system for d in DIMS)


def test_dim_required_keys_picks_the_averaged_dimensions() -> None:
    with FakeOpenAIServer([answer(1, 5, 5, 1, 1)]) as server:
        out = run(server, ["x"], dim_required_keys=["conceptual_depth", "prior_knowledge"])
    assert out.stats("llm_difficulty_score") == [1.0]  # (5+5)/2/5


def test_string_scores_are_malformed_and_asked_again() -> None:
    bad = json.dumps({"dimension_scores": dict.fromkeys(DIMS, "high")})
    with FakeOpenAIServer([bad, answer(3, 3, 3, 3, 3)]) as server:
        out = run(server, ["x"])
        assert len(server.chat_requests) == 2
    assert out.stats("llm_difficulty_score") == [0.6]


def test_max_score_drops_the_hardest() -> None:
    with FakeOpenAIServer([answer(5, 5, 5, 5, 5), answer(3, 3, 3, 3, 3)]) as server:
        out = run(server, ["a", "b"], min_score=0.0, max_score=0.8)
    assert out.texts == ["b"]
