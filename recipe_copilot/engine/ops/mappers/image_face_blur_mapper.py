"""image_face_blur_mapper: blur the faces OpenCV finds in images, writing blurred copies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper
from recipe_copilot.engine.ops.common.media import (
    FaceDetector,
    FaceDetectParams,
    blur_filter,
    load_image,
    produced_path,
    rewrite_images,
    save_image,
)
from recipe_copilot.engine.sample import SampleBatch


class ImageFaceBlurMapper(Mapper):
    """Blur every face box an OpenCV Haar cascade finds; images without faces stay as they are.

    Detection is that of image_face_count_filter (same classifier and detectMultiScale
    options). An image with faces is written as ``<name>__dj_hash_#<hash>#<ext>`` in
    save_dir, else ``$DJ_PRODUCED_DATA_DIR/image_face_blur_mapper``, else
    ``__dj__produced_data__/image_face_blur_mapper`` beside the original, and the sample's
    path is replaced; ``__dj__source_file__`` keeps the path before. The text is not changed.

    Example:
        ``- image_face_blur_mapper: {}`` replaces the image /d/team.jpg by
        /d/__dj__produced_data__/image_face_blur_mapper/team__dj_hash_#51ab…#.jpg, faces blurred.
    """

    class Params(FaceDetectParams):
        blur_type: Literal["mean", "box", "gaussian"] = Field("gaussian", description="Blur kernel.")
        radius: float = Field(2, ge=0, description="Blur radius (box and gaussian).")
        save_dir: str | None = Field(None, description="Folder for the blurred images (default: beside the input).")

    cost = 25.0
    reads_text = False
    requires = ("cv2",)
    extra = "media"

    def setup(self) -> None:
        p = self.params
        self.faces = FaceDetector(p, needed_by=f"op {self.name!r}")
        self.blur = blur_filter(p.blur_type, p.radius)
        self.signature = p.model_dump(exclude={"save_dir"})

    def _edit(self, path: str) -> str:
        img = load_image(path)
        boxes = self.faces.detect(img)
        if not boxes:
            return path
        out = img.copy()
        for x, y, w, h in boxes:
            box = (x, y, x + w, y + h)
            out.paste(img.crop(box).filter(self.blur), box)
        target = produced_path(path, self.name, self.params.save_dir, self.signature)
        save_image(out, target, like=path)
        return target

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        rewrite_images(batch, self.params.image_key, self._edit)
        return batch
