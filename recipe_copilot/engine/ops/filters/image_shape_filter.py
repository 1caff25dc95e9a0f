"""image_shape_filter: keep samples whose images' width and height are within ranges."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.media import batch_dims, keep_any_or_all
from recipe_copilot.engine.sample import SampleBatch


class ImageShapeFilter(Filter):
    """Keep samples whose images are between min/max width and min/max height (pixels).

    An image passes when both its width and its height are in range; any_or_all decides
    over the images of a sample, and a sample without images is kept. Width and height are
    those of the EXIF-oriented image, read from the file header.

    Stats: ``image_width`` and ``image_height`` (lists, one value per image).

    Example:
        ``- image_shape_filter: {min_width: 64, min_height: 64}`` drops a sample whose only
        image is 32x32 and keeps one with a 640x480 image.
    """

    class Params(FilterParams):
        min_width: int = Field(1, description="Minimum image width in pixels.")
        max_width: int = Field(BIG, description="Maximum image width in pixels.")
        min_height: int = Field(1, description="Minimum image height in pixels.")
        max_height: int = Field(BIG, description="Maximum image height in pixels.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )

    stat_keys = ("image_width", "image_height")
    cost = 0.5
    reads_text = False

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        widths, heights = batch.get_stat("image_width"), batch.get_stat("image_height")
        rows = [i for i in range(len(batch)) if widths[i] is None or heights[i] is None]
        if not rows:
            return
        dims = batch_dims(batch, self.params.image_key, self.params.image_bytes_key, rows)
        part = None if len(rows) == len(batch) else rows
        batch.set_stat("image_width", [[w for w, _ in d] for d in dims], part)
        batch.set_stat("image_height", [[h for _, h in d] for d in dims], part)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        flags = []
        for ws, hs in zip(batch.get_stat("image_width"), batch.get_stat("image_height"), strict=True):
            w_ok = self.in_range(ws or [], p.min_width, p.max_width)
            h_ok = self.in_range(hs or [], p.min_height, p.max_height)
            flags.append([a and b for a, b in zip(w_ok, h_ok, strict=True)])
        return keep_any_or_all(flags, p.any_or_all)
