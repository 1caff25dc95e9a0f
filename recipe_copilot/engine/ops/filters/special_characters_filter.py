"""special_characters_filter: keep samples whose share of special characters is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.charstats import count_special, prepare_tables
from recipe_copilot.engine.sample import SampleBatch


class SpecialCharactersFilter(Filter):
    """Keep samples whose ratio of special characters to all characters is in range.

    Typical use: drop symbol soup, garbled or weird-character text, and pages made mostly of punctuation or digits.

    Special characters are Data-Juicer's set: ASCII punctuation, digits and whitespace, a list
    of other symbols and spaces, and every single-code-point emoji. Stat:
    ``special_char_ratio`` (0.0 for an empty text).

    Example:
        ``- special_characters_filter: {max_ratio: 0.25}`` keeps ``"hello world"`` (1/11) and
        drops ``"#1 !!!"`` (1.0).
    """

    class Params(FilterParams):
        min_ratio: float = Field(0.0, description="Minimum special-character ratio.")
        max_ratio: float = Field(0.25, description="Maximum special-character ratio.")

    stat_key = "special_char_ratio"
    cost = 0.2

    def setup(self) -> None:
        prepare_tables()

    def compute_stat(self, text: str) -> float:
        return count_special(text) / len(text) if text else 0.0

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
