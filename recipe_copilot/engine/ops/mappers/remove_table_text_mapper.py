"""remove_table_text_mapper: drop plain-text tables (runs of rows with the same column count)."""

from __future__ import annotations

import regex
from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams

#: Data-Juicer's table with n separators (space, ``|`` or tab) between non-space cells: two or
#: more such rows in a row, the first one right after a newline (index n - 1 holds n)
_TABLES = [regex.compile(rf"(?<=\n)((\S+?)([ |\t](\S+?)){{{n}}}\n+){{2,}}") for n in range(1, 20)]
#: a line any of those could take as a row: non-space runs joined by single spaces or tabs
_ROW = regex.compile(r"\S+(?:[ \t]\S+)*")


def _widths(text: str) -> set[int]:
    """Separator counts for which a table may be in ``text`` (a cheap, safe over-estimate).

    A row is a whole line; every space or tab in it separates, and so may any ``|``. Two rows
    follow each other with only empty lines between them; the first is not the text's first
    line and the second is not its last (it must end with a newline).
    """
    lines, found, prev = text.split("\n"), set(), None
    for line in lines[1:-1]:
        if not line:
            continue
        if _ROW.fullmatch(line) is None:
            prev = None
            continue
        lo = line.count(" ") + line.count("\t")
        hi = min(lo + line.count("|"), 19)
        if prev is not None:
            found.update(range(max(lo, prev[0]), min(hi, prev[1]) + 1))
        prev = (lo, hi)
    return found


class RemoveTableTextMapper(Mapper):
    """Remove tables: two or more consecutive lines that each have the same number of columns.

    A row is non-space cells joined by single spaces, ``|`` or tabs; a table starts after a
    newline (so never on the first line) and takes the newlines after each row with it.
    Column counts from ``min_col`` to ``max_col`` are removed one after the other.

    Example:
        ``"Intro\\na b\\nc d\\nEnd"`` becomes ``"Intro\\nEnd"``.
    """

    class Params(OpParams):
        min_col: int = Field(2, ge=2, le=20, description="Fewest columns of a table to remove.")
        max_col: int = Field(20, ge=2, le=20, description="Most columns of a table to remove.")

    cost = 2.0

    def setup(self) -> None:
        self._passes = [(n, _TABLES[n - 1].subn) for n in range(self.params.min_col - 1, self.params.max_col)]

    def process_text(self, text: str) -> str:
        if text.count("\n") < 3:  # the newline before a table, and one after each of two rows
            return text
        widths = _widths(text)
        for n, subn in self._passes:
            if n in widths:
                text, done = subn("", text)
                if done:
                    widths = _widths(text)
        return text
