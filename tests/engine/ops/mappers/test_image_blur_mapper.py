"""image_blur_mapper: blurred copies (PIL kernels), Data-Juicer's file naming, p, source files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "image_blur_mapper"


def _picture(path: Path) -> str:
    arr = np.zeros((40, 60, 3), dtype=np.uint8)
    arr[:, 30:] = 255  # a sharp vertical edge that any blur softens
    Image.fromarray(arr).save(path)
    return str(path)


def test_blur_all_writes_named_copies(tmp_path: Path) -> None:
    src = _picture(tmp_path / "cat.png")
    rows = [{"text": "<__dj__image> a cat", "images": [src, src]}, {"text": "none", "images": []}]
    out = run_rows(rows, [{OP: {"p": 1.0, "radius": 3}}])
    first, second = out.rows
    new = first["images"][0]
    assert first["images"] == [new, new]  # a repeated path is blurred once
    assert first["text"] == "<__dj__image> a cat"
    assert first["__dj__source_file__"] == [src, src]
    assert second["images"] == [] and second["__dj__source_file__"] == []
    assert os.path.dirname(new) == str(tmp_path / "__dj__produced_data__" / OP)
    assert re.fullmatch(r"cat__dj_hash_#[0-9a-f]{64}#\.png", os.path.basename(new))
    expected = np.asarray(Image.open(src).convert("RGB").filter(ImageFilter.GaussianBlur(3)))
    assert np.array_equal(np.asarray(Image.open(new)), expected)
    assert not [f for f in os.listdir(os.path.dirname(new)) if f.startswith(".tmp")]  # no temp file left


@pytest.mark.parametrize(("blur_type", "kernel"), [("mean", ImageFilter.BLUR), ("box", ImageFilter.BoxBlur(2))])
def test_kernels_and_save_dir(tmp_path: Path, blur_type: str, kernel: ImageFilter.Filter) -> None:
    src = _picture(tmp_path / "x.jpg")
    save = tmp_path / "saved"
    out = run_rows([{"images": [src]}], [{OP: {"p": 1.0, "blur_type": blur_type, "save_dir": str(save)}}])
    (new,) = out.rows[0]["images"]
    assert os.path.dirname(new) == str(save) and new.endswith("#.jpg")
    expected = Image.open(src).convert("RGB").filter(kernel)
    reread = Image.open(new)
    assert reread.format == "JPEG"
    buf = tmp_path / "expected.jpg"
    expected.save(buf)  # same encoder, same default quality
    assert np.array_equal(np.asarray(reread), np.asarray(Image.open(buf)))


def test_probability_zero_keeps_paths_and_is_reproducible(tmp_path: Path) -> None:
    srcs = [_picture(tmp_path / f"{i}.png") for i in range(30)]
    rows = [{"images": [s]} for s in srcs]
    assert [r["images"] for r in run_rows(rows, [{OP: {"p": 0.0}}]).rows] == [[s] for s in srcs]
    one = [r["images"] for r in run_rows(rows, [{OP: {"p": 0.5}}]).rows]
    two = [r["images"] for r in run_rows(rows, [{OP: {"p": 0.5}}]).rows]
    assert one == two
    changed = sum(a != [s] for a, s in zip(one, srcs, strict=True))
    assert 5 <= changed <= 25  # about half


def test_missing_file_is_quarantined(tmp_path: Path) -> None:
    src = _picture(tmp_path / "ok.png")
    gone = str(tmp_path / "gone.png")
    out = run_rows([{"images": [src]}, {"images": [gone]}], [{OP: {"p": 1.0}}])
    assert len(out.rows) == 1 and len(out.errors) == 1
    assert f"cannot open image '{gone}': file not found" in out.errors[0]["error"]


def test_bad_params() -> None:
    with pytest.raises(ParamError, match="radius"):
        run_rows([{"images": []}], [{OP: {"radius": -1}}])
    with pytest.raises(ParamError, match="blur_type"):
        run_rows([{"images": []}], [{OP: {"blur_type": "motion"}}])
