"""stopwords_filter: keep samples whose share of stopwords is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.wordlists import (
    WordListParams,
    WordListRatioFilter,
    words_dir_field,
    words_dir_validator,
)


class StopwordsFilter(WordListRatioFilter):
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

    class Params(WordListParams):
        min_ratio: float = Field(0.3, description="Minimum stopword ratio.")
        max_ratio: float = Field(1.0, description="Maximum stopword ratio.")
        stopwords_dir: str | None = words_dir_field("stopwords")
        _known_lang = words_dir_validator("stopwords")

    word_kind = "stopwords"
    stat_key = "stopwords_ratio"
