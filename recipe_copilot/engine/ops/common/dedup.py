"""Exact-duplicate keys shared by the deduplicators.

- :func:`text_md5s`: document_deduplicator's key, the MD5 of each stripped text (optionally
  lower-cased and without whitespace, digits and ASCII punctuation).
- :class:`MediaDeduplicator`: the base of the deduplicators keyed by a sample's media
  (image_deduplicator, video_deduplicator), with ``consider_text`` and the first-stays rule.
"""

from __future__ import annotations

import hashlib
import string
from typing import Any

import numpy as np
import regex

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["MediaDeduplicator", "text_md5s"]

_NON_CHARACTER = regex.compile(rf"\s+|\d+|[{regex.escape(string.punctuation)}]")
#: duplicate pairs kept for the trace
_PAIRS = 300


def text_md5s(texts: list[str], *, lowercase: bool = False, ignore_non_character: bool = False) -> list[str]:
    """The MD5 (hex) of each text, stripped, after optional lower-casing and removal of
    whitespace, digits and ASCII punctuation."""
    if lowercase:
        texts = [t.lower() for t in texts]
    if ignore_non_character:
        texts = [_NON_CHARACTER.sub("", t) for t in texts]
    md5 = hashlib.md5
    return [md5(t.strip().encode()).hexdigest() for t in texts]


class MediaDeduplicator(Deduplicator):
    """Drop samples whose media key equals an earlier sample's; the first one stays.

    An op fills in :meth:`media_keys` (``""`` for a sample without media: never a duplicate)
    and declares ``consider_text`` in its ``Params``; with it set, the key also holds the
    text's MD5 (:func:`text_md5s` with :meth:`text_options`) and both parts must match.
    """

    cost = 5.0
    reads_text = False

    def media_keys(self, batch: SampleBatch) -> list[str]:
        """One key per row from its media, ``""`` for a row without any."""
        raise NotImplementedError

    def text_options(self) -> dict[str, Any]:
        """Keyword options of :func:`text_md5s` for the text part of the key."""
        return {}

    def keys_batch(self, batch: SampleBatch) -> list:
        keys: list = self.media_keys(batch)
        if not self.params.consider_text:
            return keys
        texts = batch.column(self.text_key)
        if bad := [t for t in texts if not isinstance(t, str)]:
            msg = f"consider_text needs field {self.text_key!r} as str, got {type(bad[0]).__name__}"
            raise TypeError(msg)
        return [[k, t] for k, t in zip(keys, text_md5s(texts, **self.text_options()), strict=True)]

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        keep = np.ones(len(keys), dtype=bool)
        first: dict = {}
        pairs: list[tuple[int, int]] = []
        for i, key in enumerate(keys):
            k = tuple(key) if isinstance(key, list) else key
            if not k:
                continue  # no media (and text not considered): never a duplicate
            j = first.setdefault(k, i)
            if j != i:
                keep[i] = False
                if len(pairs) < _PAIRS:
                    pairs.append((i, j))
        return GlobalResult(keep, pairs)
