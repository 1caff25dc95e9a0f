"""Word lists for flagged_words_filter and stopwords_filter: bundled, or Data-Juicer's JSON files.

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
from typing import Literal

from recipe_copilot.engine.errors import ParamError

__all__ = ["ASSETS", "WordKind", "bundled_languages", "check_bundled_lang", "load_word_lists", "word_set"]

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
