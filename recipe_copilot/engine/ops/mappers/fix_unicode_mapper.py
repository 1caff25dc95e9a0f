"""fix_unicode_mapper: repair mojibake and other unicode glitches with ftfy, then normalize."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

_FORMS = ("NFC", "NFKC", "NFD", "NFKD")
# In ASCII text only these make ftfy change anything: "&" (HTML entities), CR (line breaks),
# and the control characters it removes (ESC of terminal escapes among them).
_ASCII_FIXABLE = re.compile("[&\x00-\x08\x0b\x0d-\x1f\x7f]")
_MAX_SEGMENT = 1_000_000  # ftfy's default max_decode_length


def _check_form(value: str | None) -> str | None:
    if value and value.upper() not in _FORMS:
        msg = f"unicode normalization must be one of {', '.join(_FORMS)}"
        raise ValueError(msg)
    return value


def _clean_ascii(text: str) -> bool:
    return text.isascii() and _ASCII_FIXABLE.search(text) is None


class FixUnicodeMapper(Mapper):
    """Fix unicode errors (mojibake, HTML entities, curly quotes, ligatures...) with ``ftfy.fix_text``.

    The text is then normalized to ``normalization`` (NFC when empty). Results equal
    ``ftfy.fix_text(text, normalization=...)``: the text is cut into the same line segments
    ftfy uses, and segments that are plain ASCII without anything ftfy would fix are kept
    as they are instead of going through ftfy's fixers.

    Example:
        ``"sÃ³ &amp; ﬁne"`` becomes ``"só & fine"``.
    """

    class Params(OpParams):
        normalization: Annotated[str | None, AfterValidator(_check_form)] = Field(
            None, description="Unicode normalization form: NFC, NFKC, NFD or NFKD (any case); empty means NFC."
        )

    cost = 3.0
    requires = ("ftfy",)

    def setup(self) -> None:
        import ftfy

        form = (self.params.normalization or "NFC").upper()
        self._config = ftfy.TextFixerConfig(explain=False, normalization=form)
        self._fix = ftfy.fix_and_explain

    def _fix_text(self, text: str) -> str:
        """``ftfy.fix_text``'s segment loop, with clean ASCII segments passed through."""
        config, fix, out, pos, end = self._config, self._fix, [], 0, len(text)
        while pos < end:
            stop = text.find("\n", pos) + 1 or end
            stop = min(stop, pos + _MAX_SEGMENT)
            segment = text[pos:stop]
            if config.unescape_html == "auto" and "<" in segment:
                config = config._replace(unescape_html=False)  # off for the rest, as in ftfy
            out.append(segment if _clean_ascii(segment) else fix(segment, config).text)
            pos = stop
        return "".join(out)

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        fix = self._fix_text
        batch.set_column(self.text_key, [t if _clean_ascii(t) else fix(t) for t in texts])
        return batch
