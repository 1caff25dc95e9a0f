"""Word lists for flagged_words_filter and stopwords_filter (bundled, or Data-Juicer's JSON files),
and :class:`WordListRatioFilter`, the filter both ops are.

A word-list file maps a language code to a list of words (Data-Juicer's ``flagged_words.json``
and ``stopwords.json`` format). Without a folder the lists bundled in ``assets/`` are used
(built by ``scripts/build_wordlists.py``; see ``docs/wordlists.md``). With a folder, every
``.json`` file in it whose name contains the list's kind is read and merged per language, as
Data-Juicer does, so pointing at Data-Juicer's downloaded files gives its exact results.
The language ``"all"``, unless a file defines it, is the union of every language's list.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.base import Filter
from recipe_copilot.engine.ops.common.tokenization import WordSplitParams, word_splitter
from recipe_copilot.engine.ops.common.words import batch_refined_words
from recipe_copilot.engine.sample import SampleBatch

__all__ = [
    "ASSETS",
    "WordKind",
    "WordListParams",
    "WordListRatioFilter",
    "bundled_languages",
    "check_bundled_lang",
    "load_word_lists",
    "word_set",
    "words_dir_field",
    "words_dir_validator",
]

ASSETS = Path(__file__).parent / "assets"
WordKind = Literal["flagged_words", "stopwords"]


def _read(files: list[Path]) -> dict[str, frozenset[str]]:
    merged: dict[str, list[str]] = {}
    for path in files:
        for lang, words in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(lang, []).extend(words)
    lists = {lang: frozenset(words) for lang, words in merged.items()}
    if "all" not in lists:
        lists["all"] = frozenset().union(*lists.values())
    return lists


@functools.cache
def _bundled(kind: WordKind) -> dict[str, frozenset[str]]:
    return _read([ASSETS / f"{kind}.json"])


def bundled_languages(kind: WordKind) -> list[str]:
    """Language codes of the bundled lists of ``kind`` (``"all"`` included), sorted."""
    return sorted(_bundled(kind))


def load_word_lists(kind: WordKind, words_dir: str | None = None) -> dict[str, frozenset[str]]:
    """Language -> word set, from ``words_dir`` if given, else the bundled lists.

    Raises:
        ParamError: ``words_dir`` is not a folder or holds no ``*{kind}*.json`` file.
    """
    if words_dir is None:
        return _bundled(kind)
    folder = Path(words_dir).expanduser()
    if not folder.is_dir():
        msg = f"{kind}_dir {words_dir!r} is not a folder; leave it unset to use the bundled lists"
        raise ParamError(msg)
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".json") and kind in p.name and p.is_file())
    if not files:
        msg = (
            f"{kind}_dir {words_dir!r} holds no JSON file with {kind!r} in its name "
            f"(e.g. Data-Juicer's {kind}.json); leave it unset to use the bundled lists"
        )
        raise ParamError(msg)
    return _read(files)


def word_set(kind: WordKind, lang: str, words_dir: str | None = None, *, owner: str = "") -> frozenset[str]:
    """The words of ``kind`` for ``lang``; ``owner`` (an op name) prefixes error messages.

    Raises:
        ParamError: the folder is unusable, or it has no list for ``lang`` (the message names
            the languages there are).
    """
    prefix = f"op {owner!r}: " if owner else ""
    try:
        lists = load_word_lists(kind, words_dir)
    except ParamError as exc:
        raise ParamError(prefix + str(exc)) from None
    if lang not in lists:
        where = f"in {words_dir!r}" if words_dir else "bundled"
        msg = f"{prefix}no {kind} list for lang {lang!r} {where}; available: {', '.join(sorted(lists))}"
        raise ParamError(msg)
    return lists[lang]


def check_bundled_lang(kind: WordKind, lang: str, words_dir: str | None) -> None:
    """Raise ValueError (for a params validator) if ``lang`` has no bundled list and no folder is given."""
    if words_dir is None and lang not in _bundled(kind):
        msg = (
            f"lang {lang!r} has no bundled {kind} list; use one of {', '.join(bundled_languages(kind))}, "
            f"or set {kind}_dir to a folder of {kind} JSON files"
        )
        raise ValueError(msg)


class WordListParams(WordSplitParams):
    """Parameters of a :class:`WordListRatioFilter`. An op's ``Params`` sets the ``min_ratio`` and
    ``max_ratio`` defaults and adds its ``<kind>_dir`` field (:func:`words_dir_field`, checked
    by :func:`words_dir_validator`)."""

    lang: str = Field("en", description="Language of the word list; 'all' merges every language.")
    min_ratio: float
    max_ratio: float
    use_words_aug: bool = Field(False, description="Also match groups of neighbouring words (zh, vi).")
    words_aug_group_sizes: list[PositiveInt] = Field([2], description="Sizes of the word groups to add.")
    words_aug_join_char: str = Field("", description="Joins the words of a group.")


def words_dir_field(kind: WordKind) -> Any:
    """The ``<kind>_dir`` parameter: a folder of word-list files, or None for the bundled lists.

    Its value is checked, with ``lang``, by :func:`words_dir_validator` (the same ``kind``).
    """
    description = f"Folder of *{kind}*.json files (lang -> words); unset: bundled lists."
    return Field(None, validate_default=True, description=description)


def words_dir_validator(kind: WordKind) -> Any:
    """A ``Params`` validator of ``<kind>_dir``: without a folder, ``lang`` needs a bundled list."""

    def check(cls: type, value: str | None, info: ValidationInfo) -> str | None:
        check_bundled_lang(kind, info.data.get("lang", "en"), value)
        return value

    return field_validator(f"{kind}_dir")(classmethod(check))


class WordListRatioFilter(Filter):
    """Keep samples whose share of words found in a word list is in range.

    Words are lower-cased and stripped of special characters (empty ones dropped), plus, with
    ``use_words_aug``, the word groups; the stat is the share of them in the list of
    ``word_kind`` for ``lang`` (0.0 for a text without words). An op sets ``word_kind``,
    ``stat_key`` and a ``Params`` derived from :class:`WordListParams`.
    """

    word_kind: ClassVar[WordKind]
    cost = 1.0

    def setup(self) -> None:
        p = self.params
        self.words = word_set(self.word_kind, p.lang, getattr(p, f"{self.word_kind}_dir"), owner=self.name)
        self._split, self._split_id = word_splitter(p, f"op {self.name!r}")

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[float]:
        p, listed = self.params, self.words.__contains__
        words = batch_refined_words(
            batch,
            self.text_key,
            lower_case=True,
            use_words_aug=p.use_words_aug,
            words_aug_group_sizes=p.words_aug_group_sizes,
            words_aug_join_char=p.words_aug_join_char,
            tokenizer=self._split,
            tokenizer_id=self._split_id,
        )
        return [min(sum(map(listed, words[i])) / len(words[i]), 1.0) if words[i] else 0.0 for i in rows]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ratio, self.params.max_ratio)
