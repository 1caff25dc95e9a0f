"""video_resize_resolution_mapper: re-encode videos whose size is out of range to fit it."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from recipe_copilot.engine.ops.base import BIG, Mapper, OpParams
from recipe_copilot.engine.ops.common.media import produced_path
from recipe_copilot.engine.ops.common.video import probe_video, resize_video
from recipe_copilot.engine.sample import SOURCE_FILE, SampleBatch


class VideoResizeResolutionMapper(Mapper):
    """Resize videos whose width or height is outside [min, max] so that they fit.

    A video in range is left as it is. Otherwise the out-of-range edge is set to the bound
    and the other follows the aspect ratio; both are then clamped to their ranges and made
    divisible by 2 (by force_divisible_by when force_original_aspect_ratio is "increase" or
    "decrease", which then also restore the original ratio by growing or shrinking one edge).
    The video is re-encoded (H.264, bicubic scaling; audio copied) to
    ``<name>__dj_hash_#<hash>#<ext>`` under save_dir, else under
    ``__dj__produced_data__/video_resize_resolution_mapper/`` beside it, and the path in the
    sample is replaced; ``__dj__source_file__`` keeps the original paths. Text is unchanged.

    Example:
        ``- video_resize_resolution_mapper: {max_width: 32}`` turns a 64x48 video into a
        32x24 copy and leaves a 32x32 one as it is.
    """

    class Params(OpParams):
        min_width: int = Field(1, description="Videos narrower than this are enlarged.")
        max_width: int = Field(BIG, description="Videos wider than this are shrunk.")
        min_height: int = Field(1, description="Videos shorter than this are enlarged.")
        max_height: int = Field(BIG, description="Videos taller than this are shrunk.")
        force_original_aspect_ratio: Literal["disable", "decrease", "increase"] = Field(
            "disable", description="Restore the original aspect ratio by shrinking or growing an edge."
        )
        force_divisible_by: int = Field(2, gt=0, description="Edges are made multiples of this (with the ratio).")
        save_dir: str | None = Field(None, description="Folder for the resized videos (default: beside the input).")

        @field_validator("force_original_aspect_ratio", mode="before")
        @classmethod
        def _lower(cls, value: object) -> object:
            return value.lower() if isinstance(value, str) else value

        @model_validator(mode="after")
        def _even_divisor(self) -> VideoResizeResolutionMapper.Params:
            d = self.force_divisible_by
            if self.force_original_aspect_ratio != "disable" and (d <= 1 or d % 2):
                msg = f"force_divisible_by ({d}) must be a positive even number with force_original_aspect_ratio"
                raise ValueError(msg)
            return self

    cost = 50.0
    reads_text = False

    def setup(self) -> None:
        self.signature = self.params.model_dump(exclude={"save_dir"})

    def target_size(self, width: int, height: int) -> tuple[int, int] | None:
        """The new (width, height), or None when the video is in range (Data-Juicer's rules)."""
        p = self.params
        if p.min_width <= width <= p.max_width and p.min_height <= height <= p.max_height:
            return None
        ratio = width / height
        w: float = width
        h: float = height
        if w < p.min_width:
            w, h = p.min_width, p.min_width / ratio
        if w > p.max_width:
            w, h = p.max_width, p.max_width / ratio
        if h < p.min_height:
            w, h = p.min_height * ratio, p.min_height
        if h > p.max_height:
            w, h = p.max_height * ratio, p.max_height
        d = 2 if p.force_original_aspect_ratio == "disable" else p.force_divisible_by
        w = int(min(math.ceil(int(max(w, p.min_width)) / d) * d, p.max_width) / d) * d
        h = int(min(math.ceil(int(max(h, p.min_height)) / d) * d, p.max_height) / d) * d
        mode = p.force_original_aspect_ratio
        if (mode == "increase" and w / h < ratio) or (mode == "decrease" and w / h > ratio):
            w = h * ratio
        elif (mode == "increase" and w / h > ratio) or (mode == "decrease" and w / h < ratio):
            h = w / ratio
        return round(w / d) * d, round(h / d) * d

    def _resize(self, path: str) -> str:
        info = probe_video(path)
        size = self.target_size(info.width, info.height)
        if size is None:
            return path
        target = produced_path(path, self.name, self.params.save_dir, self.signature)
        return resize_video(path, target, *size)

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        vk = self.params.video_key
        videos, sources = batch.column(vk), batch.column(SOURCE_FILE)
        new_videos, new_sources = [], []
        for vids, src in zip(videos, sources, strict=True):
            if not vids:
                new_videos.append(vids)
                new_sources.append([])  # as Data-Juicer does for a sample without videos
                continue
            new_videos.append([self._resize(v) for v in vids])
            new_sources.append(src or list(vids))
        batch.set_column(vk, new_videos)
        batch.set_column(SOURCE_FILE, new_sources)
        return batch
