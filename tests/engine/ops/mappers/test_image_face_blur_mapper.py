"""image_face_blur_mapper: only the detected face boxes are blurred, into a new file."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from recipe_copilot.engine.testing import run_rows

_spec = importlib.util.spec_from_file_location(
    "face_pictures", Path(__file__).parents[1] / "filters" / "face_pictures.py"
)
assert _spec is not None and _spec.loader is not None
pictures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pictures)  # skips this module where OpenCV has no Haar cascades

OP = "image_face_blur_mapper"


def test_faces_blurred_rest_untouched(tmp_path: Path) -> None:
    face = pictures.face_image(tmp_path / "face.png", (300, 300), [(50, 50, 200)])
    plain = pictures.face_image(tmp_path / "plain.png", (120, 80), [])
    out = run_rows([{"images": [face, plain], "text": "<__dj__image><__dj__image> x"}], [{OP: {"radius": 5}}])
    row = out.rows[0]
    new, same = row["images"]
    assert same == plain and new != face
    assert os.path.dirname(new) == str(tmp_path / "__dj__produced_data__" / OP)
    assert row["__dj__source_file__"] == [face, plain]
    original = Image.open(face).convert("RGB")
    expected = original.copy()
    for x, y, w, h in pictures.opencv_boxes(face):
        box = (x, y, x + w, y + h)
        expected.paste(original.crop(box).filter(ImageFilter.GaussianBlur(5)), box)
    assert np.array_equal(np.asarray(Image.open(new)), np.asarray(expected))
    assert not np.array_equal(np.asarray(expected), np.asarray(original))


def test_source_file_keeps_previous_path_across_two_ops(tmp_path: Path) -> None:
    face = pictures.face_image(tmp_path / "f.png", (300, 300), [(50, 50, 200)])
    out = run_rows([{"images": [face]}], [{"image_blur_mapper": {"p": 1.0}}, OP])
    (final,) = out.rows[0]["images"]
    (before,) = out.rows[0]["__dj__source_file__"]
    # Data-Juicer's rule: the second op replaces the source by the path it received
    assert "image_blur_mapper" in before and OP in final
