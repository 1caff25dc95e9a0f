"""document_semantic_deduplicator: paraphrases are dropped, unrelated texts kept, first of a group stays."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.deduplicators.document_semantic_deduplicator import DocumentSemanticDeduplicator
from recipe_copilot.engine.testing import run_rows

OP = "document_semantic_deduplicator"
TEXTS = [
    "The meeting is moved to Friday.",
    "Bananas are rich in potassium.",
    "The meeting has been moved to Friday.",
    "Stock markets fell sharply today.",
    "bananas are RICH in potassium!",
    "The weather will be sunny tomorrow.",
]


def test_paraphrases_dropped_unrelated_kept() -> None:
    out = run_rows([{"text": t} for t in TEXTS], [{OP: {"threshold": 0.85}}], open_tracer=True)
    assert out.texts == [TEXTS[0], TEXTS[1], TEXTS[3], TEXTS[5]]
    pairs = out.traces["duplicate-" + OP]
    assert len(pairs) == 2


def test_threshold() -> None:
    rows = [{"text": t} for t in TEXTS]
    assert run_rows(rows, [{OP: {"threshold": 1.0}}]).texts == TEXTS  # nothing is that close
    assert run_rows(rows, [{OP: {"threshold": 0.5}}]).texts == [TEXTS[0], TEXTS[1], TEXTS[3], TEXTS[5]]


def _select(vectors: list[list[float]], threshold: float) -> list[bool]:
    op = DocumentSemanticDeduplicator(DocumentSemanticDeduplicator.Params(threshold=threshold))
    v = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), 2)
    if not len(v):
        return op.select(v).keep.tolist()
    return op.select(v / np.linalg.norm(v, axis=1, keepdims=True)).keep.tolist()


def test_groups_are_transitive_and_first_stays(monkeypatch) -> None:
    # a~b (cos 0.95), b~c (0.95), a and c only 0.81: one group, its first (a) stays
    a, b, c = [1.0, 0.0], [0.95, 0.3122], [0.81, 0.5864]
    assert _select([a, [0.0, 1.0], b, c], 0.9) == [True, True, False, False]
    assert _select([c, b, a], 0.96) == [True, True, True]
    # small reduce-side blocks give the same answer
    from recipe_copilot.engine.ops.deduplicators import document_semantic_deduplicator as mod

    monkeypatch.setattr(mod, "_CELLS", 2)
    assert _select([a, [0.0, 1.0], b, c, a], 0.9) == [True, True, False, False, False]
    assert _select([], 0.9) == []


def test_bad_threshold() -> None:
    with pytest.raises(ParamError, match="threshold"):
        run_rows([{"text": "x"}], [{OP: {"threshold": 2}}])
