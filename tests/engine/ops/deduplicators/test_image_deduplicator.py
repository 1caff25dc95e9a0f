"""image_deduplicator: phash (and the other methods) by an independent DCT, keys, consider_text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "image_deduplicator"


def _dct2_8x8(a: np.ndarray) -> np.ndarray:
    """The 8x8 lowest-frequency DCT-II coefficients (unnormalised, scipy's convention) by the formula."""
    n = a.shape[0]
    k = np.arange(8)[:, None]
    basis = 2 * np.cos(np.pi * k * (2 * np.arange(n)[None, :] + 1) / (2 * n))
    return basis @ a.astype(np.float64) @ basis.T


def _phash(path: str) -> str:
    gray = np.asarray(Image.open(path).convert("RGB").resize((32, 32), Image.LANCZOS).convert("L"))
    coef = _dct2_8x8(gray)
    bits = (coef >= np.median(coef.flatten()[1:])).flatten()
    return "".join(f"{int(''.join('1' if b else '0' for b in bits[i : i + 8]), 2):02x}" for i in range(0, 64, 8))


def _save(tmp_path: Path, name: str, seed: int, size: tuple[int, int] = (64, 48)) -> str:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    path = tmp_path / name
    Image.fromarray(arr).resize(size, Image.NEAREST).save(path)
    return str(path)


def test_duplicates_by_picture_not_by_path(tmp_path: Path) -> None:
    a, b = _save(tmp_path, "a.png", 1), _save(tmp_path, "b.png", 2)
    a_copy = str(tmp_path / "a_copy.bmp")
    Image.open(a).save(a_copy)  # same pixels, other file and format
    rows = [
        {"id": 0, "images": [a]},
        {"id": 1, "images": [b]},
        {"id": 2, "images": [a_copy]},
        {"id": 3, "images": []},
        {"id": 4, "images": []},
        {"id": 5, "images": [a, b]},
        {"id": 6, "images": [a, a, b]},  # repeated path hashes once: same key as id 5
        {"id": 7, "images": [b, a]},
    ]
    out = run_rows(rows, [OP], keep_hashes_in_res_ds=True)
    assert [r["id"] for r in out.rows] == [0, 1, 3, 4, 5, 7]
    keys = {r["id"]: r["__dj__imagehash"] for r in out.rows}
    assert keys[0] == _phash(a) and keys[1] == _phash(b)
    assert keys[3] == "" and keys[5] == _phash(a) + _phash(b)


def test_consider_text(tmp_path: Path) -> None:
    a = _save(tmp_path, "a.png", 3)
    rows = [
        {"id": 0, "images": [a], "text": "cat"},
        {"id": 1, "images": [a], "text": " cat "},
        {"id": 2, "images": [a], "text": "dog"},
        {"id": 3, "images": [], "text": "dog"},
        {"id": 4, "images": [], "text": "dog"},
    ]
    assert [r["id"] for r in run_rows(rows, [OP]).rows] == [0, 3, 4]  # same picture, text ignored
    out = run_rows(rows, [{OP: {"consider_text": True}}])
    assert [r["id"] for r in out.rows] == [0, 2, 3]  # with text, image-less samples dedup by text


@pytest.mark.parametrize("method", ["dhash", "ahash", "whash"])
def test_other_methods_tell_pictures_apart(tmp_path: Path, method: str) -> None:
    a, b = _save(tmp_path, "a.png", 4), _save(tmp_path, "b.png", 5)
    big_a = str(tmp_path / "big_a.png")
    Image.open(a).resize((128, 96), Image.NEAREST).save(big_a)  # upscaled copy: same small hash
    out = run_rows([{"images": [a]}, {"images": [b]}, {"images": [big_a]}], [{OP: {"method": method}}])
    assert [r["images"] for r in out.rows] == [[a], [b]]


def test_missing_image_is_quarantined(tmp_path: Path) -> None:
    a = _save(tmp_path, "a.png", 6)
    gone = str(tmp_path / "gone.jpg")
    out = run_rows([{"images": [a]}, {"images": [gone]}, {"images": [a]}], [OP])
    assert [r["images"] for r in out.rows] == [[a]]
    assert len(out.errors) == 1 and f"'{gone}': file not found" in out.errors[0]["error"]


def test_unknown_method_is_a_param_error() -> None:
    with pytest.raises(ParamError, match="method"):
        run_rows([{"images": []}], [{OP: {"method": "md5"}}])
