"""video_deduplicator: drop samples whose videos are byte-identical (MD5) to an earlier one's."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.ops.common.media import row_images
from recipe_copilot.engine.ops.common.video import video_packets_md5
from recipe_copilot.engine.ops.deduplicators.document_deduplicator import DocumentDeduplicator
from recipe_copilot.engine.sample import SampleBatch


class VideoDeduplicator(Deduplicator):
    """Drop samples whose videos have the same content as an earlier sample's; the first stays.

    A sample's key is the MD5 over the bytes of every video packet of its distinct videos,
    in order: re-muxed copies of a clip (another container, other metadata) count as
    duplicates, re-encoded ones do not. Samples without videos are never dropped, unless
    consider_text is set: then the key also holds the text's MD5 (as document_deduplicator
    computes it, honouring lowercase and ignore_non_character), and both parts must match.

    Example:
        ``- video_deduplicator: {}`` on samples with videos ``[a.mp4]``, ``[copy_of_a.mp4]``,
        ``[b.mp4]`` keeps the first and the third.
    """

    class Params(OpParams):
        consider_text: bool = Field(False, description="Also require the same text (MD5 of stripped text).")
        lowercase: bool = Field(False, description="With consider_text: lower-case the text before hashing.")
        ignore_non_character: bool = Field(
            False, description="With consider_text: drop whitespace, digits and punctuation before hashing."
        )

    key_column = "__dj__videohash"
    cost = 5.0
    reads_text = False

    def keys_batch(self, batch: SampleBatch) -> list:
        p = self.params
        memo: dict[tuple, str] = {}
        keys: list = []
        for paths in row_images(batch.column(p.video_key)):
            distinct = tuple(dict.fromkeys(paths))
            if not distinct:
                keys.append("")
            elif (h := memo.get(distinct)) is not None:
                keys.append(h)
            else:
                keys.append(memo.setdefault(distinct, video_packets_md5(distinct)))
        if p.consider_text:
            text_op = DocumentDeduplicator(
                DocumentDeduplicator.Params(
                    text_key=p.text_key, lowercase=p.lowercase, ignore_non_character=p.ignore_non_character
                )
            )
            texts = batch.column(p.text_key)
            if bad := [t for t in texts if not isinstance(t, str)]:
                msg = f"consider_text needs field {p.text_key!r} as str, got {type(bad[0]).__name__}"
                raise TypeError(msg)
            keys = [[v, t] for v, t in zip(keys, text_op.keys_batch(batch), strict=True)]
        return keys

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        keep = np.ones(len(keys), dtype=bool)
        first: dict = {}
        pairs: list[tuple[int, int]] = []
        for i, key in enumerate(keys):
            k = tuple(key) if isinstance(key, list) else key
            if not k:
                continue  # no video (and text not considered): never a duplicate
            j = first.setdefault(k, i)
            if j != i:
                keep[i] = False
                if len(pairs) < 300:
                    pairs.append((i, j))
        return GlobalResult(keep, pairs)
