"""image_aspect_ratio_filter: keep samples whose images' width/height ratio is within a range."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import batch_dims, keep_items_in_range
from recipe_copilot.engine.sample import SampleBatch


class ImageAspectRatioFilter(Filter):
    """Keep samples whose images have an aspect ratio (width / height) from min_ratio to max_ratio.

    Drops banners, strips and other extreme shapes. any_or_all decides over the images of
    a sample; a sample without images is kept. The ratio uses the EXIF-oriented size.

    Stat: ``aspect_ratios`` (a list, one W/H per image).

    Example:
        ``- image_aspect_ratio_filter: {}`` keeps a 400x300 image (1.33) and drops a
        1000x100 banner (10.0).
    """

    class Params(FilterParams):
        min_ratio: float = Field(0.333, description="Minimum width / height.")
        max_ratio: float = Field(3.0, description="Maximum width / height.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )

    stat_key = "aspect_ratios"
    cost = 0.5
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        dims = batch_dims(batch, self.params.image_key, self.params.image_bytes_key, rows)
        return [[w / h for w, h in d] for d in dims]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_ratio, self.params.max_ratio)
