"""Generate a small image-text dataset with planted defects, offline and deterministic (seeded).

Writes ``OUT/image_text.jsonl`` and the pictures under ``OUT/images/``. Each sample has
``images`` (paths relative to OUT, as Data-Juicer reads them), ``text`` (a caption with the
``<__dj__image>`` token) and ``meta.kind``, what the image-text recipe should do with it:

- ``ok``: a normal picture (64..512 px, aspect 0.5..2, grainy block pattern) and caption;
- ``ok_pair``: two pictures, one fine and one tiny (the shape filter keeps it: any image);
- ``duplicate``: the same pixels as an earlier ``ok`` picture, in another file or format;
- ``same_file``: the very same file as an earlier sample;
- ``tiny``: 8..24 px pictures; ``huge``: wider or taller than 2048 px;
- ``odd_aspect``: banners and strips (aspect above 3 or below 1/3);
- ``short_caption``: a caption of two words; ``missing``: the file does not exist;
- ``corrupt``: a file that is not an image.

Usage:
    python scripts/make_image_text_data.py OUT_DIR [--n-ok 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from PIL import Image

_ADJ = ["small", "red", "sleepy", "old", "bright", "wooden", "striped", "quiet", "tall", "rusty"]
_NOUN = ["cat", "bicycle", "lighthouse", "teapot", "dog", "tram", "violin", "kite", "barn", "boat"]
_PLACE = ["beach", "kitchen table", "city street", "hill", "harbour", "garden", "market", "bridge"]
TOKEN = "<__dj__image>"


def _caption(rng: random.Random) -> str:
    return f"{TOKEN} a photo of a {rng.choice(_ADJ)} {rng.choice(_NOUN)} near the {rng.choice(_PLACE)}"


def _picture(rng: np.random.Generator, w: int, h: int, grain: bool = False) -> Image.Image:
    """A random block pattern (distinct, so perceptual hashes differ), with sensor-like grain."""
    cells = rng.integers(0, 256, (max(h // 16, 2), max(w // 16, 2), 3), dtype=np.uint8)
    img = Image.fromarray(cells).resize((w, h), Image.NEAREST)
    if not grain:
        return img
    noise = rng.integers(-12, 13, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def make(out: Path, n_ok: int = 30, seed: int = 0) -> Path:
    """Write the dataset under ``out``; return the jsonl path."""
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []

    def add(kind: str, paths: list[str], text: str | None = None) -> None:
        rows.append({"id": len(rows), "images": paths, "text": text or _caption(rnd), "meta": {"kind": kind}})

    def save(name: str, img: Image.Image) -> str:
        img.save(images / name)
        return f"images/{name}"

    ok_paths = []
    for i in range(n_ok):
        w = rnd.randint(64, 512)
        h = max(64, min(512, round(w / rnd.uniform(0.5, 2.0))))
        ok_paths.append(save(f"ok_{i:03d}.{'jpg' if i % 3 == 0 else 'png'}", _picture(rng, w, h, grain=True)))
        add("ok", [ok_paths[-1]])
    for i, src in enumerate(ok_paths[1:16:3]):  # pixel copies under other names and formats
        add("duplicate", [save(f"copy_{i}.bmp", Image.open(out / src).convert("RGB"))])
    add("same_file", [ok_paths[2]])
    for i, (w, h) in enumerate([(16, 16), (8, 20), (24, 12), (20, 24)]):
        add("tiny", [save(f"tiny_{i}.png", _picture(rng, w, h))])
    add(
        "ok_pair",
        [save("pair_big.png", _picture(rng, 200, 150, grain=True)), save("pair_tiny.png", _picture(rng, 12, 12))],
    )
    for i, (w, h) in enumerate([(2100, 1600), (1500, 2200)]):
        add("huge", [save(f"huge_{i}.png", _picture(rng, w, h))])
    for i, (w, h) in enumerate([(600, 60), (800, 120), (40, 400), (90, 300)]):
        add("odd_aspect", [save(f"odd_{i}.png", _picture(rng, w, h))])
    add("short_caption", [save("short.png", _picture(rng, 128, 128, grain=True))], f"{TOKEN} IMG_2033.jpg")
    add("missing", ["images/missing.png"])
    (images / "corrupt.png").write_bytes(b"this is not a png file\n" * 200)  # over 2 KB: not a stub
    add("corrupt", ["images/corrupt.png"])

    path = out / "image_text.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--n-ok", type=int, default=30, help="number of normal samples")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    path = make(args.out, args.n_ok, args.seed)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
