"""audio_duration_filter: keep samples whose audios last between min and max seconds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.audio import audio_duration
from recipe_copilot.engine.ops.common.media import keep_items_in_range, row_images
from recipe_copilot.engine.sample import SampleBatch


class AudioDurationFilter(Filter):
    """Keep samples whose audios last between min_duration and max_duration seconds.

    The duration is the number of decoded samples over the sampling rate (read from the
    header for WAV/FLAC/AIFF, where the two agree). A sample without audios is kept.

    Stat: ``audio_duration`` (a list, seconds per audio).

    Example:
        ``- audio_duration_filter: {max_duration: 10}`` keeps a sample with a 3 s clip and
        drops one whose only clip lasts 30 s.
    """

    class Params(FilterParams):
        # Data-Juicer annotates both as int but uses them as numbers; 2.5 is accepted here too
        min_duration: float = Field(0, description="Minimum audio duration in seconds.")
        max_duration: float = Field(BIG, description="Maximum audio duration in seconds.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its audios passes, or only if all do."
        )

    stat_key = "audio_duration"
    cost = 1.0
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        audios = row_images(batch.column(self.params.audio_key))
        return [[audio_duration(a) for a in audios[i]] for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_duration, self.params.max_duration)
