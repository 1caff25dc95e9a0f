"""stopwords_filter: keep samples whose share of stopwords is in range."""

from __future__ import annotations

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.tokenization import refuse_tokenization
from recipe_copilot.engine.ops.common.wordlists import check_bundled_lang, word_set
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch


class StopwordsFilter(Filter):
    """Keep samples whose ratio of stopwords to all words is in range.

    Natural prose is full of function words ("the", "of", "and"); lists, code, tables and
    keyword spam are not. Words are lower-cased and stripped of special characters (empty ones
    dropped), plus, with ``use_words_aug``, every run of ``words_aug_group_sizes`` neighbouring
    words joined by ``words_aug_join_char``. The stopwords are the bundled lists
    (scikit-learn for English, stopwords-iso otherwise; see docs/wordlists.md) or the
    ``*stopwords*.json`` files of ``stopwords_dir`` (Data-Juicer's own file gives its exact
    results); ``lang: all`` uses every language's words. Stat: ``stopwords_ratio`` (0.0 for a
    text without words).

    Example:
        ``- stopwords_filter: {min_ratio: 0.3}`` keeps ``"the cat is on the mat"`` (4/6) and
        drops ``"cheap pills discount watches here"`` (1/5: "here").
    """

    class Params(FilterParams):
        lang: str = Field("en", description="Language of the word list; 'all' merges every language.")
        tokenization: bool = Field(
            False, description="Split words with a sentencepiece model (needs a model; refused)."
        )
        min_ratio: float = Field(0.3, description="Minimum stopword ratio.")
        max_ratio: float = Field(1.0, description="Maximum stopword ratio.")
        stopwords_dir: str | None = Field(
            None,
            validate_default=True,
            description="Folder of *stopwords*.json files (lang -> words); unset: bundled lists.",
        )
        use_words_aug: bool = Field(False, description="Also match groups of neighbouring words (zh, vi).")
        words_aug_group_sizes: list[PositiveInt] = Field([2], description="Sizes of the word groups to add.")
        words_aug_join_char: str = Field("", description="Joins the words of a group.")

        @field_validator("tokenization")
        @classmethod
        def _offline(cls, value: bool, info: ValidationInfo) -> bool:
            return refuse_tokenization(value, f"the sentencepiece model '{info.data.get('lang', 'en')}.sp.model'")

        @field_validator("stopwords_dir")
        @classmethod
        def _known_lang(cls, value: str | None, info: ValidationInfo) -> str | None:
            check_bundled_lang("stopwords", info.data.get("lang", "en"), value)
            return value

    stat_key = "stopwords_ratio"
    cost = 1.0

    def setup(self) -> None:
        self.words = word_set("stopwords", self.params.lang, self.params.stopwords_dir, owner=self.name)

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        rows = batch.missing_stat_rows(self.stat_key)
        if not rows:
            return
        p, stop = self.params, self.words.__contains__
        words = batch_refined_words(
            batch,
            self.text_key,
            lower_case=True,
            use_words_aug=p.use_words_aug,
            words_aug_group_sizes=p.words_aug_group_sizes,
            words_aug_join_char=p.words_aug_join_char,
        )
        values = [min(sum(map(stop, words[i])) / len(words[i]), 1.0) if words[i] else 0.0 for i in rows]
        batch.set_stat(self.stat_key, values, rows)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
