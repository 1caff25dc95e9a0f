"""punctuation_normalization_mapper: replace unicode punctuation by its ASCII counterpart."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

#: Data-Juicer's table (note "１" becomes a double quote and "—" a spaced hyphen)
PUNCTUATION = {
    "，": ",", "。": ".", "、": ",", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"',
    "１": '"', "」": '"', "「": '"', "《": '"', "》": '"', "´": "'", "∶": ":", "：": ":",
    "？": "?", "！": "!", "（": "(", "）": ")", "；": ";", "–": "-", "—": " - ", "．": ". ",
    "～": "~", "’": "'", "…": "...", "━": "-", "〈": "<", "〉": ">", "【": "[", "】": "]",
    "％": "%", "►": "-",
}  # fmt: skip

_ANY = re.compile("[" + "".join(map(re.escape, PUNCTUATION)) + "]")


def _replace(found: re.Match) -> str:
    return PUNCTUATION[found.group()]


class PunctuationNormalizationMapper(Mapper):
    """Replace full-width and typographic punctuation by plain ASCII punctuation.

    Each character in the table is replaced wherever it occurs; everything else is kept.
    ASCII-only texts are not searched.

    Example:
        ``"你好，世界！"`` becomes ``"你好,世界!"``; ``"a—b"`` becomes ``"a - b"``.
    """

    class Params(OpParams):
        pass

    cost = 0.2

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        batch.set_column(self.text_key, [t if t.isascii() else _ANY.sub(_replace, t) for t in texts])
        return batch
