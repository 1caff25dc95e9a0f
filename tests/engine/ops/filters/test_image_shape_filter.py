"""image_shape_filter: image_width/image_height per image, bounds on both, any/all, EXIF, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _img(tmp_path: Path, name: str, w: int, h: int, orientation: int | None = None) -> str:
    path = tmp_path / name
    img = Image.new("RGB", (w, h), (200, 10, 10))
    if orientation is None:
        img.save(path)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(path, exif=exif)
    return str(path)


def test_width_and_height_stats_and_bounds(tmp_path: Path) -> None:
    a, b, c = _img(tmp_path, "a.png", 10, 20), _img(tmp_path, "b.png", 64, 64), _img(tmp_path, "c.jpg", 300, 50)
    rows = [{"images": [a]}, {"images": [b]}, {"images": [c]}, {"images": [b, a]}, {"images": []}]
    out = run_rows(rows, [{"image_shape_filter": {"min_width": 64, "min_height": 64}}])
    assert [r["images"] for r in out.rows] == [[b], [b, a], []]
    assert out.stats("image_width") == [[64], [64, 10], []]
    assert out.stats("image_height") == [[64], [64, 20], []]
    out = run_rows(rows, [{"image_shape_filter": {"max_width": 64, "max_height": 63}}])
    assert [r["images"] for r in out.rows] == [[a], [b, a], []]
    out = run_rows(rows, [{"image_shape_filter": {"min_width": 64, "any_or_all": "all"}}])
    assert [r["images"] for r in out.rows] == [[b], [c], []]


def test_exif_rotation_swaps_width_and_height(tmp_path: Path) -> None:
    # orientation 6 = rotate 90 degrees: the displayed image is 40 wide, 100 high
    p = _img(tmp_path, "r.jpg", 100, 40, orientation=6)
    out = run_rows([{"images": [p]}], ["image_shape_filter"])
    assert out.stats("image_width") == [[40]] and out.stats("image_height") == [[100]]


def test_corrupt_and_missing_files_are_quarantined(tmp_path: Path) -> None:
    good = _img(tmp_path, "g.png", 5, 5)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    rows = [{"images": [good]}, {"images": [str(junk)]}, {"images": [str(tmp_path / "nope.png")]}]
    out = run_rows(rows, ["image_shape_filter"])
    assert [r["images"] for r in out.rows] == [[good]]
    reasons = sorted(e["error"] for e in out.errors)
    assert "not a recognised image format" in reasons[0] and str(junk) in reasons[0]
    assert "nope.png': file not found" in reasons[1]


def test_bad_strategy_is_a_param_error() -> None:
    with pytest.raises(ParamError):
        run_rows([{"images": []}], [{"image_shape_filter": {"any_or_all": "some"}}])
