"""remove_header_mapper: drop what precedes the first LaTeX sectioning command."""

from __future__ import annotations

import regex
from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams

_COMMANDS = ("chapter", "part", "section", "subsection", "subsubsection", "paragraph", "subparagraph")
#: Data-Juicer's pattern: everything up to the first \command[opt]{title}; group 2 is the command
_HEADER = regex.compile(
    r"^(.*?)(" + "|".join(rf"\\\b{c}\b\*?(?:\[(.*?)\])?\{{(.*?)\}}" for c in _COMMANDS) + ")",
    regex.DOTALL,
)
_NEEDLES = tuple("\\" + c for c in _COMMANDS)


class RemoveHeaderMapper(Mapper):
    """Remove the preamble of a LaTeX document: all text before its first sectioning command.

    The commands are ``\\chapter``, ``\\part``, ``\\section``, ``\\subsection``,
    ``\\subsubsection``, ``\\paragraph`` and ``\\subparagraph`` (starred, with an optional
    ``[...]`` argument, then ``{...}``). A text without one becomes empty when
    ``drop_no_head`` is true, as in Data-Juicer 1.6, and is kept otherwise.

    Example:
        ``"\\\\title{T}\\n\\\\section{Intro} Hi"`` becomes ``"\\\\section{Intro} Hi"``.
    """

    class Params(OpParams):
        drop_no_head: bool = Field(True, description="Empty the text of samples that have no section header.")

    cost = 0.5

    def process_text(self, text: str) -> str:
        found = _HEADER.match(text) if "\\" in text and any(n in text for n in _NEEDLES) else None
        if found is None:
            return "" if self.params.drop_no_head else text
        return found.group(2) + text[found.end() :]
