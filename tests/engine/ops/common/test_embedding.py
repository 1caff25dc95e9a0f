"""common/embedding: MiniLM embeddings equal sentence-transformers' for the same model; pooling options."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_copilot.engine.ops.common import embedding

TEXTS = ["drop near-duplicate documents", "hello", "", "A much longer sentence, so that the batch needs padding."]


def test_matches_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(embedding.minilm_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True, batch_size=2)
    got = embedding.encode(TEXTS, batch_size=2)
    assert got.shape == (4, 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-6)


def test_rows_in_input_order_and_normalised() -> None:
    one_by_one = np.stack([embedding.encode([t])[0] for t in TEXTS])
    np.testing.assert_allclose(embedding.encode(TEXTS, batch_size=3), one_by_one, atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(one_by_one, axis=1), 1.0, atol=1e-6)
    assert embedding.encode([]).shape == (0, 384)


@pytest.mark.parametrize("pooling", ["last", "weighted_mean"])
def test_other_poolings_ignore_padding(pooling) -> None:
    # a padded batch gives the same vectors as texts embedded alone
    alone = np.stack([embedding.encode([t], pooling=pooling)[0] for t in TEXTS])
    together = embedding.encode(TEXTS, pooling=pooling)
    np.testing.assert_allclose(together, alone, atol=2e-6)
    assert not np.allclose(together, embedding.encode(TEXTS))  # differs from mean pooling
