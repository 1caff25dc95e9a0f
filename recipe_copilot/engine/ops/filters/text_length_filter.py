"""text_length_filter: keep samples whose text length (in characters) is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.sample import SampleBatch


class TextLengthFilter(Filter):
    """Keep samples whose text has between min_len and max_len characters.

    Typical use: drop very short documents (one-liners, stubs) or very long ones.

    Stat: ``text_len`` (number of characters).

    Example:
        ``- text_length_filter: {min_len: 5}`` keeps ``"hello world"`` (11) and drops ``"hi"`` (2).
    """

    class Params(FilterParams):
        min_len: int = Field(10, description="Minimum text length in characters.")
        max_len: int = Field(BIG, description="Maximum text length in characters.")

    stat_key = "text_len"
    cost = 0.1

    def compute_stat(self, text: str) -> int:
        return len(text)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_len, self.params.max_len)
