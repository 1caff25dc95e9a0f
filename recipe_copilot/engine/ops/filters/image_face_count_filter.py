"""image_face_count_filter: keep samples whose images show between min and max faces (OpenCV Haar)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import FilterParams
from recipe_copilot.engine.ops.common.media import FaceDetectParams, FaceFilter


class ImageFaceCountFilter(FaceFilter):
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

    class Params(FilterParams, FaceDetectParams):
        min_face_count: int = Field(1, description="Minimum number of faces per image.")
        max_face_count: int = Field(1, description="Maximum number of faces per image.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )

    stat_key = "face_counts"
    bounds = ("min_face_count", "max_face_count")

    def image_stat(self, boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> int:
        return len(boxes)
