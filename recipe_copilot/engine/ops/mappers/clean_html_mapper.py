"""clean_html_mapper: turn HTML into its plain text (list items become "*" bullets)."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

# Without these the HTML parser hands the text back as it is, bar leading HTML whitespace
# (skipped before the body starts): no tag, no character reference, no CR (made LF), no
# NUL (dropped), no lone surrogate (lost in UTF-8 encoding).
_PARSER_INPUT = re.compile("[<&\r\x00\ud800-\udfff]")
_HTML_SPACE = "\t\n\x0c "


class CleanHtmlMapper(Mapper):
    """Replace HTML by the text it shows, as selectolax's Lexbor parser extracts it.

    ``<li>`` and ``<ol>`` first become a newline and ``*``; their closing tags are dropped.
    The text of all nodes is joined with no separator and not stripped (so ``<br>`` and
    ``<p>`` boundaries leave no space); character references are decoded. Texts with no
    ``<``, ``&``, CR, NUL or lone surrogate are not parsed: the parser would only drop their
    leading whitespace, which is done directly.

    Example:
        ``"<ul><li>one</li><li>two</li></ul>"`` becomes ``"\\n*one\\n*two"``.
    """

    class Params(OpParams):
        pass

    cost = 2.0
    requires = ("selectolax",)
    extra = "html"

    def setup(self) -> None:
        from selectolax.lexbor import LexborHTMLParser

        self._parser = LexborHTMLParser

    def _clean(self, html: str) -> str:
        html = html.replace("<li>", "\n*").replace("</li>", "").replace("<ol>", "\n*").replace("</ol>", "")
        return self._parser(html).text()

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        search, clean = _PARSER_INPUT.search, self._clean
        batch.set_column(self.text_key, [clean(t) if search(t) else t.lstrip(_HTML_SPACE) for t in texts])
        return batch
