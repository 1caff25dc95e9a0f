"""text_embd_similarity_filter: mean cosine similarity to validation samples with the bundled MiniLM."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.common import embedding
from recipe_copilot.engine.testing import run_rows

OP = "text_embd_similarity_filter"
VALID = [{"text": "How do I bake bread at home?"}, {"text": "Tips for kneading dough and proofing loaves."}]
TEXTS = ["A simple sourdough bread recipe for beginners.", "Quarterly tax filing deadlines for small firms.", ""]


def _run(texts: list[str], **params) -> object:
    return run_rows([{"text": t} for t in texts], [{OP: {"valid_dataset": VALID, **params}}])


def test_stat_is_the_mean_cosine_to_each_valid_sample() -> None:
    out = _run(TEXTS, min_score=0)
    assert out.texts == TEXTS
    sims = out.stats("text_embd_similarity")
    vectors = embedding.encode(TEXTS)
    valid = embedding.encode([v["text"] for v in VALID])
    expected = [float(np.mean([np.dot(v, w) / np.linalg.norm(v) / np.linalg.norm(w) for w in valid])) for v in vectors]
    assert sims == pytest.approx(expected, abs=1e-5)
    assert sims[0] > 0.4 > 0.15 > sims[1]  # on-topic vs off-topic


def test_default_bounds_and_reversed_range() -> None:
    assert _run(TEXTS[:2]).texts == TEXTS[:1]  # min_score 0.1
    assert _run(TEXTS[:2], min_score=0.1, reversed_range=True).texts == TEXTS[1:2]
    assert _run(TEXTS[:2], min_score=0, max_score=0.3).texts == TEXTS[1:2]


def test_input_template_reads_other_fields() -> None:
    rows = [{"text": "x", "title": TEXTS[1], "body": ""}, {"text": "y", "title": TEXTS[0], "body": ""}]
    valid = [{"title": v["text"], "body": ""} for v in VALID]
    out = run_rows(rows, [{OP: {"valid_dataset": valid, "input_template": "{title}{body}"}}])
    assert out.texts == ["y"]


def test_params() -> None:
    with pytest.raises(ParamError, match="valid_dataset"):
        run_rows([{"text": "x"}], [OP])
    with pytest.raises(ParamError, match="min_score"):
        _run(["x"], min_score=1.5)
    with pytest.raises(ParamError, match="pooling"):
        _run(["x"], pooling="max")


def test_local_hf_model_with_last_token_pooling() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = str(embedding.minilm_path())
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()

    def last_token(text: str) -> np.ndarray:  # one text at a time, as Data-Juicer embeds
        with torch.no_grad():
            hidden = model(**tokenizer(text, return_tensors="pt")).last_hidden_state[0, -1].numpy()
        return hidden / np.linalg.norm(hidden)

    valid = [last_token(v["text"]) for v in VALID]
    expected = [float(np.mean([last_token(t) @ w for w in valid])) for t in TEXTS[:2]]
    out = _run(TEXTS[:2], min_score=0, is_hf_model=True, api_or_hf_model=folder)
    assert out.stats("text_embd_similarity") == pytest.approx(expected, abs=1e-5)
    assert out.stats("text_embd_similarity") != pytest.approx(_run(TEXTS[:2], min_score=0).stats("text_embd_similarity"),
                                                              abs=1e-3)
