"""remove_long_words_mapper: drop words shorter than min_len or longer than max_len."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Mapper, OpParams
from recipe_copilot.engine.ops.common.chars import SPECIAL_CHARACTERS
from recipe_copilot.engine.ops.common.words import strip_chars

_SEPARATORS = frozenset(" \t\n")


class RemoveLongWordsMapper(Mapper):
    """Remove words whose length is outside [min_len, max_len].

    Typical use: strip minified JavaScript, base64 data blobs, hashes and other absurdly long 'words'.

    A word over max_len is kept if stripping special characters from its ends brings it
    into range (the word is kept unstripped). As in Data-Juicer the text is rebuilt from
    its words (lines on newlines, cells on tabs, words on spaces): runs of spaces collapse,
    and empty lines and cells disappear. A text is left as it is when no word goes and no
    two separators touch or end it.

    Example:
        with ``max_len: 5``, ``"a tiny\\n\\nexample sentence"`` becomes ``"a tiny"``.
    """

    class Params(OpParams):
        min_len: int = Field(1, ge=0, description="Shortest word length kept.")
        max_len: int = Field(BIG, ge=0, description="Longest word length kept (before or after stripping).")

    cost = 0.5

    def _dropped(self, words: list[str]) -> set[str]:
        """Which of ``words`` (empty strings included) go; the decision depends on the word alone."""
        lo, hi = self.params.min_len, self.params.max_len
        if lo <= 1 and (hi == BIG or max(map(len, words)) <= hi):
            return set()  # no word is short, none is long
        out = {w for w in set(words) if not lo <= len(w) <= hi}
        # short words go; a long one stays if stripping special characters brings it in range
        return {w for w in out if w and (len(w) <= hi or not lo <= len(strip_chars(w, SPECIAL_CHARACTERS)) <= hi)}

    def process_text(self, text: str) -> str:
        flat = text.replace("\t", " ").replace("\n", " ")
        drop = self._dropped(flat.split(" "))
        if not drop and text[:1] not in _SEPARATORS and text[-1:] not in _SEPARATORS and "  " not in flat:
            return text
        lines = []
        for line in text.split("\n"):
            cells = []
            for cell in line.split("\t"):
                words = [w for w in cell.split(" ") if w and w not in drop]
                if words:
                    cells.append(" ".join(words))
            if cells:
                lines.append("\t".join(cells))
        return "\n".join(lines)
