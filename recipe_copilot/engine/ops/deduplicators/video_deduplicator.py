"""video_deduplicator: drop samples whose videos are byte-identical (MD5) to an earlier one's."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.dedup import MediaDeduplicator
from recipe_copilot.engine.ops.common.media import row_images
from recipe_copilot.engine.ops.common.video import video_packets_md5
from recipe_copilot.engine.sample import SampleBatch


class VideoDeduplicator(MediaDeduplicator):
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

    def media_keys(self, batch: SampleBatch) -> list[str]:
        memo: dict[tuple, str] = {}
        keys: list[str] = []
        for paths in row_images(batch.column(self.params.video_key)):
            distinct = tuple(dict.fromkeys(paths))
            if not distinct:
                keys.append("")
            elif (h := memo.get(distinct)) is not None:
                keys.append(h)
            else:
                keys.append(memo.setdefault(distinct, video_packets_md5(distinct)))
        return keys

    def text_options(self) -> dict[str, Any]:
        return {"lowercase": self.params.lowercase, "ignore_non_character": self.params.ignore_non_character}
