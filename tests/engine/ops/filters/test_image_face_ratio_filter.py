"""image_face_ratio_filter: face_ratios = largest face box area / image area, bounds, missing files."""

from __future__ import annotations

from pathlib import Path

from face_pictures import face_image, opencv_boxes

from recipe_copilot.engine.testing import run_rows

OP = "image_face_ratio_filter"


def test_ratios_match_opencv_boxes(tmp_path: Path) -> None:
    close = face_image(tmp_path / "close.png", (220, 220), [(10, 10, 200)])
    group = face_image(tmp_path / "group.png", (500, 250), [(20, 30, 200), (270, 30, 200)])
    empty = face_image(tmp_path / "empty.png", (100, 100), [])
    ((_, _, w, h),) = opencv_boxes(close)
    close_ratio = w * h / (220 * 220)
    group_ratio = max(bw * bh for _, _, bw, bh in opencv_boxes(group)) / (500 * 250)
    assert close_ratio > 0.4 > group_ratio > 0  # the close-up fails the default max_ratio
    rows = [{"images": [p]} for p in (close, group, empty)]
    out = run_rows(rows, [{OP: {"max_ratio": 1.0}}])
    assert out.stats("face_ratios") == [[close_ratio], [group_ratio], [0.0]]
    out = run_rows(rows, [OP])
    assert [r["images"] for r in out.rows] == [[group], [empty]]
    out = run_rows(rows, [{OP: {"min_ratio": 0.0, "min_closed_interval": False}}])
    assert [r["images"] for r in out.rows] == [[group]]


def test_missing_file_is_quarantined(tmp_path: Path) -> None:
    ok = face_image(tmp_path / "ok.png", (100, 100), [])
    gone = str(tmp_path / "gone.png")
    out = run_rows([{"images": [ok]}, {"images": [ok, gone]}], [OP])
    assert [r["images"] for r in out.rows] == [[ok]]
    assert len(out.errors) == 1 and f"cannot open image '{gone}': file not found" in out.errors[0]["error"]
