"""Synthetic faces that OpenCV's frontal-face Haar cascade detects, for the face op tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

cv2 = pytest.importorskip("cv2")
if not hasattr(cv2, "CascadeClassifier"):
    pytest.skip("OpenCV 5 has no Haar cascades (needs opencv-python-headless<5)", allow_module_level=True)


def draw_face(img: Image.Image, left: int, top: int, size: int) -> None:
    """A cartoon face (light oval, dark eyes, brows, mouth) in a size x size box."""
    d = ImageDraw.Draw(img)
    s = size / 200

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [left + x0 * s, top + y0 * s, left + x1 * s, top + y1 * s]

    d.ellipse(box(40, 20, 160, 190), fill=200)
    d.ellipse(box(60, 70, 95, 90), fill=30)
    d.ellipse(box(105, 70, 140, 90), fill=30)
    d.rectangle(box(58, 55, 97, 62), fill=60)
    d.rectangle(box(103, 55, 142, 62), fill=60)
    d.rectangle(box(95, 90, 105, 125), fill=170)
    d.ellipse(box(75, 140, 125, 155), fill=50)


def face_image(path: Path, size: tuple[int, int], faces: list[tuple[int, int, int]]) -> str:
    """Save a gray picture with faces at (left, top, size); return its path."""
    img = Image.new("L", size, 40)
    for left, top, side in faces:
        draw_face(img, left, top, side)
    img.filter(ImageFilter.GaussianBlur(2)).convert("RGB").save(path)
    return str(path)


def opencv_boxes(path: str, **options: object) -> list[tuple[int, int, int, int]]:
    """Faces found by calling OpenCV directly with Data-Juicer's default options."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt.xml")
    gray = cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2GRAY)
    opts = {"scaleFactor": 1.1, "minNeighbors": 3, **options}
    return [tuple(int(v) for v in b) for b in cascade.detectMultiScale(gray, **opts)]
