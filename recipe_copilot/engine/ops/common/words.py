"""Word splitting and refinement shared by the word-based ops (Data-Juicer's semantics).

The raw split of a text is computed once per batch and shared through
:meth:`SampleBatch.cached`; each op then refines it its own way (lower-casing, stripping
special characters, joining neighbours for languages written without spaces).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from itertools import repeat

from recipe_copilot.engine.ops.common.chars import SPECIAL_CHARACTERS
from recipe_copilot.engine.sample import SampleBatch

__all__ = [
    "batch_refined_words",
    "batch_words",
    "refine_words",
    "split_words",
    "strip_chars",
    "words_augmentation",
]

#: the special characters an ASCII word can hold, for a C-level ``str.strip``
_ASCII_SPECIAL = "".join(sorted(c for c in SPECIAL_CHARACTERS if len(c) == 1 and c.isascii()))


def split_words(text: str, *, new_line: bool = True, tab: bool = True) -> list[str]:
    """Split on spaces (and newlines, tabs when asked), dropping empty pieces.

    Only these three characters separate words, as in Data-Juicer; other whitespace stays
    inside words.
    """
    if new_line:
        text = text.replace("\n", " ")
    if tab:
        text = text.replace("\t", " ")
    return list(filter(None, text.split(" ")))


def strip_chars(word: str, chars: Collection[str]) -> str:
    """Strip leading and trailing characters that are in ``chars`` (a set, for speed)."""
    if not word or (word[0] not in chars and word[-1] not in chars):
        return word
    start, end = 0, len(word)
    while start < end and word[start] in chars:
        start += 1
    while end > start and word[end - 1] in chars:
        end -= 1
    return word[start:end]


def words_augmentation(words: Sequence[str], group_size: int, join_char: str) -> list[str]:
    """Every run of ``group_size`` neighbouring words, joined by ``join_char``."""
    return [join_char.join(words[i : i + group_size]) for i in range(len(words) - group_size + 1)]


def refine_words(
    words: Sequence[str],
    *,
    lower_case: bool = False,
    strip: Collection[str] | None = None,
    use_words_aug: bool = False,
    words_aug_group_sizes: Sequence[int] = (2,),
    words_aug_join_char: str = "",
) -> list[str]:
    """Lower-case, strip special characters (dropping words left empty), add word groups."""
    out = [w.lower() for w in words] if lower_case else list(words)
    if strip:
        out = [s for s in (strip_chars(w, strip) for w in out) if s]
    if use_words_aug:
        out = out + [g for size in words_aug_group_sizes for g in words_augmentation(out, size, words_aug_join_char)]
    return out


def batch_words(
    batch: SampleBatch,
    column: str,
    tokenizer: Callable[[str], list[str]] | None = None,
    tokenizer_id: str | None = None,
) -> list[list[str]]:
    """The raw word split of every row of ``column``, computed once per batch.

    Args:
        batch: the batch.
        column: the text field.
        tokenizer: splits a text into words instead of the whitespace split (e.g. a
            sentencepiece model or jieba for Chinese).
        tokenizer_id: a name for the tokenizer, so ops using the same one share the split.
    """
    if tokenizer is None:
        return batch.cached(("words", None), column, lambda texts: [split_words(t) for t in texts])
    return batch.cached(("words", tokenizer_id), column, lambda texts: [tokenizer(t) for t in texts])


def batch_refined_words(
    batch: SampleBatch,
    column: str,
    *,
    lower_case: bool,
    use_words_aug: bool = False,
    words_aug_group_sizes: Sequence[int] = (2,),
    words_aug_join_char: str = "",
    tokenizer: Callable[[str], list[str]] | None = None,
    tokenizer_id: str | None = None,
) -> list[list[str]]:
    """The word split of every row (whitespace, or ``tokenizer``), stripped of ``SPECIAL_CHARACTERS``,
    computed once per batch.

    Words left empty by the stripping are dropped; ``lower_case`` and the word-group options
    are those of :func:`refine_words`. Ops asking for the same refinement share the result.
    """
    sizes = tuple(words_aug_group_sizes) if use_words_aug else ()
    join = words_aug_join_char if use_words_aug else ""
    key = ("refined_words", tokenizer_id, lower_case, use_words_aug, sizes, join)

    def compute(texts: list) -> list[list[str]]:
        split = batch_words(batch, column, tokenizer, tokenizer_id)
        out = [_stripped(t, w, lower_case) for t, w in zip(texts, split, strict=True)]
        if use_words_aug:
            out = [w + [g for n in sizes for g in words_augmentation(w, n, join)] for w in out]
        return out

    return batch.cached(key, column, compute)


def _stripped(text: str, words: list[str], lower_case: bool) -> list[str]:
    """``refine_words(words, lower_case=..., strip=SPECIAL_CHARACTERS)``, at C speed where it can."""
    if lower_case:
        words = list(map(str.lower, words))
    if text.isascii():
        return list(filter(None, map(str.strip, words, repeat(_ASCII_SPECIAL))))
    out = []
    for word in words:
        if word.isascii():
            word = word.strip(_ASCII_SPECIAL)
        elif word[0] in SPECIAL_CHARACTERS or word[-1] in SPECIAL_CHARACTERS:
            word = strip_chars(word, SPECIAL_CHARACTERS)
        if word:
            out.append(word)
    return out
