"""average_line_length_filter: keep samples whose average line length is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.lines import batch_lines
from recipe_copilot.engine.sample import SampleBatch


class AverageLineLengthFilter(Filter):
    """Keep samples whose average line length (in characters) is in range.

    The average is the length of the whole text, line breaks included, over its number of
    lines (``str.splitlines``). Stat: ``avg_line_length`` (0.0 for an empty text).

    Example:
        ``- average_line_length_filter: {min_len: 5}`` keeps ``"hello\\nworld"`` (11 / 2 = 5.5)
        and drops ``"a\\nb\\nc"`` (5 / 3).
    """

    class Params(FilterParams):
        min_len: int = Field(10, description="Minimum average line length.")
        max_len: int = Field(BIG, description="Maximum average line length.")

    stat_key = "avg_line_length"
    cost = 0.2

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[float]:
        texts, lines = batch.column(self.text_key), batch_lines(batch, self.text_key)
        return [len(texts[i]) / len(lines[i]) if lines[i] else 0.0 for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_len, self.params.max_len)
