"""video_resize_resolution_mapper: Data-Juicer's size rules, re-encoded copies, path rewrite."""

from __future__ import annotations

import os
import re

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.mappers.video_resize_resolution_mapper import VideoResizeResolutionMapper
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

av = pytest.importorskip("av")

OP = "video_resize_resolution_mapper"


def size_of(path: str) -> tuple[int, int, int]:
    with av.open(path) as c:
        s = c.streams.video[0]
        return s.codec_context.width, s.codec_context.height, sum(1 for _ in c.decode(s))


@pytest.fixture
def clips(tmp_path) -> dict[str, str]:
    d = tmp_path / "media"
    d.mkdir()
    return {
        "64x48": write_synthetic_video(str(d / "a.mp4"), width=64, height=48, seconds=1),
        "32x32": write_synthetic_video(str(d / "b.mp4"), width=32, height=32, seconds=1),
    }


def test_resizes_out_of_range_and_rewrites_paths(clips, tmp_path) -> None:
    a, b = clips["64x48"], clips["32x32"]
    rows = [{"text": "<__dj__video> x", "videos": [a, b]}, {"text": "none"}]
    out = run_rows(rows, [{OP: {"max_width": 32}}], workdir=tmp_path / "run")
    first, second = out.rows
    new_a, same_b = first["videos"]
    assert same_b == b and first["__dj__source_file__"] == [a, b]
    assert first["text"] == "<__dj__video> x"
    assert size_of(new_a) == (32, 24, 4)  # 64x48 scaled to width 32; 4 frames (1 s at 4 fps)
    folder = os.path.join(os.path.dirname(a), "__dj__produced_data__", OP)
    assert os.path.dirname(new_a) == folder
    assert re.fullmatch(r"a__dj_hash_#[0-9a-f]{64}#\.mp4", os.path.basename(new_a))
    assert os.listdir(folder) == [os.path.basename(new_a)]
    assert second["__dj__source_file__"] == []


def test_save_dir(clips, tmp_path) -> None:
    save = tmp_path / "out"
    rows = [{"text": "", "videos": [clips["32x32"]]}]
    out = run_rows(rows, [{OP: {"min_height": 40, "save_dir": str(save)}}], workdir=tmp_path / "run")
    (path,) = out.rows[0]["videos"]
    assert os.path.dirname(path) == str(save) and size_of(path)[:2] == (40, 40)


@pytest.mark.parametrize(
    ("params", "size", "expected"),
    [
        ({"max_width": 32}, (64, 48), (32, 24)),
        ({"min_width": 100}, (64, 48), (100, 76)),  # 75 rounded up to even
        ({"max_height": 30}, (64, 48), (40, 30)),
        ({"min_width": 50, "max_width": 60, "max_height": 20}, (64, 48), (50, 20)),  # clamped: ratio lost
        ({"min_width": 50, "max_width": 60, "max_height": 20, "force_original_aspect_ratio": "decrease"},
         (64, 48), (26, 20)),  # 20 * 4/3 = 26.7 -> 26
        ({"min_width": 50, "max_width": 60, "max_height": 20, "force_original_aspect_ratio": "increase",
          "force_divisible_by": 4}, (64, 48), (52, 40)),  # 52 / (4/3) = 39 -> 40
        ({"max_width": 64}, (64, 48), None),
    ],
)
def test_target_size_rules(params, size, expected) -> None:
    op = VideoResizeResolutionMapper(VideoResizeResolutionMapper.Params(**params))
    assert op.target_size(*size) == expected


def test_missing_video_is_quarantined(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [str(tmp_path / "gone.mp4")]}, {"id": 1, "text": "", "videos": [clips["64x48"]]}]
    out = run_rows(rows, [{OP: {"max_width": 32}}], workdir=tmp_path / "run")
    assert [r["id"] for r in out.rows] == [1]
    assert "gone.mp4" in out.errors[0]["error"] and "no such file" in out.errors[0]["error"]


def test_bad_parameters() -> None:
    with pytest.raises(ParamError, match="force_divisible_by"):
        run_rows([{"text": ""}], [{OP: {"force_original_aspect_ratio": "increase", "force_divisible_by": 3}}])
    with pytest.raises(ParamError, match="force_original_aspect_ratio"):
        run_rows([{"text": ""}], [{OP: {"force_original_aspect_ratio": "keep"}}])
