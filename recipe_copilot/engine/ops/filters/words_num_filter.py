"""words_num_filter: keep samples whose number of words is in range."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.tokenization import refuse_tokenization
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch


class WordsNumFilter(Filter):
    """Keep samples whose number of words is in range.

    Words are the pieces between spaces, newlines and tabs, stripped of special characters
    (punctuation, digits, emoji...); pieces left empty do not count. Stat: ``num_words``.
    ``lang`` only picks the tokenizer of ``tokenization: true``, which needs a downloaded
    model and is refused at validation.

    Example:
        ``- words_num_filter: {min_num: 3}`` keeps ``"one two three"`` (3) and drops
        ``"hi , 42 there"`` (2: ``","`` and ``"42"`` are all special characters).
    """

    class Params(FilterParams):
        lang: str = Field("en", description="Language of the samples (picks the tokenizer model).")
        tokenization: bool = Field(
            False, description="Split words with a sentencepiece model (needs a model; refused)."
        )
        min_num: int = Field(10, description="Minimum number of words.")
        max_num: int = Field(BIG, description="Maximum number of words.")

        @field_validator("tokenization")
        @classmethod
        def _offline(cls, value: bool, info: ValidationInfo) -> bool:
            return refuse_tokenization(value, f"the sentencepiece model '{info.data.get('lang', 'en')}.sp.model'")

    stat_key = "num_words"
    cost = 1.0

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        rows = batch.missing_stat_rows(self.stat_key)
        if rows:
            words = batch_refined_words(batch, self.text_key, lower_case=False)
            batch.set_stat(self.stat_key, [len(words[i]) for i in rows], rows)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_num, self.params.max_num)
