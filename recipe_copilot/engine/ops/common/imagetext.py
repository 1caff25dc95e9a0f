"""Image-text models (CLIP, BLIP ITM) for the image-text filters: offline loading and batched scoring.

- :func:`load_hf_model`: a (model, processor) pair from a local folder, or a Hugging Face id
  already on disk; anything else is a :class:`ParamError` naming the parameter. Nothing is
  downloaded. Loaded once per process, folder and device.
- :func:`media_chunks`: Data-Juicer's pairing of text chunks (split at the end-of-chunk token)
  with the media whose tokens each chunk holds, special tokens stripped from the chunk text.
- :func:`clip_similarity` / :func:`blip_matching`: scores of many (text, image) pairs at once,
  equal to what Data-Juicer gets pair group by pair group (CLIP ``logits_per_text / 100``,
  the BLIP ITM head's softmax probability of "match").
- :func:`reduce_scores`: Data-Juicer's ``reduce_mode`` (avg, max, min).
- :class:`ImageTextFilter`: the base of the filters scoring a sample's chunks against its
  images (or video frames) with one such model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from PIL import Image, ImageOps
from pydantic import Field

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.media import MediaError, keep_items_in_range, load_image, row_bytes, row_images
from recipe_copilot.engine.ops.common.spmodel import model_places
from recipe_copilot.engine.sample import SampleBatch

__all__ = [
    "Chunks",
    "ImageTextFilter",
    "ImageTextParams",
    "blip_matching",
    "clip_similarity",
    "flip",
    "gather_image_chunks",
    "load_hf_model",
    "media_chunks",
    "reduce_scores",
    "score_chunks",
]

#: per row: None (no images) or its chunks as (text, indices into the batch's image list)
Chunks = list[tuple[str, list[int]]] | None

#: images (CLIP, BLIP vision) or pairs (BLIP text encoder) per forward pass
GROUP = 64
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str, bool], tuple[Any, Any]] = {}


def _hub_cached(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except (ImportError, ValueError):  # no hub client, or not a valid repo id
        return False


def resolve_model(name: str, param: str) -> str:
    """The folder (or cached hub id) to load ``name`` from; a clear ParamError if none is on disk."""
    for place in model_places(name):
        if (place / "config.json").is_file():
            return str(place)
    if _hub_cached(name):
        return name
    if Path(name).is_dir():
        msg = f"parameter {param!r}: the folder {name!r} has no config.json (save the model with save_pretrained)"
        raise ParamError(msg)
    msg = (
        f"parameter {param!r} = {name!r} is neither a local model folder nor in the local Hugging Face "
        f"cache, and models are never downloaded; fetch it where there is network (e.g. "
        f"`huggingface-cli download {name} --local-dir DIR`) and set {param}: DIR, or put it under "
        f"$DATA_JUICER_MODELS_CACHE/{name}"
    )
    raise ParamError(msg)


#: what each kind of model must have (attributes the scorers use), and what it is called
KINDS = {
    "clip": (("get_text_features", "get_image_features", "logit_scale"), "a CLIP model (e.g. CLIPModel)"),
    "blip_itm": (("vision_model", "text_encoder", "itm_head"), "a BLIP image-text matching model (BlipForImageTextRetrieval)"),
}


def load_hf_model(name: str, param: str, device: str, kind: str, trust_remote_code: bool = False) -> tuple[Any, Any]:
    """(model, processor) of ``name`` on ``device``, in eval mode and float32, loaded offline once.

    ``kind`` (a key of :data:`KINDS`) is checked, so a wrong model fails here, not per sample.
    """
    where = resolve_model(name, param)
    key = (where, device, trust_remote_code)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load(where, param, device, trust_remote_code)
    model, processor = _LOADED[key]
    attrs, what = KINDS[kind]
    if not all(hasattr(model, a) for a in attrs) or not hasattr(processor, "tokenizer"):
        msg = f"parameter {param!r}: the model in {where!r} is a {type(model).__name__}, expected {what}"
        raise ParamError(msg)
    return model, processor


def _load(where: str, param: str, device: str, trust_remote_code: bool) -> tuple[Any, Any]:
    """Load as Data-Juicer does: AutoProcessor, and the config's first architecture (AutoModel
    for remote code), never from the network; a failure is a ParamError on ``param``."""
    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    opts = {"local_files_only": True, "trust_remote_code": trust_remote_code}
    try:
        processor = transformers.AutoProcessor.from_pretrained(where, **opts)
        config = transformers.AutoConfig.from_pretrained(where, **opts)
        auto_map = getattr(config, "auto_map", None)
        cls_name = "AutoModel" if auto_map else (config.architectures or ["AutoModel"])[0]
        model_cls = getattr(transformers, cls_name)
        dtype_kw = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
        opts[dtype_kw] = torch.float32  # Data-Juicer's transformers 4 loads float32
        model = model_cls.from_pretrained(where, **opts).to(device).eval()
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
        msg = f"parameter {param!r}: cannot load a model and processor from {where!r}: {exc}"
        raise ParamError(msg) from None
    return model, processor


def strip_tokens(text: str, tokens: Sequence[str]) -> str:
    """Data-Juicer's ``remove_special_tokens``: drop each token in turn, stripping after each."""
    for token in tokens:
        text = text.replace(token, "").strip()
    return text


def media_chunks(text: str, n_media: int, token: str, eoc: str, all_tokens: Sequence[str]) -> list[tuple[str, list[int]]]:
    """(chunk text without special tokens, indices of its media) per chunk holding ``token``.

    Chunks come from splitting at ``eoc``; a chunk with k tokens takes the next k media of the
    sample (fewer when the sample has fewer), in order. Chunks without the token are skipped.
    """
    out = []
    offset = 0
    for chunk in text.split(eoc):
        count = chunk.count(token)
        if count == 0:
            continue
        out.append((strip_tokens(chunk, all_tokens), list(range(offset, min(offset + count, n_media)))))
        offset += count
    return out


def flip(img: Image.Image, horizontal: bool, vertical: bool) -> Image.Image:
    """Mirror left-right and/or top-bottom, as the flip parameters ask."""
    if horizontal:
        img = ImageOps.mirror(img)
    if vertical:
        img = ImageOps.flip(img)
    return img


def gather_image_chunks(batch: SampleBatch, rows: list[int], p: Any) -> tuple[list[Chunks], list[Image.Image]]:
    """The chunks of each of ``rows`` and the distinct images they use, loaded and flipped once.

    Every image of a row is loaded (a broken one fails the row, as in Data-Juicer, even when
    no token refers to it); a row's image bytes, when it carries them, are used over its paths.
    A chunk whose tokens outnumber the row's images raises.
    """
    texts = batch.column(p.text_key)
    paths_col = row_images(batch.column(p.image_key))
    bytes_col = batch.column(p.image_bytes_key)
    tokens = (p.image_special_token, p.audio_special_token, p.video_special_token, p.eoc_special_token)
    images: list[Image.Image] = []
    seen: dict[Any, int] = {}
    plans: list[Chunks] = []
    for r in rows:
        paths = paths_col[r]
        if not paths:
            plans.append(None)
            continue
        raw = row_bytes([bytes_col[r]], [paths])[0]
        ids = []
        for path in paths:
            first = paths.index(path)  # a path repeated in a row is the same image
            key = path if raw is None else (r, first)
            if key not in seen:
                seen[key] = len(images)
                images.append(flip(load_image(path if raw is None else raw[first]), p.horizontal_flip, p.vertical_flip))
            ids.append(seen[key])
        chunks = []
        for text, idx in media_chunks(texts[r], len(paths), p.image_special_token, p.eoc_special_token, tokens):
            if not idx:
                msg = f"a text chunk has {p.image_special_token} tokens beyond the sample's {len(paths)} image(s)"
                raise MediaError(msg)
            chunks.append((text, [ids[j] for j in idx]))
        plans.append(chunks)
    return plans, images


def score_chunks(plans: list[Chunks], images: list[Image.Image], scorer: Callable[..., np.ndarray],
                 model: Any, processor: Any, device: str, mode: str, empty: float = 0.0) -> list[list[float]]:
    """Each row's chunk scores: ``scorer`` runs once over the distinct (text, image) pairs of all
    rows, then ``reduce_scores`` folds each chunk's pairs (a chunk without images gets ``empty``)."""
    texts = list(dict.fromkeys(t for chunks in plans for t, _ in chunks or []))
    where = {t: i for i, t in enumerate(texts)}
    pairs = list(dict.fromkeys((where[t], i) for chunks in plans for t, ids in chunks or [] for i in ids))
    scores = scorer(model, processor, texts, images, pairs, device) if pairs else np.zeros(0, np.float32)
    at = {pair: k for k, pair in enumerate(pairs)}
    out = []
    for chunks in plans:
        row = []
        for t, ids in chunks or []:
            if not ids:
                row.append(empty)
                continue
            row.append(reduce_scores(scores[[at[where[t], i] for i in ids]], mode))
        out.append(row)
    return out


def reduce_scores(scores: np.ndarray, mode: str) -> float:
    """One score for a chunk's scores: their mean, max or min."""
    if mode == "avg":
        return float(scores.mean())
    return float(scores.max() if mode == "max" else scores.min())


def _tokens(processor: Any, model: Any, texts: list[str], device: str) -> Any:
    limit = model.config.text_config.max_position_embeddings
    return processor.tokenizer(texts, padding=True, truncation=True, max_length=limit, return_tensors="pt").to(device)


def _pixels(processor: Any, images: list[Image.Image], device: str) -> Any:
    return processor.image_processor(images=images, return_tensors="pt")["pixel_values"].to(device)


def _pooled(out: Any) -> Any:
    return out.pooler_output if hasattr(out, "pooler_output") else out  # transformers 5 / 4


def clip_similarity(model: Any, processor: Any, texts: list[str], images: list[Image.Image],
                    pairs: list[tuple[int, int]], device: str) -> np.ndarray:
    """CLIP's ``logits_per_text / 100`` of text ``t`` and image ``i``, per (t, i) in ``pairs`` (float32).

    Each text and each image is embedded once; a pair's score is the cosine of the two
    projected embeddings times the model's ``logit_scale.exp()``, over 100.
    """
    import torch

    with torch.inference_mode():
        feats = []
        for s in range(0, len(texts), GROUP):
            enc = _tokens(processor, model, texts[s : s + GROUP], device)
            feats.append(_pooled(model.get_text_features(**enc)))
        text = torch.cat(feats)
        feats = []
        for s in range(0, len(images), GROUP):
            feats.append(_pooled(model.get_image_features(pixel_values=_pixels(processor, images[s : s + GROUP], device))))
        image = torch.cat(feats)
        text = text / text.norm(p=2, dim=-1, keepdim=True)
        image = image / image.norm(p=2, dim=-1, keepdim=True)
        idx = torch.tensor(pairs, dtype=torch.long, device=text.device).reshape(-1, 2)
        logits = (text[idx[:, 0]] * image[idx[:, 1]]).sum(dim=-1) * model.logit_scale.exp()
        return (logits / 100.0).float().cpu().numpy()


def blip_matching(model: Any, processor: Any, texts: list[str], images: list[Image.Image],
                  pairs: list[tuple[int, int]], device: str) -> np.ndarray:
    """BLIP ITM probability that text ``t`` matches image ``i``, per (t, i) in ``pairs`` (float32)."""
    import torch

    out = np.zeros(len(pairs), dtype=np.float32)
    by_image: dict[int, list[int]] = {}
    for k, (_, i) in enumerate(pairs):
        by_image.setdefault(i, []).append(k)
    with torch.inference_mode():
        for s in range(0, len(images), GROUP):  # vision states of a group of images at a time
            hidden = model.vision_model(pixel_values=_pixels(processor, images[s : s + GROUP], device)).last_hidden_state
            todo = [k for i in range(s, min(s + GROUP, len(images))) for k in by_image.get(i, [])]
            for p in range(0, len(todo), GROUP):
                ks = todo[p : p + GROUP]
                enc = _tokens(processor, model, [texts[pairs[k][0]] for k in ks], device)
                states = hidden[torch.tensor([pairs[k][1] - s for k in ks], device=hidden.device)]
                mask = torch.ones(states.shape[:-1], dtype=torch.long, device=states.device)
                cls = model.text_encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                         encoder_hidden_states=states, encoder_attention_mask=mask).last_hidden_state[:, 0, :]
                out[ks] = model.itm_head(cls).float().softmax(dim=-1)[:, 1].cpu().numpy()
    return out



class ImageTextParams(FilterParams):
    """Parameters the image/video-text model filters share; an op adds its model and score bounds."""

    trust_remote_code: bool = Field(False, description="Allow custom model code shipped in the model folder.")
    horizontal_flip: bool = Field(False, description="Mirror images (or frames) left-right before scoring.")
    vertical_flip: bool = Field(False, description="Flip images (or frames) top-bottom before scoring.")
    any_or_all: Literal["any", "all"] = Field("any", description="Keep if any chunk passes, or only if all do.")
    reduce_mode: Literal["avg", "max", "min"] = Field(
        "avg", description="How a chunk's image (or frame) scores fold into one.")


class ImageTextFilter(Filter):
    """Keep samples whose per-chunk image-text scores are in [min_score, max_score].

    An op sets ``model_param`` (the parameter naming the model), ``model_kind`` (a key of
    :data:`KINDS`), ``scorer`` (:func:`clip_similarity` or :func:`blip_matching`, wrapped in
    ``staticmethod``), ``stat_key`` and a ``Params`` with ``trust_remote_code``, ``min_score``,
    ``max_score``, ``any_or_all``, ``reduce_mode`` and the flips. The base loads the model on
    the op's device and scores each row's image chunks (:func:`gather_image_chunks`); an op over
    other media overrides ``compute_stats_rows``. ``any_or_all`` decides over the chunks.
    """

    model_param: ClassVar[str]
    model_kind: ClassVar[str]
    scorer: ClassVar[Callable[..., np.ndarray]]
    requires = ("torch", "transformers")
    extra = "knowledge"
    default_accelerator = "cuda"

    def setup(self) -> None:
        p = self.params
        self.device = torch_device(self)
        self.model: Any
        self.model, self.processor = load_hf_model(getattr(p, self.model_param), self.model_param, self.device,
                                                   self.model_kind, p.trust_remote_code)

    def score(self, plans: list[Chunks], images: list[Image.Image]) -> list[list[float]]:
        """Each row's chunk scores by the op's model (see :func:`score_chunks`)."""
        return score_chunks(plans, images, self.scorer, self.model, self.processor, self.device, self.params.reduce_mode)

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[list[float]]:
        return self.score(*gather_image_chunks(batch, rows, self.params))

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_score, self.params.max_score)
