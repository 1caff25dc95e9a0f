"""Data-Juicer's frame sampling of a video (PyAV): every key frame, or N frames spread over its duration.

- :func:`key_frames`: the key frames, decoded with non-key frames skipped (the first frame
  when the stream marks none).
- :func:`uniform_frames`: ``frame_num`` time points (the middle for 1; both ends and even steps
  between for more, capped at the stream's frame count); each is the first frame at or after
  its time, searched from the last key frame before it; a search that runs off the end takes
  the last frame it decoded instead.
- :func:`sample_frames`: either, as PIL RGB images, with a clear :class:`MediaError` on failure.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from typing import Any

from PIL import Image

from recipe_copilot.engine.ops.common.media import MediaError
from recipe_copilot.engine.ops.common.video import open_video

__all__ = ["key_frames", "sample_frames", "uniform_frames"]


def key_frames(container: Any) -> list[Any]:
    """The key frames of the first video stream (the first frame if none is marked key)."""
    stream = container.streams.video[0]
    ctx = stream.codec_context
    before = ctx.skip_frame
    ctx.skip_frame = "NONKEY"
    try:
        container.seek(0)
        frames = list(container.decode(stream))
    finally:
        ctx.skip_frame = before
    if not frames:
        container.seek(0)
        first = next(iter(container.decode(stream)), None)
        frames = [first] if first is not None else []
    return frames


def _times(stream: Any, frame_num: int) -> list[Fraction]:
    frame_num = min(frame_num, stream.frames)
    if stream.duration is None:
        msg = "the video stream does not state its duration"
        raise ValueError(msg)
    duration = stream.duration * stream.time_base
    if frame_num == 1:
        return [duration / 2]
    return [duration / (frame_num - 1) * i for i in range(frame_num)]


def uniform_frames(container: Any, frame_num: int) -> list[Any]:
    """``frame_num`` frames spread over the first video stream, found as Data-Juicer finds them."""
    stream = container.streams.video[0]
    times = _times(stream, frame_num)
    starts = sorted(float(f.pts * f.time_base) for f in key_frames(container))
    if 0.0 not in starts:
        starts.insert(0, 0.0)
    groups: dict[int, list[Fraction]] = {}
    for t in times:  # each time point is searched from the last key frame at or before it
        groups.setdefault(max(bisect.bisect_right(starts, t) - 1, 0), []).append(t)
    out: list[Any] = []
    last = None
    for g in sorted(groups):
        wanted = [t / stream.time_base for t in groups[g]]
        if starts[g] == 0.0:
            container.seek(0)
            decoded = container.decode(stream)
        else:
            container.seek(int(starts[g] * 1e6))
            decoded = (f for packet in container.demux(stream) for f in packet.decode())
        k = 0
        for frame in decoded:
            last = frame
            if frame.pts >= wanted[k]:
                out.append(frame)
                k += 1
                if k == len(wanted):
                    break
        if k < len(wanted) and last is not None:  # ran off the end: the last frame decoded stands in
            out.append(last)
    return out


def sample_frames(path: Any, method: str, frame_num: int) -> list[Image.Image]:
    """Frames of the video at ``path`` as RGB images: ``all_keyframes`` or ``uniform`` sampling."""
    with open_video(path) as container:
        try:
            frames = key_frames(container) if method == "all_keyframes" else uniform_frames(container, frame_num)
            return [f.to_image() for f in frames]
        except Exception as exc:
            msg = f"cannot sample frames of video {path!r}: {type(exc).__name__}: {exc}"
            raise MediaError(msg) from None
