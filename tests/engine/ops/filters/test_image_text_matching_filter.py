"""image_text_matching_filter: BLIP ITM match probability per text chunk, reduce modes, flips, any/all, errors."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from tiny_imagetext_models import build_blip, noise_image

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
torch.backends.cudnn.allow_tf32 = False  # where the op runs on a GPU, its convolutions stay float32
TOL = 1e-5  # op (batched, maybe on a GPU) vs the model run pair by pair on the CPU
OP = "image_text_matching_filter"
IMG, EOC = "<__dj__image>", "<|__dj__eoc|>"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("blip")
    pics = [noise_image(base / f"{i}.png", size, i) for i, size in enumerate([(40, 30), (30, 40), (32, 32)])]
    return {"model": build_blip(base / "model"), "pics": pics, "dir": base}


@functools.cache
def _load(folder: str) -> tuple:
    from transformers import BlipForImageTextRetrieval, BlipProcessor

    return BlipForImageTextRetrieval.from_pretrained(folder).eval(), BlipProcessor.from_pretrained(folder)


def itm(folder: str, text: str, paths: list[str], flip: str = "") -> list[float]:
    """What the BLIP model itself says, one (text, image) pair at a time: softmax(itm_score)[1]."""
    import torch

    model, proc = _load(folder)
    out = []
    for p in paths:
        image = Image.open(p).convert("RGB")
        image = ImageOps.mirror(image) if "h" in flip else image
        image = ImageOps.flip(image) if "v" in flip else image
        with torch.no_grad():
            out.append(float(model(**proc(text=text, images=image, return_tensors="pt")).itm_score.softmax(-1)[0, 1]))
    return out


def rows_of(pics: list[str]) -> list[dict]:
    return [
        {"text": f"{IMG} a red cat", "images": [pics[0]]},
        {"text": f"{IMG}{IMG} the dog on grass {EOC} a photo {IMG}", "images": pics},
        {"text": "no images here"},
        {"text": "images but no token", "images": [pics[0]]},
    ]


def run(env: dict, **params: object):
    return run_rows(rows_of(env["pics"]), [{OP: {"hf_blip": env["model"], **params}}])


def test_stats_equal_blip_itm_per_chunk(env: dict) -> None:
    m, pics = env["model"], env["pics"]
    cat, dog, photo = itm(m, "a red cat", pics[:1]), itm(m, "the dog on grass", pics[:2]), itm(m, "a photo", pics[2:])
    out = run(env, min_score=0.0)
    assert len(out.rows) == 4
    got = out.stats("image_text_matching_score")
    assert got[0] == pytest.approx(cat, abs=TOL)
    assert got[1] == pytest.approx([sum(dog) / 2, photo[0]], abs=TOL)
    assert got[2:] == [[], []]
    for mode, want in (("max", max(dog)), ("min", min(dog))):
        assert run(env, min_score=0.0, reduce_mode=mode).stats("image_text_matching_score")[1][0] == pytest.approx(want, abs=TOL)
    assert dog[0] != pytest.approx(dog[1], abs=1e-4)


def test_flips(env: dict) -> None:
    m, pics = env["model"], env["pics"]
    plain = itm(m, "a red cat", pics[:1])
    for flip in ("h", "v", "hv"):
        got = run(env, min_score=0.0, horizontal_flip="h" in flip, vertical_flip="v" in flip).stats("image_text_matching_score")
        want = itm(m, "a red cat", pics[:1], flip)
        assert got[0] == pytest.approx(want, abs=TOL)
        assert want[0] != pytest.approx(plain[0], abs=1e-4)


def test_bounds_and_any_or_all(env: dict) -> None:
    got = run(env, min_score=0.0).stats("image_text_matching_score")[1]
    lo, hi = sorted(got)
    text = rows_of(env["pics"])[1]["text"]
    assert text in run(env, min_score=(lo + hi) / 2).texts
    assert text not in run(env, min_score=(lo + hi) / 2, any_or_all="all").texts
    assert run(env, min_score=1.5).texts == ["no images here", "images but no token"]


def test_missing_image_and_model_errors(env: dict, tmp_path: Path) -> None:
    rows = [rows_of(env["pics"])[0], {"text": f"{IMG} a cat", "images": [str(env["dir"] / "gone.png")]}]
    out = run_rows(rows, [{OP: {"hf_blip": env["model"], "min_score": 0.0}}])
    assert out.texts == [rows[0]["text"]]
    assert len(out.errors) == 1 and "gone.png" in out.errors[0]["error"]
    with pytest.raises(ParamError, match=r"hf_blip.*nobody-here/blip-missing.*never downloaded"):
        run_rows(rows[:1], [{OP: {"hf_blip": "nobody-here/blip-missing"}}])
    with pytest.raises(ParamError, match="any_or_all"):
        run_rows(rows[:1], [{OP: {"hf_blip": env["model"], "any_or_all": "some"}}])
