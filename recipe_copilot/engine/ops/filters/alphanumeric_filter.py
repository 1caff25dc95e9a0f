"""alphanumeric_filter: keep samples whose share of alphanumeric characters is in range."""

from __future__ import annotations

from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.charstats import count_alnum, prepare_tables
from recipe_copilot.engine.ops.common.tokenization import refuse_tokenization
from recipe_copilot.engine.sample import SampleBatch


class AlphanumericFilter(Filter):
    """Keep samples whose ratio of alphanumeric characters to all characters is in range.

    A character counts when ``str.isalnum()`` is true (letters and digits of any script).
    Stat: ``alnum_ratio`` (0.0 for an empty text). Data-Juicer's ``tokenization: true``
    (letters per tokenizer token, stat ``alpha_token_ratio``) needs a downloaded tokenizer and
    is refused at validation.

    Example:
        ``- alphanumeric_filter: {min_ratio: 0.5}`` keeps ``"abc1"`` (1.0) and drops ``"a!!!"`` (0.25).
    """

    class Params(FilterParams):
        tokenization: bool = Field(False, description="Count letters per tokenizer token (needs a model; refused).")
        min_ratio: float = Field(0.25, description="Minimum alphanumeric ratio.")
        max_ratio: float = Field(BIG, description="Maximum alphanumeric ratio.")

        @field_validator("tokenization")
        @classmethod
        def _offline(cls, value: bool) -> bool:
            return refuse_tokenization(value, "the Hugging Face tokenizer 'EleutherAI/pythia-6.9b-deduped'")

    stat_key = "alnum_ratio"
    cost = 0.2

    def setup(self) -> None:
        prepare_tables()

    def compute_stat(self, text: str) -> float:
        return count_alnum(text) / len(text) if text else 0.0

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
