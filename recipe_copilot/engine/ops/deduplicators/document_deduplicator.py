"""document_deduplicator: drop samples whose text is an exact duplicate (MD5) of an earlier one."""

from __future__ import annotations

import hashlib
import string

import numpy as np
import regex
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.sample import SampleBatch

_NON_CHARACTER = regex.compile(rf"\s+|\d+|[{regex.escape(string.punctuation)}]")


class DocumentDeduplicator(Deduplicator):
    """Drop samples whose text repeats an earlier sample's text exactly; the first one stays.

    The key is the MD5 of the stripped text, after optional lower-casing and removal of
    whitespace, digits and ASCII punctuation, so those variants count as duplicates too.

    Example:
        ``- document_deduplicator: {lowercase: true}`` on ``"Hello"``, ``"hello "``, ``"Bye"``
        keeps ``"Hello"`` and ``"Bye"``.
    """

    class Params(OpParams):
        lowercase: bool = Field(False, description="Lower-case the text before hashing.")
        ignore_non_character: bool = Field(
            False, description="Remove whitespace, digits and ASCII punctuation before hashing."
        )

    key_column = "__dj__hash"
    cost = 0.2

    def keys_batch(self, batch: SampleBatch) -> list[str]:
        texts = batch.column(self.text_key)
        if self.params.lowercase:
            texts = [t.lower() for t in texts]
        if self.params.ignore_non_character:
            texts = [_NON_CHARACTER.sub("", t) for t in texts]
        md5 = hashlib.md5
        return [md5(t.strip().encode()).hexdigest() for t in texts]

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        keep = np.zeros(len(keys), dtype=bool)
        first: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []
        for i, key in enumerate(keys):
            j = first.setdefault(key, i)
            if j == i:
                keep[i] = True
            elif len(pairs) < 300:
                pairs.append((i, j))
        return GlobalResult(keep, pairs)
