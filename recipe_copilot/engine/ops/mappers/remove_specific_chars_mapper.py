"""remove_specific_chars_mapper: delete every occurrence of the given characters."""

from __future__ import annotations

import re

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch


class RemoveSpecificCharsMapper(Mapper):
    """Delete each character listed in ``chars_to_remove`` wherever it occurs.

    A string is a set of characters; a list of strings stands for all the characters in
    them (``["ab", "c"]`` removes ``a``, ``b`` and ``c``, not the word ``ab``). An empty
    value removes nothing. The default is a set of decorative bullets and shapes.

    Example:
        ``"◆ item ● two"`` becomes ``" item  two"``.
    """

    class Params(OpParams):
        chars_to_remove: str | list[str] = Field(
            "◆●■►▼▲▴∆▻▷❖♡□", description="Characters to delete: a string, or a list of strings."
        )

    cost = 0.1

    def setup(self) -> None:
        chars = self.params.chars_to_remove
        gone = sorted(set(chars) if isinstance(chars, str) else {c for piece in chars for c in piece})
        self._sub = re.compile("[" + "".join(map(re.escape, gone)) + "]").sub if gone else None
        self._ascii_safe = not any(c.isascii() for c in gone)  # an ASCII text then has none of them

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        sub, safe = self._sub, self._ascii_safe
        if sub is not None:
            texts = batch.column(self.text_key)
            batch.set_column(self.text_key, [t if safe and t.isascii() else sub("", t) for t in texts])
        return batch
