"""whitespace_normalization_mapper: turn every kind of space character into a plain space."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.chars import VARIOUS_WHITESPACES

# one character class scanned in C; much faster than str.translate with a dict table
_ODD_SPACE = re.compile("[" + "".join(re.escape(c) for c in sorted(VARIOUS_WHITESPACES - {" "})) + "]")


class WhitespaceNormalizationMapper(Mapper):
    """Replace unusual whitespace characters (no-break, zero-width, ideographic...) by spaces.

    The text is stripped of leading and trailing whitespace first, as Data-Juicer does.

    Example:
        ``"a\\u00a0b\\u3000c "`` becomes ``"a b c"``.
    """

    class Params(OpParams):
        pass

    cost = 0.2

    def process_text(self, text: str) -> str:
        return _ODD_SPACE.sub(" ", text.strip())
