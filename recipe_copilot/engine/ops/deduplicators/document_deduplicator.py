"""document_deduplicator: drop samples whose text is an exact duplicate (MD5) of an earlier one."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common.dedup import text_md5s
from recipe_copilot.engine.sample import SampleBatch


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
        p = self.params
        return text_md5s(batch.column(self.text_key), lowercase=p.lowercase, ignore_non_character=p.ignore_non_character)

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
