"""Tiny randomly initialised CLIP and BLIP-ITM models with offline tokenizers, saved for the image-text op tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

WORDS = ["a", "photo", "of", "cat", "dog", "red", "blue", "green", "the", "on", "grass"]


def noise_image(path: Path, size: tuple[int, int], seed: int) -> str:
    """An RGB noise picture (asymmetric, so flips change it)."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return str(path)


def _clip_tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {}
    for c in sorted(set("".join(WORDS))):
        vocab[c] = len(vocab)
        vocab[c + "</w>"] = len(vocab)
    merges: list[str] = []
    for w in WORDS:  # merge each word left to right into one token
        parts = [*w[:-1], w[-1] + "</w>"]
        while len(parts) > 1:
            pair = f"{parts[0]} {parts[1]}"
            if pair not in merges:
                merges.append(pair)
            vocab.setdefault(parts[0] + parts[1], len(vocab))
            parts = [parts[0] + parts[1], *parts[2:]]
    for t in ("<|startoftext|>", "<|endoftext|>"):
        vocab[t] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt")), vocab


def build_clip(folder: Path, logit_scale: float | None = None) -> str:
    """Save a tiny CLIPModel + CLIPProcessor (32 px images, patch 8) in ``folder``."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    folder.mkdir(parents=True, exist_ok=True)
    tok, vocab = _clip_tokenizer(folder)
    eos = vocab["<|endoftext|>"]
    small = {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 4}
    cfg = CLIPConfig(
        text_config={**small, "vocab_size": len(vocab), "max_position_embeddings": 16,
                     "bos_token_id": vocab["<|startoftext|>"], "eos_token_id": eos, "pad_token_id": eos},
        vision_config={**small, "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )
    torch.manual_seed(0)
    model = CLIPModel(cfg).eval()
    if logit_scale is not None:
        with torch.no_grad():
            model.logit_scale.fill_(logit_scale)
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    model.save_pretrained(folder)
    CLIPProcessor(image_processor=images, tokenizer=tok).save_pretrained(folder)
    return str(folder)


def build_blip(folder: Path) -> str:
    """Save a tiny BlipForImageTextRetrieval + BlipProcessor (BERT word-piece vocab) in ``folder``."""
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForImageTextRetrieval, BlipImageProcessor, BlipProcessor

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "."]) + "\n")
    tok = BertTokenizer(str(folder / "vocab.txt"))
    small = {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 4}
    cfg = BlipConfig(
        text_config={**small, "vocab_size": tok.vocab_size, "max_position_embeddings": 16,
                     "encoder_hidden_size": 32, "bos_token_id": 2, "sep_token_id": 3, "pad_token_id": 0},
        # BLIP's vision default initializer_range is 1e-10: every image would look the same
        vision_config={**small, "image_size": 32, "patch_size": 8, "initializer_range": 0.02},
        projection_dim=16,
        image_text_hidden_size=16,
    )
    torch.manual_seed(0)
    model = BlipForImageTextRetrieval(cfg).eval()
    with torch.no_grad():  # a sharper ITM head, so scores spread away from 0.5
        model.itm_head.weight.mul_(20)
    model.save_pretrained(folder)
    BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tok).save_pretrained(folder)
    return str(folder)
