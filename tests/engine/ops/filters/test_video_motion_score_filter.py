"""video_motion_score_filter: Farneback flow on sampled frames; still vs moving, options."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

cv2 = pytest.importorskip("cv2")
av = pytest.importorskip("av")

OP = "video_motion_score_filter"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("mot")
    return {
        "still": write_synthetic_video(str(d / "still.mp4"), fps=8, seconds=2, gop=1),
        "moving": write_synthetic_video(str(d / "moving.mp4"), fps=8, seconds=2, gop=1, square_speed=2),
    }


def reference_score(path: str, step: int) -> float:
    """Mean Farneback magnitude over every ``step``-th frame, decoded with PyAV (not OpenCV)."""
    with av.open(path) as c:
        frames = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)][::step]
    grays = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    scores = []
    for a, b in itertools.pairwise(grays):
        flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
        scores.append(float(np.mean(np.hypot(flow[..., 0], flow[..., 1]))))
    return float(np.mean(scores))


def score(out) -> list[float]:
    return [s[0] for s in out.stats("video_motion_score")]


def test_moving_kept_still_dropped(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["still"]]}, {"id": 1, "text": "", "videos": [clips["moving"]]}]
    out = run_rows(rows, [OP], workdir=tmp_path / "a")
    assert [r["id"] for r in out.rows] == [1]
    # 8 fps sampled at 2 fps: every 4th frame
    assert score(out)[0] == pytest.approx(reference_score(clips["moving"], 4), rel=0.05)
    out = run_rows(rows, [{OP: {"min_score": 0}}], workdir=tmp_path / "b")
    still, moving = score(out)
    assert still < 0.05 < 0.3 < moving


def test_sampling_fps_and_relative(clips, tmp_path) -> None:
    rows = [{"text": "", "videos": [clips["moving"]]}]
    every = score(run_rows(rows, [{OP: {"min_score": 0, "sampling_fps": 8}}], workdir=tmp_path / "a"))[0]
    assert every == pytest.approx(reference_score(clips["moving"], 1), rel=0.05)
    fourth = score(run_rows(rows, [{OP: {"min_score": 0}}], workdir=tmp_path / "b"))[0]
    assert every < fourth  # 2 px per compared pair instead of 8
    rel = score(run_rows(rows, [{OP: {"min_score": 0, "relative": True}}], workdir=tmp_path / "c"))[0]
    assert rel == pytest.approx(fourth / math.hypot(48, 64), rel=1e-9)


def test_resizing_changes_the_score(clips, tmp_path) -> None:
    rows = [{"text": "", "videos": [clips["moving"]]}]
    full = score(run_rows(rows, [{OP: {"min_score": 0}}], workdir=tmp_path / "a"))[0]
    small = score(run_rows(rows, [{OP: {"min_score": 0, "size": 24}}], workdir=tmp_path / "b"))[0]
    assert small != full and small > 0


def test_frames_field(clips, tmp_path) -> None:
    with av.open(clips["moving"]) as c:
        frames = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
    files = []
    for i, f in enumerate(frames[::4]):
        files.append(str(tmp_path / f"f{i}.png"))
        cv2.imwrite(files[-1], f)
    rows = [{"text": "", "frames": [files]}]
    got = score(run_rows(rows, [{OP: {"min_score": 0, "frame_field": "frames"}}], workdir=tmp_path / "run"))[0]
    assert got == pytest.approx(reference_score(clips["moving"], 4), rel=1e-6)


def test_any_all_no_video_and_missing(clips, tmp_path) -> None:
    rows = [
        {"id": 0, "text": "", "videos": [clips["still"], clips["moving"]]},
        {"id": 1, "text": ""},
        {"id": 2, "text": "", "videos": [str(tmp_path / "gone.mp4")]},
    ]
    out = run_rows(rows, [OP], workdir=tmp_path / "a")
    assert [r["id"] for r in out.rows] == [0, 1]
    assert "gone.mp4" in out.errors[0]["error"]
    out = run_rows(rows[:2], [{OP: {"any_or_all": "all"}}], workdir=tmp_path / "b")
    assert [r["id"] for r in out.rows] == [1] and out.stats("video_motion_score") == [[]]


def test_bad_parameters() -> None:
    with pytest.raises(ParamError, match="sampling_fps"):
        run_rows([{"text": ""}], [{OP: {"sampling_fps": 0}}])
    with pytest.raises(ParamError, match="divisible"):
        run_rows([{"text": ""}], [{OP: {"divisible": 0}}])
