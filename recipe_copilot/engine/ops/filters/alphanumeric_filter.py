"""alphanumeric_filter: keep samples whose share of alphanumeric characters is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.charstats import count_alnum, prepare_tables
from recipe_copilot.engine.ops.common.tokenization import PYTHIA, token_pieces
from recipe_copilot.engine.sample import SampleBatch


class AlphanumericFilter(Filter):
    """Keep samples whose ratio of alphanumeric characters to all characters is in range.

    A character counts when ``str.isalnum()`` is true (letters and digits of any script).
    Stat: ``alnum_ratio`` (0.0 for an empty text). With ``tokenization: true`` the stat is
    ``alpha_token_ratio`` instead: letters (``str.isalpha()``) per token of Data-Juicer's pythia
    tokenizer when it is on disk, else of the bundled SmolLM2 tokenizer (see docs/model_ops.md).

    Example:
        ``- alphanumeric_filter: {min_ratio: 0.5}`` keeps ``"abc1"`` (1.0) and drops ``"a!!!"`` (0.25).
    """

    class Params(FilterParams):
        tokenization: bool = Field(False, description="Count letters per tokenizer token (stat alpha_token_ratio).")
        min_ratio: float = Field(0.25, description="Minimum alphanumeric ratio.")
        max_ratio: float = Field(BIG, description="Maximum alphanumeric ratio.")

    stat_key = "alnum_ratio"
    stat_keys = ("alnum_ratio", "alpha_token_ratio")
    cost = 0.2

    def setup(self) -> None:
        prepare_tables()
        self._pieces = token_pieces(PYTHIA, f"op {self.name!r}") if self.params.tokenization else None

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        if self._pieces is None:
            super().compute_stats_batch(batch)
            return
        rows = batch.missing_stat_rows("alpha_token_ratio")
        if not rows:
            return
        texts = batch.column(self.text_key)
        pieces = self._pieces([texts[i] for i in rows])
        values = batch.get_stat("alpha_token_ratio")
        for i, toks in zip(rows, pieces, strict=True):
            letters = sum(c.isalpha() for c in texts[i])
            values[i] = letters / len(toks) if toks else 0.0
        batch.set_stat("alpha_token_ratio", values)

    def compute_stat(self, text: str) -> float:
        return count_alnum(text) / len(text) if text else 0.0

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        key = "alpha_token_ratio" if self.params.tokenization else self.stat_key
        return self.in_range(batch.get_stat(key), self.params.min_ratio, self.params.max_ratio)
