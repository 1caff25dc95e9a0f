"""remove_comments_mapper: remove % comments from TeX documents."""

from __future__ import annotations

import regex
from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams

# Data-Juicer's patterns. The inline one also takes the character before the "%" (which
# may be the newline ending the previous line) and needs at least one character after it.
_INLINE = regex.compile(r"[^\\]%.+$", regex.MULTILINE)
_WHOLE_LINE = regex.compile(r"^%.*\n?", regex.MULTILINE)


class RemoveCommentsMapper(Mapper):
    """Remove TeX comments: the rest of a line after an unescaped ``%``, and lines starting with ``%``.

    Inline removal runs first and, like Data-Juicer, also removes the character before
    the ``%``. ``doc_type`` is accepted but, as in Data-Juicer, only TeX comments are known.
    Texts without ``%`` are left as they are.

    Example:
        ``"a = 1 % note\\n%% full line\\nb"`` becomes ``"a = 1\\nb"``.
    """

    class Params(OpParams):
        doc_type: str | list[str] = Field("tex", description="Document type(s); only 'tex' comments are handled.")
        inline: bool = Field(True, description="Remove comments that follow text on a line.")
        multiline: bool = Field(True, description="Remove lines that start with %.")

    cost = 0.3

    def process_text(self, text: str) -> str:
        if "%" not in text:
            return text
        if self.params.inline:
            text = _INLINE.sub("", text)
        if self.params.multiline:
            text = _WHOLE_LINE.sub("", text)
        return text
