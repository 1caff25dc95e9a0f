"""flagged_words_filter: keep samples whose share of flagged (obscene, offensive) words is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.wordlists import (
    WordListParams,
    WordListRatioFilter,
    words_dir_field,
    words_dir_validator,
)


class FlaggedWordsFilter(WordListRatioFilter):
    """Keep samples whose ratio of flagged words to all words is in range.

    Typical use: drop toxic, obscene or adult content (profanity, porn spam) by its share of bad words.

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

    class Params(WordListParams):
        min_ratio: float = Field(0.0, description="Minimum flagged-word ratio.")
        max_ratio: float = Field(0.045, description="Maximum flagged-word ratio.")
        flagged_words_dir: str | None = words_dir_field("flagged_words")
        _known_lang = words_dir_validator("flagged_words")

    word_kind = "flagged_words"
    stat_key = "flagged_words_ratio"
