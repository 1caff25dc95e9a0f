"""video_aspect_ratio_filter: width / height per video against exact fraction bounds."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

OP = "video_aspect_ratio_filter"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("vid")
    sizes = {"4:3": (64, 48), "1:2": (32, 64), "1:1": (48, 48), "5:2": (80, 32)}
    return {
        k: write_synthetic_video(str(d / f"r{w}x{h}.mp4"), width=w, height=h, seconds=0.5)
        for k, (w, h) in sizes.items()
    }


def rows_of(clips, keys) -> list[dict]:
    return [{"id": i, "text": "", "videos": [clips[k]]} for i, k in enumerate(keys)]


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_default_range_and_stats(clips, tmp_path) -> None:
    out = run_rows(rows_of(clips, ["4:3", "1:2", "1:1", "5:2"]), [OP], workdir=tmp_path)
    assert ids(out) == [0, 1, 2]  # 9/21 <= r <= 21/9; 5/2 is above 21/9
    assert out.stats("video_aspect_ratios") == [[64 / 48], [0.5], [1.0]]


def test_colon_or_slash_and_exact_bounds(clips, tmp_path) -> None:
    rows = rows_of(clips, ["4:3", "1:2", "1:1"])
    assert ids(run_rows(rows, [{OP: {"min_ratio": "1:1", "max_ratio": "4/3"}}], workdir=tmp_path / "a")) == [0, 2]
    # the float 64/48 is just below the fraction 4/3, so an open max still keeps it (as in Data-Juicer)
    p = {"min_ratio": "1/1", "max_ratio": "4:3", "min_closed_interval": False, "max_closed_interval": False}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "b")) == [0]
    # reversed keeps what is outside the open range (1, 5/4): the bound 1 itself stays
    p = {"min_ratio": "1/1", "max_ratio": "5:4", "reversed_range": True}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "c")) == [0, 1, 2]
    p = {"min_ratio": "1/1", "max_ratio": "5:4", "reversed_range": True, "min_closed_interval": False}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "d")) == [0, 1]


def test_any_or_all(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["4:3"], clips["5:2"]]}, {"id": 1, "text": "no video"}]
    assert ids(run_rows(rows, [OP], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {"any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1] and out.stats("video_aspect_ratios") == [[]]


def test_corrupt_file_is_quarantined(clips, tmp_path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 300)
    rows = [{"id": 0, "text": "", "videos": [clips["1:1"]]}, {"id": 1, "text": "", "videos": [str(bad)]}]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    assert "bad.mp4" in out.errors[0]["error"] and "cannot open video" in out.errors[0]["error"]


def test_bad_ratio() -> None:
    with pytest.raises(ParamError, match="min_ratio"):
        run_rows([{"text": ""}], [{OP: {"min_ratio": "wide"}}])
    with pytest.raises(ParamError, match="max_ratio"):
        run_rows([{"text": ""}], [{OP: {"max_ratio": "1/0"}}])
