"""words_num_filter: keep samples whose number of words is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter
from recipe_copilot.engine.ops.common.tokenization import WordSplitParams, word_splitter
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch


class WordsNumFilter(Filter):
    """Keep samples whose number of words is in range.

    Typical use: drop documents with too few words (stubs, titles) or too many.

    Words are the pieces between spaces, newlines and tabs, stripped of special characters
    (punctuation, digits, emoji...); pieces left empty do not count. Stat: ``num_words``.
    ``tokenization: true`` splits with the sentencepiece model ``<lang>.sp.model`` when it is on
    disk, else with the bundled SmolLM2 tokenizer's pieces (docs/model_ops.md).

    Example:
        ``- words_num_filter: {min_num: 3}`` keeps ``"one two three"`` (3) and drops
        ``"hi , 42 there"`` (2: ``","`` and ``"42"`` are all special characters).
    """

    class Params(WordSplitParams):
        min_num: int = Field(10, description="Minimum number of words.")
        max_num: int = Field(BIG, description="Maximum number of words.")

    stat_key = "num_words"
    cost = 1.0

    def setup(self) -> None:
        self._split, self._split_id = word_splitter(self.params, f"op {self.name!r}")

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[int]:
        words = batch_refined_words(batch, self.text_key, lower_case=False, tokenizer=self._split,
                                    tokenizer_id=self._split_id)
        return [len(words[i]) for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_num, self.params.max_num)
