"""video_resolution_filter: keep samples whose videos' width and height are within ranges."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.media import keep_any_or_all, row_images
from recipe_copilot.engine.ops.common.video import probe_video
from recipe_copilot.engine.sample import SampleBatch

_W, _H = "video_width", "video_height"


class VideoResolutionFilter(Filter):
    """Keep samples whose videos are between min and max width and height (pixels).

    The size is the first video stream's coded width and height. A video passes when both
    are in range; a sample without videos is kept.

    Stats: ``video_width`` and ``video_height`` (lists, one value per video).

    Example:
        ``- video_resolution_filter: {min_width: 640}`` keeps a 1280x720 clip and drops a
        320x240 one.
    """

    class Params(FilterParams):
        min_width: int = Field(1, description="Minimum video width in pixels.")
        max_width: int = Field(BIG, description="Maximum video width in pixels.")
        min_height: int = Field(1, description="Minimum video height in pixels.")
        max_height: int = Field(BIG, description="Maximum video height in pixels.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its videos passes, or only if all do."
        )

    stat_keys = ("video_width", "video_height")
    cost = 2.0
    reads_text = False

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        # like Data-Juicer, both stats are recomputed unless a row has both already
        missing = set(batch.missing_stat_rows(_W)) | set(batch.missing_stat_rows(_H))
        if not missing:
            return
        rows = sorted(missing)
        videos = row_images(batch.column(self.params.video_key))
        infos = [[probe_video(v) for v in videos[i]] for i in rows]
        subset = None if len(rows) == len(batch) else rows
        batch.set_stat(_W, [[x.width for x in row] for row in infos], subset)
        batch.set_stat(_H, [[x.height for x in row] for row in infos], subset)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        flags = []
        for ws, hs in zip(batch.get_stat(_W), batch.get_stat(_H), strict=True):
            ok_w = self.in_range(ws or [], p.min_width, p.max_width)
            ok_h = self.in_range(hs or [], p.min_height, p.max_height)
            flags.append([a and b for a, b in zip(ok_w, ok_h, strict=False)])
        return keep_any_or_all(flags, p.any_or_all)
