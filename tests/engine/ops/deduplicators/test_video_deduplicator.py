"""video_deduplicator: MD5 over video packets; copies and remuxes are duplicates."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows, write_synthetic_video

av = pytest.importorskip("av")

OP = "video_deduplicator"


def remux(src: str, dst: str) -> str:
    """Same packets in another container (Matroska)."""
    with av.open(src) as i, av.open(dst, "w") as o:
        out = o.add_stream_from_template(i.streams.video[0])
        for p in i.demux(video=0):
            if p.dts is None:
                continue
            p.stream = out
            o.mux(p)
    return dst


def packet_md5(*paths: str) -> str:
    h = hashlib.md5()
    for path in paths:
        with av.open(path) as c:
            for p in c.demux(video=0):
                h.update(bytes(p))
    return h.hexdigest()


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("dup")
    a = write_synthetic_video(str(d / "a.mp4"), seconds=1)
    return {
        "a": a,
        "copy": str(shutil.copy(a, d / "copy.mp4")),
        "mkv": remux(a, str(d / "a.mkv")),
        "b": write_synthetic_video(str(d / "b.mp4"), seconds=1, square_speed=3),
    }


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_copies_and_remuxes_are_duplicates(clips, tmp_path) -> None:
    keys = ["a", "b", "copy", "mkv", "b"]
    rows = [{"id": i, "text": str(i), "videos": [str(clips[k])]} for i, k in enumerate(keys)]
    rows.append({"id": 5, "text": "no video"})
    rows.append({"id": 6, "text": "no video"})
    out = run_rows(rows, [OP], workdir=tmp_path)
    assert ids(out) == [0, 1, 5, 6]  # samples without videos are never duplicates


def test_hash_column_and_multi_video_key(clips, tmp_path) -> None:
    a, b = clips["a"], clips["b"]
    rows = [
        {"id": 0, "text": "", "videos": [a, b]},
        {"id": 1, "text": "", "videos": [a, b, a]},  # a repeated video counts once
        {"id": 2, "text": "", "videos": [b, a]},
    ]
    out = run_rows(rows, [OP], workdir=tmp_path, keep_hashes_in_res_ds=True)
    assert ids(out) == [0, 2]
    assert [r["__dj__videohash"] for r in out.rows] == [packet_md5(a, b), packet_md5(b, a)]


def test_consider_text(clips, tmp_path) -> None:
    a = str(clips["a"])
    rows = [
        {"id": 0, "text": "Hello", "videos": [a]},
        {"id": 1, "text": "hello", "videos": [a]},
        {"id": 2, "text": " Hello ", "videos": [clips["copy"]]},
        {"id": 3, "text": "x"},
        {"id": 4, "text": "x"},
    ]
    assert ids(run_rows(rows, [{OP: {"consider_text": True}}], workdir=tmp_path / "a")) == [0, 1, 3]
    out = run_rows(rows, [{OP: {"consider_text": True, "lowercase": True}}], workdir=tmp_path / "b")
    assert ids(out) == [0, 3]


def test_missing_file_is_quarantined(clips, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "videos": [clips["a"]]}, {"id": 1, "text": "", "videos": [str(tmp_path / "n.mp4")]}]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    assert "n.mp4" in out.errors[0]["error"] and "no such file" in out.errors[0]["error"]


def test_bad_parameter() -> None:
    with pytest.raises(ParamError, match="consider_text"):
        run_rows([{"text": ""}], [{OP: {"consider_text": "maybe"}}])
