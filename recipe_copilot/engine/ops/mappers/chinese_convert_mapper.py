"""chinese_convert_mapper: convert between Simplified, Traditional and Japanese Kanji forms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

Mode = Literal[
    "s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "tw2t", "hk2t", "t2hk", "t2jp", "jp2t"
]


class ChineseConvertMapper(Mapper):
    """Convert Chinese text with OpenCC: Simplified, Traditional (Taiwan, Hong Kong) or Kanji.

    ``mode`` names an OpenCC configuration: ``s2t``/``t2s`` (Simplified <-> Traditional),
    ``s2tw``/``tw2s`` and ``s2hk``/``hk2s`` (regional standards), ``s2twp``/``tw2sp`` (with
    Taiwanese or Mainland phrases), ``t2tw``/``tw2t``, ``t2hk``/``hk2t``, and ``t2jp``/``jp2t``
    (Kyūjitai <-> Shinjitai). Uses the ``opencc`` package, as Data-Juicer does (its
    dictionaries ship with it; results match the same opencc version). Like OpenCC, it drops
    everything from the first NUL character on.

    Example:
        ``{mode: s2t}`` turns ``"汉字转换"`` into ``"漢字轉換"``.
    """

    class Params(OpParams):
        mode: Mode = Field("s2t", description="OpenCC conversion, e.g. s2t (Simplified to Traditional).")

    cost = 2.0
    requires = ("opencc",)
    extra = "zh"

    def setup(self) -> None:
        import opencc

        self._convert = opencc.OpenCC(f"{self.params.mode}.json").convert

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        convert = self._convert
        texts = batch.column(self.text_key)
        # no OpenCC dictionary entry is pure ASCII, so ASCII text comes back as it is
        # (unless it holds a NUL, where OpenCC cuts the text)
        batch.set_column(self.text_key, [t if t.isascii() and "\0" not in t else convert(t) for t in texts])
        return batch
