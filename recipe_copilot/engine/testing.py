"""A test seam: run ops on a few rows through the real planner and executor.

Op tests use this instead of calling op methods by hand, so what they check is exactly what
a recipe run does (reading, fusion, quarantine, export included).

Example:
    >>> out = run_rows([{"text": "hello world"}, {"text": "hi"}], [{"text_length_filter": {"min_len": 5}}])
    >>> [r["text"] for r in out.rows]
    ['hello world']
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import Field

from recipe_copilot.engine.executors import InProcessExecutor, LocalExecutor
from recipe_copilot.engine.ops import register_op
from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.engine.runrecord import RunRecord

__all__ = ["FailingMapper", "RunOutcome", "read_jsonl", "run_rows", "write_jsonl", "write_synthetic_video"]


@register_op
class FailingMapper(Mapper):
    """Upper-cases text, but raises on texts containing a trigger word (a fake for fault tests)."""

    name = "fake_failing_mapper"

    class Params(OpParams):
        trigger: str = Field("boom", description="Texts containing this make the op raise.")

    def process_text(self, text: str) -> str:
        if self.params.trigger in text:
            msg = f"cannot handle {self.params.trigger!r}"
            raise RuntimeError(msg)
        return text.upper()


@dataclass
class RunOutcome:
    """Rows written by the run, the quarantine records, trace files and the run record."""

    rows: list[dict]
    errors: list[dict]
    traces: dict[str, list[dict]]
    record: RunRecord

    @property
    def texts(self) -> list[str]:
        """The ``text`` field of every output row."""
        return [r.get("text") for r in self.rows]

    def stats(self, key: str) -> list[Any]:
        """Stat ``key`` of every output row (the run keeps stats)."""
        return [(r.get("__dj__stats__") or {}).get(key) for r in self.rows]


def read_jsonl(path: str | Path) -> list[dict]:
    """Rows of a JSON-lines file ([] when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def write_jsonl(path: str | Path, rows: list[dict]) -> Path:
    """Write rows as JSON lines (creating folders); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def run_rows(
    rows: list[dict],
    process: list[Any],
    *,
    workdir: str | Path | None = None,
    np: int = 1,
    keep_stats: bool = True,
    **recipe_keys: Any,
) -> RunOutcome:
    """Run ``process`` on ``rows`` and return what came out.

    Args:
        rows: input samples.
        process: the recipe's ``process`` list.
        workdir: where to put input and output (a fresh temporary folder by default).
        np: worker processes (1 runs in this process).
        keep_stats: keep ``__dj__stats__`` in the output so tests can read stats.
        recipe_keys: more global recipe keys (``open_tracer=True``, ...).
    """
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="rc-test-"))
    base.mkdir(parents=True, exist_ok=True)
    data = write_jsonl(base / "input.jsonl", rows)
    raw = {
        "dataset_path": str(data),
        "export_path": str(base / "out" / "out.jsonl"),
        "np": np,
        "keep_stats_in_res_ds": keep_stats,
        **recipe_keys,
        "process": process,
    }
    recipe = recipe_from_mapping(raw, source="test recipe")
    executor = InProcessExecutor(recipe) if np <= 1 else LocalExecutor(recipe)
    record = executor.run()
    out_rows = [r for p in record.outputs for r in read_jsonl(Path(p))]
    errors = read_jsonl(Path(record.errors_path)) if record.errors_path else []
    traces = {}
    if record.trace_dir:
        traces = {p.stem: read_jsonl(p) for p in sorted(Path(record.trace_dir).glob("*.jsonl"))}
    return RunOutcome(out_rows, errors, traces, record)


def write_synthetic_video(
    path: str,
    *,
    width: int = 64,
    height: int = 48,
    fps: int = 4,
    seconds: float = 2.0,
    gop: int | None = None,
    square_speed: int = 0,
    codec: str = "mpeg4",
) -> str:
    """Write a small test video: grey background, a white 8x8 square moving ``square_speed``
    pixels per frame to the right (0: a still picture); a keyframe every ``gop`` frames."""
    import av
    import numpy as np

    with av.open(path, "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop or fps
        for i in range(round(seconds * fps)):
            img = np.full((height, width, 3), 96, dtype=np.uint8)
            x = (4 + i * square_speed) % max(width - 8, 1)
            img[height // 2 - 4 : height // 2 + 4, x : x + 8] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
