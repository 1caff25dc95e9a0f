"""image_text_matching_filter: keep samples whose images match their text by a BLIP ITM model."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.imagetext import ImageTextFilter, ImageTextParams, blip_matching


class ImageTextMatchingFilter(ImageTextFilter):
    """Keep samples whose BLIP image-text matching score is between min_score and max_score.

    The text is cut into chunks at the end-of-chunk token; each chunk holding image tokens is
    paired (special tokens removed) with the sample's next images, in order. A pair's score
    is the probability of "match" from BLIP's image-text matching head (softmax over its two
    logits); reduce_mode folds a chunk's images into one score, any_or_all decides over
    chunks. A sample without images, or without image tokens, is kept. ``hf_blip`` must be a
    local model folder or a Hugging Face id already in the local cache (nothing is
    downloaded). Each distinct image of a batch is encoded once; pairs run in groups.

    Stat: ``image_text_matching_score`` (a list, one score per chunk).

    Example:
        ``- image_text_matching_filter: {hf_blip: /models/blip-itm, min_score: 0.5}`` keeps
        ``"<__dj__image> a dog on grass"`` with a dog photo, drops it with a photo of a car.
    """

    class Params(ImageTextParams):
        hf_blip: str = Field("Salesforce/blip-itm-base-coco", description="BLIP ITM model: local folder or cached Hugging Face id.")
        min_score: float = Field(0.003, description="Minimum matching probability to keep a sample.")
        max_score: float = Field(1.0, description="Maximum matching probability to keep a sample.")

    stat_key = "image_text_matching_score"
    cost = 80.0
    model_param = "hf_blip"
    model_kind = "blip_itm"
    scorer = staticmethod(blip_matching)
