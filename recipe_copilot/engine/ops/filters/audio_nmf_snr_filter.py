"""audio_nmf_snr_filter: keep samples whose audios' NMF signal-to-noise ratio is in range."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.audio import load_audio, nmf_snr
from recipe_copilot.engine.ops.common.media import keep_items_in_range, row_images
from recipe_copilot.engine.sample import SampleBatch


class AudioNmfSnrFilter(Filter):
    """Keep samples whose audios have an SNR (dB) between min_snr and max_snr.

    Each audio (mono, native rate) is turned into a magnitude spectrogram (STFT, 2048/512,
    Hann) and split by a 2-component NMF (scikit-learn's coordinate descent, random init
    with seed 0) into a "signal" and a "noise" part; the SNR is 10 log10 of their powers
    once turned back into audio. The result equals Data-Juicer's (librosa + scikit-learn)
    without needing either. A sample without audios is kept.

    Stat: ``audio_nmf_snr`` (a list, dB per audio).

    Example:
        ``- audio_nmf_snr_filter: {min_snr: 10}`` keeps a clean recording of a tone (about
        33 dB) and drops the same tone buried in loud noise (about 2 dB).
    """

    class Params(FilterParams):
        min_snr: float = Field(0, description="Minimum SNR in dB.")
        max_snr: float = Field(BIG, description="Maximum SNR in dB.")
        nmf_iter_num: int = Field(500, gt=0, description="Maximum NMF iterations.")
        any_or_all: Literal["any", "all"] = Field(
            "any", description="Keep a sample if any of its audios passes, or only if all do."
        )

    stat_key = "audio_nmf_snr"
    cost = 20.0
    reads_text = False

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        audios = row_images(batch.column(self.params.audio_key))
        iters = self.params.nmf_iter_num
        out = []
        for i in rows:
            seen: dict[str, float] = {}
            for a in audios[i]:
                if a not in seen:
                    seen[a] = nmf_snr(load_audio(a)[0], iters)
            out.append([seen[a] for a in audios[i]])
        return out

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return keep_items_in_range(self, batch, self.params.min_snr, self.params.max_snr)
