"""video_resolution_filter: per-video width and height, both in range, any/all, bad files."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

OP = "video_resolution_filter"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("vid")
    sizes = {"wide": (64, 48), "tall": (32, 64), "tiny": (16, 16)}
    return {k: write_synthetic_video(str(d / f"{k}.mp4"), width=w, height=h, seconds=0.5) for k, (w, h) in sizes.items()}


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_stats_and_both_edges_checked(clips, tmp_path) -> None:
    rows = [{"id": i, "text": "", "videos": [clips[k]]} for i, k in enumerate(["wide", "tall", "tiny"])]
    out = run_rows(rows, [{OP: {"min_width": 20, "max_height": 50}}], workdir=tmp_path / "a")
    assert ids(out) == [0]  # tall fails the height, tiny the width
    assert out.stats("video_width") == [[64]] and out.stats("video_height") == [[48]]
    out = run_rows(rows, [OP], workdir=tmp_path / "b")
    assert out.stats("video_width") == [[64], [32], [16]]
    assert out.stats("video_height") == [[48], [64], [16]]


def test_any_or_all_and_no_video(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["wide"], clips["tiny"]]}, {"id": 1, "text": ""}]
    assert ids(run_rows(rows, [{OP: {"min_width": 32}}], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {"min_width": 32, "any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1]
    assert out.stats("video_width") == [[]] and out.stats("video_height") == [[]]


def test_open_bound_and_reversed(clips, tmp_path) -> None:
    rows = [{"id": i, "text": "", "videos": [clips[k]]} for i, k in enumerate(["wide", "tall"])]
    assert ids(run_rows(rows, [{OP: {"max_width": 32, "max_closed_interval": False}}], workdir=tmp_path / "a")) == []
    # reversed applies to width and height separately (as Data-Juicer): both must be outside
    rows.append({"id": 2, "text": "", "videos": [clips["tiny"]]})
    p = {"max_width": 32, "max_height": 40, "reversed_range": True}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "b")) == [0, 1]
    p = {"max_width": 32, "reversed_range": True}  # every height is inside (1, max)
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "c")) == []


def test_missing_file_is_quarantined(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["wide"]]}, {"id": 1, "text": "", "videos": [str(tmp_path / "x.mp4")]}]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    assert len(out.errors) == 1 and "x.mp4" in out.errors[0]["error"] and "no such file" in out.errors[0]["error"]


def test_bad_parameter() -> None:
    with pytest.raises(ParamError, match="min_width"):
        run_rows([{"text": ""}], [{OP: {"min_width": "wide"}}])
