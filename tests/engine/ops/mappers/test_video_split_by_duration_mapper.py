"""video_split_by_duration_mapper: clip files, the 1 -> 2 sample expansion, tokens, naming."""

from __future__ import annotations

import os
import re

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

av = pytest.importorskip("av")

OP = "video_split_by_duration_mapper"
V, EOC = "<__dj__video>", "<|__dj__eoc|>"


@pytest.fixture
def clips(tmp_path) -> dict[str, str]:
    d = tmp_path / "media"
    d.mkdir()
    # 4 fps with a keyframe every 4 frames: cuts at whole seconds are exact
    return {
        "5s": write_synthetic_video(str(d / "a.mp4"), fps=4, seconds=5, gop=4),
        "1s": write_synthetic_video(str(d / "b.mp4"), fps=4, seconds=1, gop=4),
    }


def frames_in(path: str) -> int:
    with av.open(path) as c:
        return sum(1 for p in c.demux(video=0) if p.size)


def test_legacy_tokens_and_expansion(clips, tmp_path) -> None:
    a, b = clips["5s"], clips["1s"]
    rows = [{"id": 0, "text": f"{V} hi {V}", "videos": [a, b]}]
    out = run_rows(rows, [{OP: {"split_duration": 2}}], workdir=tmp_path / "run")
    assert len(out.rows) == 2
    original, new = out.rows
    assert original["text"] == f"{V} hi {V}" and original["videos"] == [a, b]
    assert original["__dj__source_file__"] == [a, b]
    assert new["text"] == f"{V * 3} hi {V}{EOC}"
    assert new["__dj__source_file__"] == [a, a, a, b]
    *pieces, short = new["videos"]
    assert short == b  # not longer than split_duration: kept as it is
    assert [frames_in(p) for p in pieces] == [8, 8, 4]
    folder = os.path.join(os.path.dirname(a), "__dj__produced_data__", OP)
    for k, p in enumerate(pieces):
        assert os.path.dirname(p) == folder
        assert re.fullmatch(rf"a__dj_hash_#[0-9a-f]{{64}}#_{k}\.mp4", os.path.basename(p))
    assert sorted(os.listdir(folder)) == sorted(os.path.basename(p) for p in pieces)  # no temp files left


def test_drop_original_and_samples_without_videos(clips, tmp_path) -> None:
    rows = [
        {"id": 0, "text": "no video"},
        {"id": 1, "text": "no token", "videos": [clips["5s"]]},
        {"id": 2, "text": f"{V}{EOC} tail {EOC}", "videos": [clips["5s"]]},
    ]
    out = run_rows(rows, [{OP: {"split_duration": 2, "keep_original_sample": False}}], workdir=tmp_path / "run")
    assert [r["id"] for r in out.rows] == [1, 2]
    assert out.rows[0]["text"] == f"no token{EOC}" and out.rows[0]["videos"] == []  # no token: nothing cut
    assert out.rows[1]["text"] == f"{V * 3}{EOC} tail {EOC}"
    assert len(out.rows[1]["videos"]) == 3
    kept = run_rows(rows[:1], [OP], workdir=tmp_path / "keep")
    assert kept.rows == [{"id": 0, "text": "no video", "__dj__source_file__": []}]


def test_overlap_and_min_last(clips, tmp_path) -> None:
    rows = [{"text": V, "videos": [clips["5s"]]}]
    p = {"split_duration": 2, "overlap_duration": 1, "keep_original_sample": False}
    out = run_rows(rows, [{OP: p}], workdir=tmp_path / "a")
    assert [frames_in(v) for v in out.rows[0]["videos"]] == [8, 8, 8, 8]  # 0-2, 1-3, 2-4, 3-5
    p = {"split_duration": 2, "min_last_split_duration": 1.5, "keep_original_sample": False}
    out = run_rows(rows, [{OP: p}], workdir=tmp_path / "b")
    assert [frames_in(v) for v in out.rows[0]["videos"]] == [8, 8]  # the 1 s tail is dropped


def test_non_legacy_save_dir_and_save_field(clips, tmp_path) -> None:
    save = tmp_path / "clips"
    rows = [{"text": "whatever", "videos": [clips["5s"], clips["5s"]]}]
    p = {"split_duration": 3, "legacy_split_by_text_token": False, "save_dir": str(save), "save_field": "clips"}
    out = run_rows(rows, [{OP: p}], workdir=tmp_path / "run")
    original, new = out.rows
    assert original.get("clips") is None
    assert new["text"] == "" and new["videos"] == [clips["5s"], clips["5s"]]
    assert [frames_in(v) for v in new["clips"]] == [12, 8, 12, 8]
    assert all(os.path.dirname(v) == str(save) for v in new["clips"])


def test_followed_by_a_filter(clips, tmp_path) -> None:
    rows = [{"text": V, "videos": [clips["5s"]]}]
    process = [{OP: {"split_duration": 2}}, {"video_duration_filter": {"max_duration": 2}}]
    out = run_rows(rows, process, workdir=tmp_path / "run")
    assert len(out.rows) == 1 and out.stats("video_duration") == [[2.0, 2.0, 1.0]]


def test_missing_video_is_quarantined(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": V, "videos": [str(tmp_path / "gone.mp4")]}, {"id": 1, "text": V, "videos": [clips["5s"]]}]
    out = run_rows(rows, [{OP: {"split_duration": 2}}], workdir=tmp_path / "run")
    assert [r["id"] for r in out.rows] == [1, 1]
    assert "gone.mp4" in out.errors[0]["error"] and "no such file" in out.errors[0]["error"]


def test_bad_parameters() -> None:
    with pytest.raises(ParamError, match="overlap_duration"):
        run_rows([{"text": ""}], [{OP: {"split_duration": 2, "overlap_duration": 2}}])
    with pytest.raises(ParamError, match="ffmpeg_extra_args"):
        run_rows([{"text": ""}], [{OP: {"ffmpeg_extra_args": "-an"}}])
    with pytest.raises(ParamError, match="split_duration"):
        run_rows([{"text": ""}], [{OP: {"split_duration": 0}}])
