"""audio_size_filter: keep samples whose audio files (in bytes) are within a size range."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.media import MediaError, keep_items_in_range, row_images, size_to_bytes
from recipe_copilot.engine.sample import SampleBatch


def _file_size(path: object) -> int:
    if not isinstance(path, str):
        msg = f"cannot open audio {path!r}: an audio path must be a string"
        raise MediaError(msg)
    try:
        return os.path.getsize(path)
    except OSError as exc:
        msg = f"cannot open audio {path!r}: {exc.strerror or exc}"
        raise MediaError(msg) from None


class AudioSizeFilter(Filter):
    """Keep samples whose audio files weigh between min_size and max_size.

    Sizes are strings with an optional binary unit (``"512KB"`` or ``"512KiB"`` = 512 * 1024
    bytes; no unit means bytes). As in Data-Juicer only the digits count: ``"1.5MB"`` reads
    as 15 MB. Files are not decoded. A sample without audios is kept.

    Stat: ``audio_sizes`` (a list, bytes per audio).

    Example:
        ``- audio_size_filter: {max_size: 1MB}`` keeps a sample with a 200 KB WAV and drops
        one whose only WAV is 3 MB.
    """

    class Params(FilterParams):
        min_size: str = Field("0", description="Minimum audio file size, e.g. '10KB' (binary units).")
        max_size: str = Field("1TB", description="Maximum audio file size, e.g. '5MB' (binary units).")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its audios passes, or only if all do."
        )

        @field_validator("min_size", "max_size", mode="before")
        @classmethod
        def _parses(cls, value: object) -> str:
            size_to_bytes(str(value))
            return str(value)

    stat_key = "audio_sizes"
    cost = 0.3
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        audios = row_images(batch.column(self.params.audio_key))
        return [[_file_size(a) for a in audios[i]] for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        lo, hi = size_to_bytes(self.params.min_size), size_to_bytes(self.params.max_size)
        return keep_items_in_range(self, batch, lo, hi)
