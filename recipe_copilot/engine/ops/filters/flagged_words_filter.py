"""flagged_words_filter: keep samples whose share of flagged (obscene, offensive) words is in range."""

from __future__ import annotations

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.tokenization import refuse_tokenization
from recipe_copilot.engine.ops.common.wordlists import check_bundled_lang, word_set
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch


class FlaggedWordsFilter(Filter):
    """Keep samples whose ratio of flagged words to all words is in range.

    Words are lower-cased and stripped of special characters (empty ones dropped), plus, with
    ``use_words_aug``, every run of ``words_aug_group_sizes`` neighbouring words joined by
    ``words_aug_join_char`` (for languages written without spaces). The flagged words are the
    bundled lists (LDNOOBW, see docs/wordlists.md) or the ``*flagged_words*.json`` files of
    ``flagged_words_dir`` (Data-Juicer's own file gives its exact results); ``lang: all`` uses
    every language's words. Stat: ``flagged_words_ratio`` (0.0 for a text without words).

    Example:
        ``- flagged_words_filter: {max_ratio: 0.2}`` keeps ``"a fine day"`` (0.0) and drops
        ``"what the fuck"`` (1/3).
    """

    class Params(FilterParams):
        lang: str = Field("en", description="Language of the word list; 'all' merges every language.")
        tokenization: bool = Field(
            False, description="Split words with a sentencepiece model (needs a model; refused)."
        )
        min_ratio: float = Field(0.0, description="Minimum flagged-word ratio.")
        max_ratio: float = Field(0.045, description="Maximum flagged-word ratio.")
        flagged_words_dir: str | None = Field(
            None,
            validate_default=True,
            description="Folder of *flagged_words*.json files (lang -> words); unset: bundled lists.",
        )
        use_words_aug: bool = Field(False, description="Also match groups of neighbouring words (zh, vi).")
        words_aug_group_sizes: list[PositiveInt] = Field([2], description="Sizes of the word groups to add.")
        words_aug_join_char: str = Field("", description="Joins the words of a group.")

        @field_validator("tokenization")
        @classmethod
        def _offline(cls, value: bool, info: ValidationInfo) -> bool:
            return refuse_tokenization(value, f"the sentencepiece model '{info.data.get('lang', 'en')}.sp.model'")

        @field_validator("flagged_words_dir")
        @classmethod
        def _known_lang(cls, value: str | None, info: ValidationInfo) -> str | None:
            check_bundled_lang("flagged_words", info.data.get("lang", "en"), value)
            return value

    stat_key = "flagged_words_ratio"
    cost = 1.0

    def setup(self) -> None:
        self.words = word_set("flagged_words", self.params.lang, self.params.flagged_words_dir, owner=self.name)

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        rows = batch.missing_stat_rows(self.stat_key)
        if not rows:
            return
        p, flagged = self.params, self.words.__contains__
        words = batch_refined_words(
            batch,
            self.text_key,
            lower_case=True,
            use_words_aug=p.use_words_aug,
            words_aug_group_sizes=p.words_aug_group_sizes,
            words_aug_join_char=p.words_aug_join_char,
        )
        values = [min(sum(map(flagged, words[i])) / len(words[i]), 1.0) if words[i] else 0.0 for i in rows]
        batch.set_stat(self.stat_key, values, rows)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
