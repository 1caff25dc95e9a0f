"""character_repetition_filter: keep samples whose character n-gram repetition ratio is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.charstats import char_rep_ratio
from recipe_copilot.engine.sample import SampleBatch


class CharacterRepetitionFilter(Filter):
    """Keep samples whose character n-gram repetition ratio is in range.

    Typical use: drop spam and boilerplate that repeat the same characters or phrases over and over.

    Counts every character n-gram (n = ``rep_len``), takes the floor(sqrt(number of distinct
    n-grams)) most frequent ones, keeping only those seen more than once, and divides their
    occurrences by the number of n-grams. Stat: ``char_rep_ratio`` (0.0 when the text is
    shorter than ``rep_len``).

    Example:
        ``- character_repetition_filter: {rep_len: 3, max_ratio: 0.5}`` drops ``"aaaaaaaaaa"``
        (1.0) and keeps ``"the quick brown fox"`` (0.0: no 3-gram repeats).
    """

    class Params(FilterParams):
        rep_len: int = Field(10, ge=1, description="Length n of the character n-grams.")
        min_ratio: float = Field(0.0, description="Minimum repetition ratio.")
        max_ratio: float = Field(0.5, description="Maximum repetition ratio.")

    stat_key = "char_rep_ratio"
    cost = 2.0

    def compute_stat(self, text: str) -> float:
        return char_rep_ratio(text, self.params.rep_len)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
