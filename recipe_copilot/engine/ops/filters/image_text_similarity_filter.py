"""image_text_similarity_filter: keep samples whose images and text are similar by a CLIP model."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.imagetext import ImageTextFilter, ImageTextParams, clip_similarity


class ImageTextSimilarityFilter(ImageTextFilter):
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

    class Params(ImageTextParams):
        hf_clip: str = Field("openai/clip-vit-base-patch32", description="CLIP model: local folder or cached Hugging Face id.")
        min_score: float = Field(0.1, description="Minimum similarity to keep a sample.")
        max_score: float = Field(1.0, description="Maximum similarity to keep a sample.")

    stat_key = "image_text_similarity"
    cost = 50.0
    model_param = "hf_clip"
    model_kind = "clip"
    scorer = staticmethod(clip_similarity)
