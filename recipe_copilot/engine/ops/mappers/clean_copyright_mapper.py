"""clean_copyright_mapper: drop a copyright comment or a leading comment block from code."""

from __future__ import annotations

import regex

from recipe_copilot.engine.ops.base import Mapper, OpParams

_BLOCK_COMMENT = regex.compile(r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/")
_COPYRIGHT = regex.compile("copyright", regex.IGNORECASE)
_COMMENT_STARTS = ("//", "#", "--")


def _strip_leading_comment_lines(text: str) -> str:
    """Drop the leading lines that are empty or start with //, # or --."""
    pos = 0
    while True:
        nl = text.find("\n", pos)
        line_end = len(text) if nl < 0 else nl
        if pos != line_end and not text.startswith(_COMMENT_STARTS, pos, line_end):
            return text[pos:]
        if nl < 0:
            return ""  # every line was dropped
        pos = nl + 1


class CleanCopyrightMapper(Mapper):
    """Remove a copyright notice at the top of source code.

    If the text holds a ``/* ... */`` comment, the first one is cut out when it mentions
    "copyright" (any case), and nothing else changes. Otherwise the leading lines that are
    empty or start with ``//``, ``#`` or ``--`` are dropped.

    Example:
        ``"// (c) Acme\\n# header\\nint x;"`` becomes ``"int x;"``.
    """

    class Params(OpParams):
        pass

    cost = 0.3

    def process_text(self, text: str) -> str:
        found = _BLOCK_COMMENT.search(text) if "/*" in text else None
        if found is not None:
            start, end = found.span()
            return text[:start] + text[end:] if _COPYRIGHT.search(text, start, end) else text
        if text[:1] in ("/", "#", "-", "\n"):
            return _strip_leading_comment_lines(text)
        return text  # the first line is kept, so nothing is dropped
