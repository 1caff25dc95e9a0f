"""image_size_filter: keep samples whose image files (in bytes) are within a size range."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import (
    MediaError,
    keep_items_in_range,
    row_bytes,
    row_images,
    size_to_bytes,
)
from recipe_copilot.engine.sample import SampleBatch


def _file_size(path: object) -> int:
    try:
        return os.path.getsize(path)  # type: ignore[arg-type]
    except FileNotFoundError:
        why = "file not found"
    except (OSError, TypeError) as exc:
        why = f"{type(exc).__name__}: {exc}"
    msg = f"cannot open image {path!r}: {why}"
    raise MediaError(msg)


class ImageSizeFilter(Filter):
    """Keep samples whose image files weigh between min_size and max_size.

    Sizes are strings with an optional binary unit (``"512KB"`` = 512 * 1024 bytes); as in
    Data-Juicer only the digits count, so ``"1.5MB"`` means 15 MB. Files are not decoded: the
    size comes from the file system (or from ``image_bytes`` when the row carries them).
    A sample without images is kept.

    Stat: ``image_sizes`` (a list, one size in bytes per image).

    Example:
        ``- image_size_filter: {max_size: 1MB}`` keeps a sample with a 200 KB image and drops
        one whose only image is 3 MB.
    """

    class Params(FilterParams):
        min_size: str = Field("0", description="Minimum image file size, e.g. '10KB' (binary units).")
        max_size: str = Field("1TB", description="Maximum image file size, e.g. '5MB' (binary units).")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its images passes, or only if all do."
        )

        @field_validator("min_size", "max_size")
        @classmethod
        def _parses(cls, value: str) -> str:
            size_to_bytes(value)
            return value

    stat_key = "image_sizes"
    cost = 0.3
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        p = self.params
        paths = row_images(batch.column(p.image_key))
        raw = row_bytes(batch.column(p.image_bytes_key), paths)
        return [[len(b) for b in raw[i]] if raw[i] is not None else [_file_size(x) for x in paths[i]] for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        lo, hi = size_to_bytes(self.params.min_size), size_to_bytes(self.params.max_size)
        return keep_items_in_range(self, batch, lo, hi)
