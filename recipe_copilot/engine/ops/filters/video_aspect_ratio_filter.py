"""video_aspect_ratio_filter: keep samples whose videos' width / height is within a range."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import keep_items_in_range, row_images
from recipe_copilot.engine.ops.common.video import probe_video
from recipe_copilot.engine.sample import SampleBatch


def _ratio(text: str) -> Fraction:
    return Fraction(str(text).replace(":", "/"))


class VideoAspectRatioFilter(Filter):
    """Keep samples whose videos' aspect ratio (width / height) is between two ratios.

    Ratios are strings such as ``"9/21"`` or ``"16:9"``; the bounds are compared exactly (as
    fractions) with each video's width / height. A sample without videos is kept.

    Stat: ``video_aspect_ratios`` (a list, one ratio per video).

    Example:
        ``- video_aspect_ratio_filter: {min_ratio: "1/1", max_ratio: "2/1"}`` keeps a
        1280x720 clip (1.78) and drops a 720x1280 one (0.56).
    """

    class Params(FilterParams):
        min_ratio: str = Field("9/21", description="Minimum width / height, e.g. '9/21' or '9:21'.")
        max_ratio: str = Field("21/9", description="Maximum width / height, e.g. '21/9' or '21:9'.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its videos passes, or only if all do."
        )

        @field_validator("min_ratio", "max_ratio", mode="before")
        @classmethod
        def _parses(cls, value: object) -> str:
            try:
                _ratio(str(value))
            except (ValueError, ZeroDivisionError) as exc:
                msg = f"{value!r} is not a ratio like '16/9' or '16:9' ({exc})"
                raise ValueError(msg) from None
            return str(value)

    stat_key = "video_aspect_ratios"
    cost = 2.0
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        videos = row_images(batch.column(self.params.video_key))
        out = []
        for i in rows:
            infos = [probe_video(v) for v in videos[i]]
            out.append([x.width / x.height for x in infos])
        return out

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        lo, hi = _ratio(self.params.min_ratio), _ratio(self.params.max_ratio)
        return keep_items_in_range(self, batch, lo, hi)
