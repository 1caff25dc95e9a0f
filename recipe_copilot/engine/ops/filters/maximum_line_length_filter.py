"""maximum_line_length_filter: keep samples whose longest line length is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.lines import batch_lines
from recipe_copilot.engine.sample import SampleBatch


class MaximumLineLengthFilter(Filter):
    """Keep samples whose longest line (in characters, line break excluded) is in range.

    Typical use: drop minified code, data dumps or one-line blobs (a very long line), or texts without any real line.

    Lines are those of ``str.splitlines``. Stat: ``max_line_length`` (0 for an empty text).

    Example:
        ``- maximum_line_length_filter: {min_len: 1, max_len: 5}`` keeps ``"hi\\nthere"`` (5) and drops
        ``"a\\nlong line"`` (9).
    """

    class Params(FilterParams):
        min_len: int = Field(10, description="Minimum length of the longest line.")
        max_len: int = Field(BIG, description="Maximum length of the longest line.")

    stat_key = "max_line_length"
    cost = 0.2

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[int]:
        lines = batch_lines(batch, self.text_key)
        return [max(map(len, lines[i]), default=0) for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_len, self.params.max_len)
