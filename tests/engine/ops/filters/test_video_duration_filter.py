"""video_duration_filter: per-video durations (ffprobe-style), any/all, bounds, bad files."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

OP = "video_duration_filter"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("vid")
    # 4 fps: n frames last n / 4 seconds
    return {f"{n / 4:g}s": write_synthetic_video(str(d / f"v{n}.mp4"), fps=4, seconds=n / 4) for n in (4, 8, 12, 5)}


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_durations_and_range(clips, tmp_path) -> None:
    rows = [{"id": i, "text": "", "videos": [clips[k]]} for i, k in enumerate(["1s", "2s", "3s", "1.25s"])]
    out = run_rows(rows, [{OP: {"min_duration": 1.5, "max_duration": 2.5}}], workdir=tmp_path)
    assert ids(out) == [1]
    assert out.stats("video_duration") == [[2.0]]
    out = run_rows(rows, [{OP: {"min_duration": 0}}], workdir=tmp_path / "b")
    assert out.stats("video_duration") == [[1.0], [2.0], [3.0], [1.25]]


def test_any_or_all_and_no_video(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["1s"], clips["3s"]]}, {"id": 1, "text": "none"}]
    assert ids(run_rows(rows, [{OP: {"min_duration": 2}}], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {"min_duration": 2, "any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1]
    assert out.stats("video_duration") == [[]]


def test_open_bounds_and_reversed(clips, tmp_path) -> None:
    rows = [{"id": i, "text": "", "videos": [clips[k]]} for i, k in enumerate(["1s", "2s", "3s"])]
    assert ids(run_rows(rows, [{OP: {"min_duration": 2, "max_duration": 3}}], workdir=tmp_path / "a")) == [1, 2]
    p = {"min_duration": 2, "max_duration": 3, "min_closed_interval": False, "max_closed_interval": False}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "b")) == []
    p = {"min_duration": 1.5, "max_duration": 2.5, "reversed_range": True}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "c")) == [0, 2]


def test_av_backend_gives_exact_duration(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["1.25s"]]}]
    assert run_rows(rows, [{OP: {"video_backend": "av"}}], workdir=tmp_path).stats("video_duration") == [[1.25]]


def test_missing_and_corrupt_files_are_quarantined(clips, tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 20)
    rows = [
        {"id": 0, "text": "", "videos": [clips["2s"]]},
        {"id": 1, "text": "", "videos": [str(tmp_path / "missing.mp4")]},
        {"id": 2, "text": "", "videos": [str(bad)]},
    ]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    errors = {e["sample"]["id"]: e["error"] for e in out.errors}
    assert "missing.mp4" in errors[1] and "no such file" in errors[1]
    assert "bad.mp4" in errors[2] and "cannot open video" in errors[2]


def test_existing_stat_is_reused(tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": ["/nowhere.mp4"], "__dj__stats__": {"video_duration": [7.0]}}]
    out = run_rows(rows, [{OP: {"max_duration": 5}}], workdir=tmp_path)
    assert out.rows == [] and out.errors == []


def test_bad_parameters() -> None:
    with pytest.raises(ParamError, match="any_or_all"):
        run_rows([{"text": ""}], [{OP: {"any_or_all": "some"}}])
    with pytest.raises(ParamError, match="video_backend"):
        run_rows([{"text": ""}], [{OP: {"video_backend": "decord"}}])
