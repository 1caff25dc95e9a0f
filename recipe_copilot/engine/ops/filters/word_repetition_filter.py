"""word_repetition_filter: keep samples whose word n-gram repetition ratio is in range."""

from __future__ import annotations

from collections import Counter

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter
from recipe_copilot.engine.ops.common.tokenization import WordSplitParams, word_splitter
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch


def _rep_ratio(words: list[str], n: int) -> float:
    total = len(words) - n + 1
    if total <= 0:
        return 0.0
    # words never hold a space, so counting word tuples is counting the space-joined n-grams
    counts = Counter(zip(*(words[i:] for i in range(n)), strict=False))
    once = sum(1 for c in counts.values() if c == 1)
    return (total - once) / total


class WordRepetitionFilter(Filter):
    """Keep samples whose word n-gram repetition ratio is in range.

    Typical use: drop spammy documents that say the same phrase over and over, and pages of repeated lines.

    Words are lower-cased and stripped of special characters (empty ones dropped); the ratio
    is the number of n-grams (n = ``rep_len``) that occur more than once, counting every
    occurrence, over the number of n-grams. Stat: ``word_rep_ratio`` (0.0 with fewer than
    ``rep_len`` words). ``tokenization: true`` splits words with ``<lang>.sp.model`` when it is
    on disk, else with the bundled SmolLM2 tokenizer's pieces (docs/model_ops.md).

    Example:
        ``- word_repetition_filter: {rep_len: 2, max_ratio: 0.5}`` drops ``"buy now buy now buy now"``
        (5 of 5 bigrams repeat) and keeps ``"the cat sat on the mat"`` (0.0).
    """

    class Params(WordSplitParams):
        rep_len: int = Field(10, ge=1, description="Length n of the word n-grams.")
        min_ratio: float = Field(0.0, description="Minimum repetition ratio.")
        max_ratio: float = Field(0.5, description="Maximum repetition ratio.")

    stat_key = "word_rep_ratio"
    cost = 1.5

    def setup(self) -> None:
        self._split, self._split_id = word_splitter(self.params, f"op {self.name!r}")

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[float]:
        words, n = batch_refined_words(batch, self.text_key, lower_case=True, tokenizer=self._split,
                                    tokenizer_id=self._split_id), self.params.rep_len
        return [_rep_ratio(words[i], n) for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
