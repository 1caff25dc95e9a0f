"""video_duration_filter: keep samples whose videos last between min and max seconds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.media import MediaError, keep_items_in_range, row_images
from recipe_copilot.engine.ops.common.video import probe_video
from recipe_copilot.engine.sample import SampleBatch


class VideoDurationFilter(Filter):
    """Keep samples whose videos last between min_duration and max_duration seconds.

    The duration is the first video stream's, as ffprobe reports it (six decimals; the
    container's when the stream has none); with ``video_backend: av`` the exact
    ``duration * time_base``. A sample without videos is kept.

    Stat: ``video_duration`` (a list, seconds per video).

    Example:
        ``- video_duration_filter: {min_duration: 2}`` keeps a sample with a 3 s clip and
        drops one whose only clip lasts 1 s.
    """

    class Params(FilterParams):
        min_duration: float = Field(0, description="Minimum video duration in seconds.")
        max_duration: float = Field(BIG, description="Maximum video duration in seconds.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its videos passes, or only if all do."
        )
        video_backend: Literal["ffmpeg", "av"] = Field(
            "ffmpeg", description="Whose duration to report: ffprobe's (rounded) or PyAV's (exact)."
        )

    stat_key = "video_duration"
    cost = 2.0
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        videos = row_images(batch.column(self.params.video_key))
        seconds = _av_seconds if self.params.video_backend == "av" else _ffprobe_seconds
        return [[seconds(v) for v in videos[i]] for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_duration, self.params.max_duration)


def _ffprobe_seconds(path: str) -> float:
    return probe_video(path).duration


def _av_seconds(path: str) -> float:
    value = probe_video(path).stream_duration
    if value is None:
        msg = f"cannot read video {path!r}: its stream states no duration (needed by video_backend 'av')"
        raise MediaError(msg)
    return value
