"""video_motion_score_filter: keep samples whose videos move enough (Farneback optical flow)."""

from __future__ import annotations

import sys
from typing import Any, Literal

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import MediaError, keep_items_in_range, row_images
from recipe_copilot.engine.ops.common.video import _check_path, resized_dims
from recipe_copilot.engine.sample import META, SampleBatch

_FARNEBACK = ("pyr_scale", "levels", "winsize", "iterations", "poly_n", "poly_sigma", "flags")


class VideoMotionScoreFilter(Filter):
    """Keep samples whose videos' motion score is between min_score and max_score.

    Frames are read with OpenCV about ``sampling_fps`` times a second (every
    ``round(fps / sampling_fps)``-th frame); each consecutive pair gives a dense Farneback
    optical flow, whose mean magnitude (pixels; with ``relative``, divided by the frame
    diagonal) is the pair's score, and the video's score is the mean over pairs (-1 when
    there is no pair). With ``frame_field`` the frames are image paths or bytes from that
    field instead. As in Data-Juicer, ``size``/``max_size``/``divisible`` resize frames to
    OpenCV's ``dsize=(new_height, new_width)``, i.e. width and height swapped.

    Stat: ``video_motion_score`` (a list, one score per video).

    Example:
        ``- video_motion_score_filter: {min_score: 0.5}`` keeps a clip with a square sliding
        2 px per frame and drops a still one (score 0).
    """

    class Params(FilterParams):
        min_score: float = Field(0.25, description="Minimum motion score.")
        max_score: float = Field(sys.float_info.max, description="Maximum motion score.")
        frame_field: str | None = Field(None, description="Field with each video's frames (paths or bytes).")
        sampling_fps: float = Field(2, gt=0, description="Frames per second to compute the flow on.")
        original_fps: float | None = Field(None, gt=0, description="FPS of the frames in frame_field.")
        size: int | list[int] | None = Field(None, description="Short edge, or [short, long], to resize to.")
        max_size: int | None = Field(None, gt=0, description="Cap on the long edge after resizing.")
        divisible: int = Field(1, gt=0, description="Resized edges are truncated to multiples of this.")
        relative: bool = Field(False, description="Divide the flow magnitude by the frame diagonal.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its videos passes, or only if all do."
        )
        if_output_optical_flow: bool = Field(False, description="Store the flows in the meta field.")
        optical_flow_key: str = Field("video_optical_flow", description="Meta key for the flows.")
        pyr_scale: float = Field(0.5, description="Farneback: pyramid scale.")
        levels: int = Field(3, description="Farneback: pyramid levels.")
        winsize: int = Field(15, description="Farneback: averaging window size.")
        iterations: int = Field(3, description="Farneback: iterations per level.")
        poly_n: int = Field(5, description="Farneback: pixel neighbourhood size.")
        poly_sigma: float = Field(1.2, description="Farneback: Gaussian sigma of the polynomial fit.")
        flags: int = Field(0, description="Farneback: OpenCV flags.")

    stat_key = "video_motion_score"
    cost = 50.0
    reads_text = False
    requires = ("cv2",)
    extra = "media"

    def setup(self) -> None:
        p = self.params
        self._size = [p.size] if isinstance(p.size, int) else p.size
        if self._size is not None and len(self._size) not in (1, 2):
            msg = f"size must be an int or 1 or 2 ints, got {p.size!r}"
            raise ValueError(msg)
        self._flow_args = {k: getattr(p, k) for k in _FARNEBACK}

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        p = self.params
        videos = row_images(batch.column(p.video_key))
        frames = batch.column(p.frame_field) if p.frame_field else [None] * len(batch)
        scores, flows = [], []
        for i in rows:
            if frames[i] is not None:  # Data-Juicer prefers the frames when the field is there
                done = [self._score(self._read_frames(f)) for f in frames[i]]
            else:
                memo: dict[str, tuple[float, list]] = {}
                for v in videos[i]:
                    if v not in memo:
                        memo[v] = self._score(self._read_video(v))
                done = [memo[v] for v in videos[i]]
            scores.append([s for s, _ in done])
            flows.append([f for _, f in done])
        if p.if_output_optical_flow:
            meta = batch.column(META)
            new = [dict(meta[i]) if isinstance(meta[i], dict) else {} for i in range(len(batch))]
            for i, f in zip(rows, flows, strict=True):
                new[i][p.optical_flow_key] = f
            batch.set_column(META, new)
        return scores

    def _read_video(self, path: str) -> Any:
        import cv2

        cap = cv2.VideoCapture(_check_path(path, "video"))
        try:
            if not cap.isOpened():
                msg = f"cannot open video {path!r}: OpenCV cannot read it"
                raise MediaError(msg)
            fps = cap.get(cv2.CAP_PROP_FPS)
            step = round(fps / min(self.params.sampling_fps, fps))
            step = max(min(step, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) - 1), 1)
            h, w = cap.get(cv2.CAP_PROP_FRAME_HEIGHT), cap.get(cv2.CAP_PROP_FRAME_WIDTH)
            ok, frame = cap.read()
            while ok:
                yield self._resize(frame, h, w)
                for _ in range(step - 1):  # the frames between samples: demux and decode only
                    if not cap.grab():
                        return
                ok, frame = cap.read()
        finally:
            cap.release()

    def _read_frames(self, frames: list) -> Any:
        import cv2

        fps = self.params.original_fps
        step = max(round(fps / min(self.params.sampling_fps, fps)), 1) if fps else 1
        for k, item in enumerate(frames):
            if k % step:
                continue
            if isinstance(item, bytes):
                img = cv2.imdecode(np.frombuffer(item, dtype=np.uint8), cv2.IMREAD_COLOR)
            else:
                img = cv2.imread(_check_path(item, "frame"))
            if img is None:
                msg = f"cannot open frame {item if isinstance(item, str) else '<bytes>'!r}: not an image"
                raise MediaError(msg)
            if self._size or self.params.max_size:  # here Data-Juicer ignores divisible alone
                img = self._resize(img, *img.shape[:2])
            yield img

    def _resize(self, frame: np.ndarray, h: float, w: float) -> np.ndarray:
        import cv2

        p = self.params
        new = resized_dims(h, w, self._size, p.max_size, p.divisible)
        return frame if new == (h, w) else cv2.resize(frame, new, interpolation=cv2.INTER_AREA)

    def _score(self, frames: Any) -> tuple[float, list]:
        import cv2

        scores, flows, prev = [], [], None
        keep_flows = self.params.if_output_optical_flow
        for frame in frames:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if prev is not None:
                flow = cv2.calcOpticalFlowFarneback(prev, gray, None, **self._flow_args)
                mag, _ = cv2.cartToPolar(flow[..., 0], flow[..., 1])
                score = np.mean(mag)
                if self.params.relative:
                    score /= np.hypot(*frame.shape[:2])
                scores.append(float(score))
                if keep_flows:
                    flows.append(flow)
            prev = gray
        return float(np.mean(scores or [-1])), (np.stack(flows).tolist() if flows else [])

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_score, self.params.max_score)
