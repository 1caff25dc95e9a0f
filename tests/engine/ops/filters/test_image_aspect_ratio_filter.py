"""image_aspect_ratio_filter: aspect_ratios = W/H per image, default bounds, any/all."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from recipe_copilot.engine.testing import run_rows


def _img(tmp_path: Path, name: str, w: int, h: int) -> str:
    path = tmp_path / name
    Image.new("L", (w, h), 128).save(path)
    return str(path)


def test_ratios_and_default_bounds(tmp_path: Path) -> None:
    square, wide, tall, edge = (
        _img(tmp_path, "s.png", 30, 30),
        _img(tmp_path, "w.png", 100, 10),
        _img(tmp_path, "t.png", 10, 31),
        _img(tmp_path, "e.png", 300, 100),
    )
    rows = [{"images": [square], "text": "x"}, {"images": [wide]}, {"images": [tall]}, {"images": [edge]}, {}]
    out = run_rows(rows, ["image_aspect_ratio_filter"])
    # defaults 0.333 .. 3.0 closed: 10/31 = 0.3226 out, 3.0 in
    assert [r.get("images") for r in out.rows] == [[square], [edge], None]
    assert out.stats("aspect_ratios") == [[1.0], [3.0], []]
    out = run_rows(rows[3:4], [{"image_aspect_ratio_filter": {"max_closed_interval": False}}])
    assert out.rows == []


def test_any_or_all_over_images(tmp_path: Path) -> None:
    square, wide = _img(tmp_path, "s.png", 8, 8), _img(tmp_path, "w.png", 90, 9)
    rows = [{"images": [square, wide]}, {"images": [wide, wide]}]
    out = run_rows(rows, ["image_aspect_ratio_filter"])
    assert out.stats("aspect_ratios") == [[1.0, 10.0]]
    out = run_rows(rows, [{"image_aspect_ratio_filter": {"any_or_all": "all"}}])
    assert out.rows == []
    out = run_rows(rows, [{"image_aspect_ratio_filter": {"reversed_range": True, "any_or_all": "all"}}])
    assert [r["images"] for r in out.rows] == [[wide, wide]]
