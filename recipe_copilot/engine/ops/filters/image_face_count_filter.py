"""image_face_count_filter: keep samples whose images show between min and max faces (OpenCV Haar)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import batch_faces, keep_any_or_all, load_face_detector
from recipe_copilot.engine.sample import SampleBatch


class ImageFaceCountFilter(Filter):
    """Keep samples whose images have between min_face_count and max_face_count faces.

    Faces are found by an OpenCV Haar cascade (by default ``haarcascade_frontalface_alt.xml``
    shipped with OpenCV 4) on the grayscale image, with ``detectMultiScale`` options
    scaleFactor, minNeighbors, minSize and maxSize. any_or_all decides over the images of a
    sample; a sample without images is kept.

    Stat: ``face_counts`` (a list, one count per image).

    Example:
        ``- image_face_count_filter: {min_face_count: 1, max_face_count: 1}`` keeps a
        portrait and drops a landscape without people.
    """

    class Params(FilterParams):
        cv_classifier: str = Field("", description="Path of an OpenCV cascade XML ('' = frontal face alt).")
        min_face_count: int = Field(1, description="Minimum number of faces per image.")
        max_face_count: int = Field(1, description="Maximum number of faces per image.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )
        scaleFactor: float = Field(1.1, gt=1, description="detectMultiScale: image scale step.")
        minNeighbors: int = Field(3, ge=0, description="detectMultiScale: neighbours a face needs.")
        minSize: tuple[int, int] | None = Field(None, description="detectMultiScale: smallest face (w, h).")
        maxSize: tuple[int, int] | None = Field(None, description="detectMultiScale: largest face (w, h).")

    stat_key = "face_counts"
    cost = 20.0
    reads_text = False
    requires = ("cv2",)
    extra = "media"

    def setup(self) -> None:
        p = self.params
        self.detector: Any = load_face_detector(p.cv_classifier, needed_by=f"op {self.name!r}")
        self.detect_options = {
            "scaleFactor": p.scaleFactor,
            "minNeighbors": p.minNeighbors,
            "minSize": p.minSize,
            "maxSize": p.maxSize,
        }

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        found = batch_faces(batch, self.params.image_key, self.params.image_bytes_key, rows, self)
        return [[len(boxes) for boxes, _ in images] for images in found]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        flags = [self.in_range(v or [], p.min_face_count, p.max_face_count) for v in batch.get_stat(self.stat_key)]
        return keep_any_or_all(flags, p.any_or_all)
