"""image_deduplicator: drop samples whose images have the same perceptual hashes as an earlier one."""

from __future__ import annotations

import hashlib
from typing import Literal

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common.media import image_hash, load_image, row_bytes, row_images
from recipe_copilot.engine.sample import SampleBatch


class ImageDeduplicator(Deduplicator):
    """Drop samples whose images hash the same as an earlier sample's; the first one stays.

    Each distinct image of a sample (in order of first appearance) gets a 64-bit hash
    (imagededup's phash, dhash, whash or ahash) and the sample's key is their concatenation:
    two samples are duplicates when those strings are equal. Samples without images are
    never dropped, unless consider_text is set: then the key also holds the MD5 of the
    stripped text, and samples are duplicates only when both parts are equal.

    Example:
        ``- image_deduplicator: {}`` on three samples whose images are a.png, a_copy.bmp
        (the same picture) and b.png keeps the first and the third.
    """

    class Params(OpParams):
        method: Literal["phash", "dhash", "whash", "ahash"] = Field("phash", description="Image hash method.")
        consider_text: bool = Field(False, description="Also require the same text (MD5 of stripped text).")

    key_column = "__dj__imagehash"
    cost = 5.0
    reads_text = False

    def keys_batch(self, batch: SampleBatch) -> list:
        p = self.params
        paths = row_images(batch.column(p.image_key))
        raw = row_bytes(batch.column(p.image_bytes_key), paths)
        memo: dict[str, str] = {}
        keys: list = []
        for ps, bs in zip(paths, raw, strict=True):
            sources: dict[str, str | bytes] = {}  # one hash per distinct path, in order
            for path, src in zip(ps, bs or ps, strict=True):
                sources.setdefault(path, src)
            parts = []
            for path, src in sources.items():
                if (h := memo.get(path)) is None or bs is not None:
                    h = memo[path] = image_hash(load_image(src), p.method)
                parts.append(h)
            keys.append("".join(parts))
        if p.consider_text:
            texts = batch.column(self.text_key)
            for i, t in enumerate(texts):
                if not isinstance(t, str):
                    msg = f"consider_text needs field {self.text_key!r} as str, got {type(t).__name__}"
                    raise TypeError(msg)
                keys[i] = [keys[i], hashlib.md5(t.strip().encode()).hexdigest()]
        return keys

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        keep = np.ones(len(keys), dtype=bool)
        first: dict = {}
        pairs: list[tuple[int, int]] = []
        for i, key in enumerate(keys):
            k = tuple(key) if isinstance(key, list) else key
            if not k:
                continue  # no image (and text not considered): never a duplicate
            j = first.setdefault(k, i)
            if j != i:
                keep[i] = False
                if len(pairs) < 300:
                    pairs.append((i, j))
        return GlobalResult(keep, pairs)
