"""Video files for the video ops: open and probe with PyAV, hash packets, cut and resize clips.

Every failure to read a video raises :class:`MediaError` (the image helpers' own) naming the
path and the reason, so the op's base quarantines that one sample. Produced files are named by
``media.produced_path`` (Data-Juicer's ``__dj__produced_data__`` layout) and written
atomically. Probes are cached per file (path, size, mtime), so several filters over the same
videos open each file once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from recipe_copilot.engine.ops.common.media import MediaError, produced_path

__all__ = [
    "MediaError",
    "VideoInfo",
    "atomic_output",
    "cut_clip",
    "ffprobe_seconds",
    "iter_frames",
    "open_video",
    "probe_video",
    "produced_path",
    "resize_video",
    "resized_dims",
    "video_packets_md5",
]


def _check_path(path: Any, kind: str) -> str:
    if not isinstance(path, str) or not path:
        msg = f"cannot open {kind} {path!r}: a {kind} path must be a non-empty string"
        raise MediaError(msg)
    if "://" not in path and not os.path.isfile(path):
        reason = "is a folder" if os.path.isdir(path) else "no such file"
        msg = f"cannot open {kind} {path!r}: {reason}"
        raise MediaError(msg)
    return path


def open_video(path: Any) -> Any:
    """An open PyAV input container (use it as a context manager); raise :class:`MediaError`."""
    import av

    _check_path(path, "video")
    try:
        container = av.open(path)
    except Exception as exc:
        msg = f"cannot open video {path!r}: {_reason(exc)}"
        raise MediaError(msg) from None
    if not container.streams.video:
        container.close()
        msg = f"cannot open video {path!r}: it has no video stream"
        raise MediaError(msg)
    return container


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.split(": '", 1)[0] if isinstance(text, str) else str(text)


def ffprobe_seconds(value: float) -> float:
    """A duration as ffprobe prints it (``%f``: six decimals) and Data-Juicer parses it back."""
    return float(f"{value:f}")


@dataclass(frozen=True)
class VideoInfo:
    """What the filters read from a video's first stream.

    ``duration`` is Data-Juicer's default (ffmpeg backend): the stream's duration as ffprobe
    prints it, else the container's; ``stream_duration`` the exact ``duration * time_base``
    (the av backend; None when the stream does not say).
    """

    duration: float
    stream_duration: float | None
    width: int
    height: int
    fps: float


def probe_video(path: Any) -> VideoInfo:
    """Duration, resolution and frame rate of a video (cached per file version)."""
    _check_path(path, "video")
    st = os.stat(path) if "://" not in path else None
    return _probe(path, st.st_size if st else 0, st.st_mtime_ns if st else 0)


@lru_cache(maxsize=4096)
def _probe(path: str, _size: int, _mtime: int) -> VideoInfo:
    with open_video(path) as container:
        stream = container.streams.video[0]
        exact = float(stream.duration * stream.time_base) if stream.duration is not None else None
        if exact is not None:
            duration = ffprobe_seconds(exact)
        elif container.duration is not None:
            duration = ffprobe_seconds(container.duration / 1_000_000)
        else:
            duration = 0.0
        ctx = stream.codec_context
        rate = stream.average_rate
        return VideoInfo(duration, exact, ctx.width, ctx.height, float(rate) if rate else 0.0)


def video_packets_md5(paths: Sequence[str]) -> str:
    """MD5 over the bytes of every video packet of ``paths``, in order (Data-Juicer's video hash)."""
    md5 = hashlib.md5()
    for path in paths:
        with open_video(path) as container:
            try:
                for packet in container.demux():
                    if packet.stream.type == "video":
                        md5.update(bytes(packet))
            except Exception as exc:
                msg = f"cannot read video {path!r}: {_reason(exc)}"
                raise MediaError(msg) from None
    return md5.hexdigest()


def iter_frames(path: str, fps: float | None = None, fmt: str = "rgb24") -> Iterator[np.ndarray]:
    """Decoded frames as arrays; with ``fps``, every ``round(native_fps / fps)``-th frame."""
    with open_video(path) as container:
        stream = container.streams.video[0]
        native = float(stream.average_rate or 0) or None
        step = max(round(native / min(fps, native)), 1) if fps and native else 1
        try:
            for i, frame in enumerate(container.decode(stream)):
                if i % step == 0:
                    yield frame.to_ndarray(format=fmt)
        except MediaError:
            raise
        except Exception as exc:
            msg = f"cannot decode video {path!r}: {_reason(exc)}"
            raise MediaError(msg) from None


# --------------------------------------------------------------------------- writing
def atomic_output(target: str, write: Callable[[str], None]) -> str:
    """Run ``write(tmp)`` on a temporary name beside ``target``, then rename it to ``target``."""
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    name, ext = os.path.splitext(os.path.basename(target))
    fd, tmp = tempfile.mkstemp(prefix=f".{name[:40]}.", suffix=f".part{ext}", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def cut_clip(source: str, target: str, start: float, end: float | None) -> bool:
    """Copy the packets of ``[start, end)`` into ``target`` (mp4) without re-encoding.

    Like ``ffmpeg -ss start -i source -t (end-start) -c copy``: the clip begins at the last
    video keyframe at or before ``start``; timestamps are shifted so that keyframe is at 0.
    Returns False (writing nothing) when the span holds no video packet.
    """
    import av

    origin = _keyframe_at_or_before(source, start)

    def write(tmp: str) -> None:
        with open_video(source) as src, av.open(tmp, "w", format="mp4") as dst:
            vin = src.streams.video[0]
            ain = src.streams.audio[0] if src.streams.audio else None
            vout = dst.add_stream_from_template(vin)
            aout = dst.add_stream_from_template(ain) if ain is not None else None
            wrote = False
            for packet in src.demux(*(s for s in (vin, ain) if s is not None)):
                if packet.dts is None or packet.pts is None:
                    continue
                t = float(packet.pts * packet.time_base)
                if t < origin - _EPS or (end is not None and t >= end - _EPS):
                    continue
                wrote = wrote or packet.stream is vin
                shift = round(origin / packet.time_base)
                packet.stream = vout if packet.stream is vin else aout
                packet.pts -= shift
                packet.dts -= shift
                dst.mux(packet)
            if not wrote:
                raise _NothingWritten

    try:
        atomic_output(target, write)
    except _NothingWritten:
        return False
    except MediaError:
        raise
    except Exception as exc:
        msg = f"cannot cut video {source!r} [{start}, {end}): {_reason(exc)}"
        raise MediaError(msg) from None
    return True


class _NothingWritten(Exception):
    pass


_EPS = 1e-9


def _keyframe_at_or_before(path: str, start: float) -> float:
    """Time of the last video keyframe at or before ``start`` (where ``ffmpeg -ss`` copies from)."""
    best: float | None = None
    with open_video(path) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.pts is None or not packet.is_keyframe:
                continue
            t = float(packet.pts * packet.time_base)
            if t > start + _EPS:
                break
            best = t
    return best if best is not None else 0.0


def resize_video(source: str, target: str, width: int, height: int) -> str:
    """Re-encode ``source`` at ``width`` x ``height`` (bicubic, as ffmpeg's scale filter) into
    ``target``; the audio stream is copied as it is."""
    import av

    def write(tmp: str) -> None:
        with open_video(source) as src, av.open(tmp, "w") as dst:  # muxer from the extension
            vin = src.streams.video[0]
            ain = src.streams.audio[0] if src.streams.audio else None
            vout = dst.add_stream(_encoder_for(dst), rate=vin.average_rate or Fraction(25))
            vout.width, vout.height = width, height
            vout.pix_fmt = "yuv420p"
            aout = dst.add_stream_from_template(ain) if ain is not None else None
            for packet in src.demux(*(s for s in (vin, ain) if s is not None)):
                if packet.stream is vin:
                    for frame in packet.decode():
                        small = frame.reformat(width, height, "yuv420p", interpolation="BICUBIC")
                        small.pts, small.time_base = frame.pts, frame.time_base
                        dst.mux(vout.encode(small))
                elif packet.dts is not None:
                    packet.stream = aout
                    dst.mux(packet)
            dst.mux(vout.encode(None))

    try:
        return atomic_output(target, write)
    except MediaError:
        raise
    except Exception as exc:
        msg = f"cannot resize video {source!r} to {width}x{height}: {_reason(exc)}"
        raise MediaError(msg) from None


def _encoder_for(container: Any) -> str:
    import av

    name = container.default_video_codec
    return name if name in av.codecs_available else "mpeg4"


def resized_dims(
    height: float, width: float, size: Sequence[int] | None, max_size: int | None, divisible: int = 1
) -> tuple[int, int]:
    """Data-Juicer's ``calculate_resized_dimensions``: the new (height, width) of a frame.

    ``size`` of one value sets the short edge (the long one keeps the ratio, truncated), of two
    values the short and long edges; ``max_size`` then caps the long edge (scaling the short
    one); both are finally truncated to multiples of ``divisible``.
    """
    short, long = sorted((width, height))
    if size:
        if len(size) == 1:
            new_short, new_long = size[0], int(size[0] * long / short)
        else:
            new_short, new_long = min(size), max(size)
    else:
        new_short, new_long = short, long
    if max_size is not None and new_long > max_size:
        new_short, new_long = int(new_short * (max_size / new_long)), max_size
    dims = (new_short, new_long) if width >= height else (new_long, new_short)
    return int(dims[0] / divisible) * divisible, int(dims[1] / divisible) * divisible
