"""video_frames_text_similarity_filter: CLIP scores of sampled frames per text chunk, sampling, flips, errors."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from tiny_imagetext_models import build_clip

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
torch.backends.cudnn.allow_tf32 = False  # where the op runs on a GPU, its convolutions stay float32
TOL = 1e-5  # op (batched, maybe on a GPU) vs the model run pair by pair on the CPU
av = pytest.importorskip("av")
from recipe_copilot.engine.testing import write_synthetic_video  # noqa: E402

OP = "video_frames_text_similarity_filter"
VID, EOC = "<__dj__video>", "<|__dj__eoc|>"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("vclip")
    # 8 frames at 4 fps, a key frame every 4 frames (frames 0 and 4); the square moves
    v1 = write_synthetic_video(str(base / "v1.mp4"), width=48, height=32, fps=4, seconds=2.0, gop=4, square_speed=5)
    v2 = write_synthetic_video(str(base / "v2.mp4"), width=32, height=40, fps=4, seconds=2.0, gop=8, square_speed=3)
    return {"model": build_clip(base / "model", logit_scale=math.log(100.0)), "v1": v1, "v2": v2, "dir": base}


@functools.cache
def frames_of(path: str) -> list[Image.Image]:
    with av.open(path) as c:
        return [f.to_image() for f in c.decode(video=0)]


@functools.cache
def _load(folder: str) -> tuple:
    from transformers import CLIPModel, CLIPProcessor

    return CLIPModel.from_pretrained(folder).eval(), CLIPProcessor.from_pretrained(folder)


def clip_scores(folder: str, text: str, images: list[Image.Image]) -> list[float]:
    import torch

    model, proc = _load(folder)
    with torch.no_grad():
        return (model(**proc(text=text, images=images, return_tensors="pt", padding=True)).logits_per_text[0] / 100).tolist()


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def test_key_frames_and_chunks(env: dict) -> None:
    m, v1, v2 = env["model"], env["v1"], env["v2"]
    rows = [
        {"text": f"{VID} a red cat", "videos": [v1]},
        {"text": f"{VID} the dog {EOC} a photo {VID}", "videos": [v1, v2]},
        {"text": "no videos"},
        {"text": f"{VID} a cat {EOC} {VID} the dog", "videos": [v1]},  # second chunk has no video left
    ]
    out = run_rows(rows, [{OP: {"hf_clip": m, "min_score": -1.0}}])
    assert len(out.rows) == 4
    got = out.stats("video_frames_text_similarity")
    keys1 = [frames_of(v1)[0], frames_of(v1)[4]]
    assert got[0] == pytest.approx([mean(clip_scores(m, "a red cat", keys1))], abs=TOL)
    want = [mean(clip_scores(m, "the dog", keys1)), clip_scores(m, "a photo", frames_of(v2)[:1])[0]]
    assert got[1] == pytest.approx(want, abs=TOL)
    assert got[2] == []
    assert got[3] == pytest.approx([mean(clip_scores(m, "a cat", keys1)), 0.0], abs=TOL)


def test_uniform_sampling_reduce_and_flip(env: dict) -> None:
    m, v1 = env["model"], env["v1"]
    rows = [{"text": f"{VID} a red cat", "videos": [v1]}]
    frames = frames_of(v1)
    # 3 points over 2 s: 0 s, 1 s, 2 s -> frames 0, 4, and (past the end) the last one, 7
    out = run_rows(rows, [{OP: {"hf_clip": m, "min_score": -1.0, "frame_sampling_method": "uniform", "reduce_mode": "max"}}])
    scores = clip_scores(m, "a red cat", [frames[0], frames[4], frames[7]])
    assert out.stats("video_frames_text_similarity") == [pytest.approx([max(scores)], abs=TOL)]
    # one point: the middle, 1 s -> frame 4; flipped left-right
    params = {"frame_sampling_method": "uniform", "frame_num": 1, "horizontal_flip": True, "min_score": -1.0}
    out = run_rows(rows, [{OP: {"hf_clip": m, **params}}])
    flipped = clip_scores(m, "a red cat", [ImageOps.mirror(frames[4])])
    assert out.stats("video_frames_text_similarity") == [pytest.approx(flipped, abs=TOL)]
    assert flipped[0] != pytest.approx(clip_scores(m, "a red cat", [frames[4]])[0], abs=1e-4)


def test_any_or_all_missing_video_and_errors(env: dict, tmp_path: Path) -> None:
    m, v1, v2 = env["model"], env["v1"], env["v2"]
    row = {"text": f"{VID} the dog {EOC} a photo {VID}", "videos": [v1, v2]}
    lo, hi = sorted(run_rows([row], [{OP: {"hf_clip": m, "min_score": -1.0}}]).stats("video_frames_text_similarity")[0])
    assert len(run_rows([row], [{OP: {"hf_clip": m, "min_score": (lo + hi) / 2}}]).rows) == 1
    assert run_rows([row], [{OP: {"hf_clip": m, "min_score": (lo + hi) / 2, "any_or_all": "all"}}]).rows == []
    gone = {"text": f"{VID} a cat", "videos": [str(tmp_path / "gone.mp4")]}
    out = run_rows([row, gone], [{OP: {"hf_clip": m, "min_score": -1.0}}])
    assert out.texts == [row["text"]]
    assert len(out.errors) == 1 and "gone.mp4" in out.errors[0]["error"]
    with pytest.raises(ParamError, match=r"hf_clip.*nobody-here/clip-missing.*never downloaded"):
        run_rows([row], [{OP: {"hf_clip": "nobody-here/clip-missing"}}])
    with pytest.raises(ParamError, match="frame_num"):
        run_rows([row], [{OP: {"hf_clip": m, "frame_num": 0}}])
