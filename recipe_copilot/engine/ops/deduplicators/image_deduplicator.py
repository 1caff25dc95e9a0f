"""image_deduplicator: drop samples whose images have the same perceptual hashes as an earlier one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.dedup import MediaDeduplicator
from recipe_copilot.engine.ops.common.media import image_hash, load_image, row_bytes, row_images
from recipe_copilot.engine.sample import SampleBatch


class ImageDeduplicator(MediaDeduplicator):
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

    def media_keys(self, batch: SampleBatch) -> list[str]:
        p = self.params
        paths = row_images(batch.column(p.image_key))
        raw = row_bytes(batch.column(p.image_bytes_key), paths)
        memo: dict[str, str] = {}
        keys: list[str] = []
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
        return keys
