"""image_text_similarity_filter: keep samples whose images and text are similar by a CLIP model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.imagetext import (
    clip_similarity,
    gather_image_chunks,
    load_hf_model,
    score_chunks,
)
from recipe_copilot.engine.ops.common.media import keep_any_or_all
from recipe_copilot.engine.sample import SampleBatch


class ImageTextSimilarityFilter(Filter):
    """Keep samples whose CLIP image-text similarity is between min_score and max_score.

    The text is cut into chunks at the end-of-chunk token; each chunk holding image tokens is
    scored (special tokens removed) against the sample's next images, in order. A pair's
    score is CLIP's ``logits_per_text / 100`` (the cosine, for CLIP's usual logit scale of
    100); reduce_mode folds a chunk's images into one score, any_or_all decides over chunks.
    A sample without images, or without image tokens, is kept. ``hf_clip`` must be a local
    model folder or a Hugging Face id already in the local cache (nothing is downloaded).
    All pairs of a batch are scored together on the op's device.

    Stat: ``image_text_similarity`` (a list, one score per chunk).

    Example:
        ``- image_text_similarity_filter: {hf_clip: /models/clip, min_score: 0.2}`` keeps
        ``"<__dj__image> a dog on grass"`` with a dog photo, drops it with a photo of a car.
    """

    class Params(FilterParams):
        hf_clip: str = Field("openai/clip-vit-base-patch32", description="CLIP model: local folder or cached Hugging Face id.")
        trust_remote_code: bool = Field(False, description="Allow custom model code shipped in the model folder.")
        min_score: float = Field(0.1, description="Minimum similarity to keep a sample.")
        max_score: float = Field(1.0, description="Maximum similarity to keep a sample.")
        horizontal_flip: bool = Field(False, description="Mirror images left-right before scoring.")
        vertical_flip: bool = Field(False, description="Flip images top-bottom before scoring.")
        any_or_all: Literal["any", "all"] = Field("any", description="Keep if any chunk passes, or only if all do.")
        reduce_mode: Literal["avg", "max", "min"] = Field("avg", description="How a chunk's image scores fold into one.")

    stat_key = "image_text_similarity"
    cost = 50.0
    requires = ("torch", "transformers")
    extra = "knowledge"
    default_accelerator = "cuda"

    def setup(self) -> None:
        self.device = torch_device(self)
        self.model: Any
        self.model, self.processor = load_hf_model(self.params.hf_clip, "hf_clip", self.device, "clip", self.params.trust_remote_code)

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[list[float]]:
        plans, images = gather_image_chunks(batch, rows, self.params)
        return score_chunks(plans, images, clip_similarity, self.model, self.processor, self.device, self.params.reduce_mode)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        flags = [self.in_range(list(v) if v is not None else [], p.min_score, p.max_score) for v in batch.get_stat(self.stat_key)]
        return keep_any_or_all(flags, p.any_or_all)

