"""video_frames_text_similarity_filter: keep samples whose video frames and text are similar by CLIP."""

from __future__ import annotations

from typing import Literal

from PIL import Image
from pydantic import Field

from recipe_copilot.engine.ops.common.frames import sample_frames
from recipe_copilot.engine.ops.common.imagetext import (
    Chunks,
    ImageTextFilter,
    ImageTextParams,
    clip_similarity,
    flip,
    media_chunks,
)
from recipe_copilot.engine.ops.common.media import row_images
from recipe_copilot.engine.ops.common.video import open_video
from recipe_copilot.engine.sample import SampleBatch

_ROWS = 16  # rows whose frames are scored together (bounds the frames held in memory)


class VideoFramesTextSimilarityFilter(ImageTextFilter):
    """Keep samples whose CLIP similarity between video frames and text is in [min_score, max_score].

    The text is cut into chunks at the end-of-chunk token; each chunk holding video tokens
    takes the sample's next videos, in order, and is scored (special tokens removed) against
    their sampled frames: all key frames, or ``frame_num`` frames spread uniformly. A pair's
    score is CLIP's ``logits_per_text / 100``; reduce_mode folds the chunk's frames into one
    score (0.0 when it has none), any_or_all decides over chunks. A sample without videos or
    video tokens is kept. ``hf_clip`` must be a local folder or a cached Hugging Face id.

    Stat: ``video_frames_text_similarity`` (a list, one score per chunk).

    Example:
        ``- video_frames_text_similarity_filter: {hf_clip: /models/clip, min_score: 0.2}`` keeps
        ``"<__dj__video> a dog running"`` with a dog video, drops it with a video of traffic.
    """

    class Params(ImageTextParams):
        hf_clip: str = Field("openai/clip-vit-base-patch32", description="CLIP model: local folder or cached Hugging Face id.")
        min_score: float = Field(0.1, description="Minimum similarity to keep a sample.")
        max_score: float = Field(1.0, description="Maximum similarity to keep a sample.")
        frame_sampling_method: Literal["all_keyframes", "uniform"] = Field(
            "all_keyframes", description="Score all key frames, or frame_num frames spread uniformly.")
        frame_num: int = Field(3, ge=1, description="Frames per video for uniform sampling (1: the middle one).")

    stat_key = "video_frames_text_similarity"
    cost = 100.0
    requires = ("torch", "transformers", "av")
    model_param = "hf_clip"
    model_kind = "clip"
    scorer = staticmethod(clip_similarity)

    def _gather(self, texts: list, videos: list[list]) -> tuple[list[Chunks], list[Image.Image]]:
        p = self.params
        tokens = (p.image_special_token, p.audio_special_token, p.video_special_token, p.eoc_special_token)
        images: list[Image.Image] = []
        opened: set[str] = set()
        sampled: dict[str, list[int]] = {}  # video -> indices of its frames in `images`
        plans: list[Chunks] = []
        for text, paths in zip(texts, videos, strict=True):
            if not paths:
                plans.append(None)
                continue
            for path in paths:  # every video must open, as Data-Juicer opens them all
                if path not in opened:
                    with open_video(path):
                        opened.add(path)
            chunks = []
            for chunk, idx in media_chunks(text, len(paths), p.video_special_token, p.eoc_special_token, tokens):
                ids = []
                for path in (paths[j] for j in idx):
                    if path not in sampled:
                        frames = sample_frames(path, p.frame_sampling_method, p.frame_num)
                        sampled[path] = list(range(len(images), len(images) + len(frames)))
                        images += [flip(f, p.horizontal_flip, p.vertical_flip) for f in frames]
                    ids += sampled[path]
                chunks.append((chunk, ids))
            plans.append(chunks)
        return plans, images

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[list[float]]:
        texts, videos = batch.column(self.text_key), row_images(batch.column(self.params.video_key))
        out: list[list[float]] = []
        for s in range(0, len(rows), _ROWS):
            part = rows[s : s + _ROWS]
            plans, images = self._gather([texts[i] for i in part], [videos[i] for i in part])
            out += self.score(plans, images)
        return out
