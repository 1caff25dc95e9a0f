"""remove_non_chinese_character_mapper: keep only Chinese characters (and, optionally, a few others)."""

from __future__ import annotations

import re

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

#: the punctuation Data-Juicer keeps with ``keep_punc`` (full-width and ASCII alike)
KEPT_PUNCTUATION = ".， ,\\-。%《*》/•、&＆(—)（+）：？!！“”·"


def _pattern(keep_alphabet: bool, keep_number: bool, keep_punc: bool) -> re.Pattern:
    kept = "\u4e00-\u9fa5" + ("A-Za-z" if keep_alphabet else "") + ("0-9" if keep_number else "")
    # Data-Juicer uses the regex module; for a plain character class re matches the same, faster
    return re.compile(f"[^{kept}{KEPT_PUNCTUATION if keep_punc else ''}]+")


class RemoveNonChineseCharacterMapper(Mapper):
    """Remove every character that is not a Chinese character (U+4E00 to U+9FA5).

    ASCII letters, digits and a fixed set of punctuation marks (``.，,-。%《*》/•、&＆(—)（+）：？!！“”·``
    and the space) are kept too unless switched off. Newlines and other whitespace go.

    Example:
        ``"你好 hello_123！\\n"`` becomes ``"你好 hello123！"``.
    """

    class Params(OpParams):
        keep_alphabet: bool = Field(True, description="Keep ASCII letters A-Z and a-z.")
        keep_number: bool = Field(True, description="Keep ASCII digits 0-9.")
        keep_punc: bool = Field(True, description="Keep common Chinese and ASCII punctuation and the space.")

    cost = 0.5

    def setup(self) -> None:
        p = self.params
        self._sub = _pattern(p.keep_alphabet, p.keep_number, p.keep_punc).sub

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        sub = self._sub
        batch.set_column(self.text_key, [sub("", t) for t in batch.column(self.text_key)])
        return batch
