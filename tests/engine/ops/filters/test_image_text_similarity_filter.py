"""image_text_similarity_filter: CLIP scores per text chunk, reduce modes, flips, any/all, model errors."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from tiny_imagetext_models import build_blip, build_clip, noise_image

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
torch.backends.cudnn.allow_tf32 = False  # where the op runs on a GPU, its convolutions stay float32
TOL = 1e-5  # op (batched, maybe on a GPU) vs the model run pair by pair on the CPU
OP = "image_text_similarity_filter"
IMG, EOC = "<__dj__image>", "<|__dj__eoc|>"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("clip")
    pics = [noise_image(base / f"{i}.png", size, i) for i, size in enumerate([(40, 30), (30, 40), (32, 32)])]
    return {"model": build_clip(base / "model", logit_scale=math.log(100.0)), "pics": pics, "dir": base}


@functools.cache
def _load(folder: str) -> tuple:
    from transformers import CLIPModel, CLIPProcessor

    return CLIPModel.from_pretrained(folder).eval(), CLIPProcessor.from_pretrained(folder)


def clip_scores(folder: str, text: str, paths: list[str], flip: str = "") -> list[float]:
    """What CLIPModel itself says, one text against its images: logits_per_text / 100."""
    import torch

    model, proc = _load(folder)
    images = [Image.open(p).convert("RGB") for p in paths]
    if "h" in flip:
        images = [ImageOps.mirror(i) for i in images]
    if "v" in flip:
        images = [ImageOps.flip(i) for i in images]
    inputs = proc(text=text, images=images, return_tensors="pt", padding=True)
    with torch.no_grad():
        return (model(**inputs).logits_per_text[0] / 100.0).tolist()


def rows_of(pics: list[str]) -> list[dict]:
    return [
        {"text": f"{IMG} a red cat", "images": [pics[0]]},
        {"text": f"{IMG}{IMG} the dog {EOC} a photo {IMG}", "images": pics},
        {"text": "no images here"},
        {"text": "images but no token", "images": [pics[0]]},
    ]


def run(env: dict, **params: object):
    return run_rows(rows_of(env["pics"]), [{OP: {"hf_clip": env["model"], **params}}])


def test_stats_equal_clip_forward_per_chunk(env: dict) -> None:
    m, pics = env["model"], env["pics"]
    cat, dog, photo = clip_scores(m, "a red cat", pics[:1]), clip_scores(m, "the dog", pics[:2]), clip_scores(m, "a photo", pics[2:])
    out = run(env, min_score=-1.0)
    assert len(out.rows) == 4
    got = out.stats("image_text_similarity")
    assert got[0] == pytest.approx(cat, abs=TOL)
    assert got[1] == pytest.approx([sum(dog) / 2, photo[0]], abs=TOL)
    assert got[2:] == [[], []]  # no images / no image token: no chunk scored, kept
    assert all(-1 <= v <= 1 for v in got[0] + got[1])  # a cosine, since logit_scale is 100


def test_reduce_modes(env: dict) -> None:
    dog = clip_scores(env["model"], "the dog", env["pics"][:2])
    assert dog[0] != pytest.approx(dog[1], abs=1e-4)
    for mode, want in (("max", max(dog)), ("min", min(dog))):
        assert run(env, min_score=-1.0, reduce_mode=mode).stats("image_text_similarity")[1][0] == pytest.approx(want, abs=TOL)


@pytest.mark.parametrize("flip", ["h", "v", "hv"])
def test_flips(env: dict, flip: str) -> None:
    m, pics = env["model"], env["pics"]
    params = {"horizontal_flip": "h" in flip, "vertical_flip": "v" in flip}
    got = run(env, min_score=-1.0, **params).stats("image_text_similarity")
    want = clip_scores(m, "a red cat", pics[:1], flip)
    assert got[0] == pytest.approx(want, abs=TOL)
    assert want[0] != pytest.approx(clip_scores(m, "a red cat", pics[:1])[0], abs=1e-4)


def test_bounds_and_any_or_all(env: dict) -> None:
    got = run(env, min_score=-1.0).stats("image_text_similarity")[1]
    lo, hi = sorted(got)
    middle = (lo + hi) / 2
    texts = rows_of(env["pics"])[1]["text"]
    assert texts in run(env, min_score=middle).texts  # any: one chunk passes
    assert texts not in run(env, min_score=middle, any_or_all="all").texts
    assert texts in run(env, min_score=lo, max_score=hi, any_or_all="all").texts  # closed bounds
    assert texts not in run(env, min_score=lo, max_score=hi, any_or_all="all", min_closed_interval=False).texts
    assert run(env, min_score=2.0).texts == ["no images here", "images but no token"]


def test_missing_image_quarantines_only_that_sample(env: dict) -> None:
    rows = [*rows_of(env["pics"])[:2], {"text": f"{IMG} a cat", "images": [str(env["dir"] / "gone.png")]}]
    out = run_rows(rows, [{OP: {"hf_clip": env["model"], "min_score": -1.0}}])
    assert out.texts == [rows[0]["text"], rows[1]["text"]]
    assert len(out.errors) == 1 and "gone.png" in out.errors[0]["error"]


def test_model_not_on_disk_is_a_clear_param_error(env: dict, tmp_path: Path) -> None:
    rows = rows_of(env["pics"])[:1]
    with pytest.raises(ParamError, match=r"hf_clip.*nobody-here/clip-missing.*never downloaded.*local-dir"):
        run_rows(rows, [{OP: {"hf_clip": "nobody-here/clip-missing"}}])
    with pytest.raises(ParamError, match=r"hf_clip.*no config\.json"):
        run_rows(rows, [{OP: {"hf_clip": str(tmp_path)}}])
    with pytest.raises(ParamError, match=r"hf_clip.*BlipForImageTextRetrieval, expected a CLIP model"):
        run_rows(rows, [{OP: {"hf_clip": build_blip(tmp_path / "blip")}}])
    with pytest.raises(ParamError, match="reduce_mode"):
        run_rows(rows, [{OP: {"hf_clip": env["model"], "reduce_mode": "median"}}])
