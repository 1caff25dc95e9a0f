"""image_size_filter: image_sizes per image from the file system, units, any/all, missing files."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _file(tmp_path: Path, name: str, nbytes: int) -> str:
    path = tmp_path / name
    path.write_bytes(b"\0" * nbytes)  # the filter reads sizes only, never decodes
    return str(path)


def test_sizes_units_and_bounds(tmp_path: Path) -> None:
    small, mid, big = (_file(tmp_path, n, s) for n, s in (("a.png", 100), ("b.png", 2048), ("c.png", 3 << 20)))
    rows = [{"images": [small]}, {"images": [mid]}, {"images": [big]}, {"images": []}, {"text": "no images"}]
    out = run_rows(rows, [{"image_size_filter": {"min_size": "2KB", "max_size": "1MiB"}}])
    assert [r.get("images") for r in out.rows] == [[mid], [], None]  # 2048 == 2KB (closed), no images kept
    assert out.stats("image_sizes") == [[2048], [], []]
    out = run_rows(rows[:3], [{"image_size_filter": {"min_size": "2KB", "min_closed_interval": False}}])
    assert [r["images"] for r in out.rows] == [[big]]


def test_a_bare_path_is_one_image(tmp_path: Path) -> None:
    big = _file(tmp_path, "b.png", 5000)
    out = run_rows([{"images": big}], [{"image_size_filter": {"min_size": "1000"}}])
    assert out.stats("image_sizes") == [[5000]] and out.errors == []


def test_any_or_all(tmp_path: Path) -> None:
    small, big = _file(tmp_path, "s.jpg", 10), _file(tmp_path, "b.jpg", 5000)
    rows = [{"images": [small, big]}, {"images": [big, big]}]
    out = run_rows(rows, [{"image_size_filter": {"min_size": "1000"}}])
    assert out.stats("image_sizes") == [[10, 5000], [5000, 5000]]
    assert len(out.rows) == 2
    out = run_rows(rows, [{"image_size_filter": {"min_size": "1000", "any_or_all": "all"}}])
    assert [r["images"] for r in out.rows] == [[big, big]]
    out = run_rows(rows, [{"image_size_filter": {"min_size": "1000", "reversed_range": True}}])
    assert [r["images"] for r in out.rows] == [[small, big]]


def test_data_juicer_digit_parsing(tmp_path: Path) -> None:
    # "1.5KB" keeps only its digits: 15 KB = 15360 bytes, as Data-Juicer parses it
    f = _file(tmp_path, "x.png", 15360)
    g = _file(tmp_path, "y.png", 15361)
    out = run_rows([{"images": [f]}, {"images": [g]}], [{"image_size_filter": {"max_size": "1.5KB"}}])
    assert [r["images"] for r in out.rows] == [[f]]


def test_missing_file_is_quarantined(tmp_path: Path) -> None:
    ok = _file(tmp_path, "ok.png", 10)
    gone = str(tmp_path / "gone.png")
    out = run_rows([{"images": [ok]}, {"images": [gone]}], ["image_size_filter"])
    assert [r["images"] for r in out.rows] == [[ok]]
    assert len(out.errors) == 1
    assert f"cannot open image '{gone}': file not found" in out.errors[0]["error"]


def test_bad_unit_is_a_param_error() -> None:
    with pytest.raises(ParamError, match="unknown unit"):
        run_rows([{"images": []}], [{"image_size_filter": {"max_size": "3 parsecs"}}])
    with pytest.raises(ParamError, match="any_or_all"):
        run_rows([{"images": []}], [{"image_size_filter": {"any_or_all": "most"}}])
