"""image_face_ratio_filter: keep samples whose largest face covers a ratio of the image within a range."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import FilterParams
from recipe_copilot.engine.ops.common.media import FaceDetectParams, FaceFilter


class ImageFaceRatioFilter(FaceFilter):
    """Keep samples whose largest face covers between min_ratio and max_ratio of the image area.

    Faces are found by an OpenCV Haar cascade (by default ``haarcascade_frontalface_alt.xml``
    shipped with OpenCV 4) on the grayscale image, with ``detectMultiScale`` options
    scaleFactor, minNeighbors, minSize and maxSize. any_or_all decides over the images of a
    sample; a sample without images is kept.

    The ratio is the area (w * h) of the largest detected box over the image's area, 0.0
    when no face is found.

    Stat: ``face_ratios`` (a list, one ratio per image).

    Example:
        ``- image_face_ratio_filter: {max_ratio: 0.4}`` drops a close-up whose face fills
        60% of the picture and keeps a group photo.
    """

    class Params(FilterParams, FaceDetectParams):
        min_ratio: float = Field(0.0, description="Minimum area ratio of the largest face.")
        max_ratio: float = Field(0.4, description="Maximum area ratio of the largest face.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )

    stat_key = "face_ratios"
    bounds = ("min_ratio", "max_ratio")

    def image_stat(self, boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> float:
        return max((w * h for _, _, w, h in boxes), default=0.0) / (size[0] * size[1])
