"""image_face_count_filter: face_counts per image with OpenCV's Haar cascade, any/all, options."""

from __future__ import annotations

from pathlib import Path

import pytest
from face_pictures import face_image, opencv_boxes

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "image_face_count_filter"


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, str]:
    return {
        "none": face_image(tmp_path / "none.png", (200, 200), []),
        "one": face_image(tmp_path / "one.png", (300, 300), [(50, 50, 200)]),
        "two": face_image(tmp_path / "two.jpg", (500, 250), [(20, 30, 200), (270, 30, 200)]),
    }


def test_counts_match_opencv_and_bounds(pictures: dict[str, str]) -> None:
    expected = {k: len(opencv_boxes(p)) for k, p in pictures.items()}
    assert expected == {"none": 0, "one": 1, "two": 2}  # the drawn faces are found
    rows = [{"images": [pictures[k]], "text": k} for k in ("none", "one", "two")] + [{"images": [], "text": "-"}]
    out = run_rows(rows, [OP])  # defaults: exactly one face
    assert out.texts == ["one", "-"]
    assert out.stats("face_counts") == [[1], []]
    out = run_rows(rows, [{OP: {"min_face_count": 0, "max_face_count": 5}}])
    assert out.stats("face_counts") == [[0], [1], [2], []]


def test_any_or_all(pictures: dict[str, str]) -> None:
    rows = [{"images": [pictures["one"], pictures["two"]]}]
    assert len(run_rows(rows, [OP]).rows) == 1
    assert run_rows(rows, [{OP: {"any_or_all": "all"}}]).rows == []


def test_detection_options_are_passed(pictures: dict[str, str]) -> None:
    # faces are ~168 px wide: a 100 px maximum size finds none, as OpenCV itself says
    assert opencv_boxes(pictures["two"], maxSize=(100, 100)) == []
    out = run_rows([{"images": [pictures["two"]]}], [{OP: {"min_face_count": 0, "maxSize": [100, 100]}}])
    assert out.stats("face_counts") == [[0]]


def test_bad_classifier_and_options(tmp_path: Path, pictures: dict[str, str]) -> None:
    with pytest.raises(ParamError, match="cv_classifier"):
        run_rows([{"images": [pictures["one"]]}], [{OP: {"cv_classifier": str(tmp_path / "x.xml")}}])
    with pytest.raises(ParamError, match="scaleFactor"):
        run_rows([{"images": []}], [{OP: {"scaleFactor": 1.0}}])
