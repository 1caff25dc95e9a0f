"""image_blur_mapper: blur a random share of the images, writing blurred copies."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.media import (
    blur_filter,
    image_dims,
    load_image,
    produced_path,
    rewrite_images,
    save_image,
)
from recipe_copilot.engine.sample import SampleBatch


class ImageBlurMapper(Mapper):
    """Blur each image with probability p (mean, box or Gaussian kernel) into a new file.

    A blurred image is written as ``<name>__dj_hash_#<hash>#<ext>`` in save_dir, else in
    ``$DJ_PRODUCED_DATA_DIR/image_blur_mapper``, else in
    ``__dj__produced_data__/image_blur_mapper`` beside the original, and the sample's path
    is replaced; ``__dj__source_file__`` keeps the path before. The text is not changed.
    Whether an image is blurred is drawn from a hash of its path and the op's parameters,
    so a run is reproducible (Data-Juicer draws from numpy's unseeded global generator).

    Example:
        ``- image_blur_mapper: {p: 1.0, radius: 4}`` replaces the image /d/cat.jpg by
        /d/__dj__produced_data__/image_blur_mapper/cat__dj_hash_#9f2c…#.jpg, blurred.
    """

    class Params(OpParams):
        p: float = Field(0.2, ge=0, le=1, description="Probability that an image is blurred.")
        blur_type: Literal["mean", "box", "gaussian"] = Field("gaussian", description="Blur kernel.")
        radius: float = Field(2, ge=0, description="Blur radius (box and gaussian).")
        save_dir: str | None = Field(None, description="Folder for the blurred images (default: beside the input).")

    cost = 10.0
    reads_text = False

    def setup(self) -> None:
        self.blur = blur_filter(self.params.blur_type, self.params.radius)
        self.signature = self.params.model_dump(exclude={"save_dir"})

    def _draw(self, path: str) -> float:
        digest = hashlib.sha256(repr((sorted(self.signature.items()), path)).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def _edit(self, path: str) -> str:
        if self.params.p < self._draw(path):
            image_dims(path)  # still fail on a file that cannot be read, as Data-Juicer does
            return path
        out = produced_path(path, self.name, self.params.save_dir, self.signature)
        save_image(load_image(path).filter(self.blur), out, like=path)
        return out

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        rewrite_images(batch, self.params.image_key, self._edit)
        return batch
