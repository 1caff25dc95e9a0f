"""remove_bibliography_mapper: cut a LaTeX document from its bibliography or appendix on."""

from __future__ import annotations

import regex

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

#: Data-Juicer's pattern (DOTALL): the first of these commands and everything after it
_BIBLIOGRAPHY = regex.compile(
    r"(\\appendix|\\begin\{references\}|\\begin\{REFERENCES\}|\\begin\{thebibliography\}|\\bibliography\{.*\}).*$",
    regex.DOTALL,
)
_NEEDLES = ("\\appendix", "\\begin{", "\\bibliography{")


class RemoveBibliographyMapper(Mapper):
    """Remove the bibliography and appendix of a LaTeX document: the text from such a command on.

    The text is cut at the first ``\\appendix``, ``\\begin{references}`` (or
    ``REFERENCES``), ``\\begin{thebibliography}`` or ``\\bibliography{...}`` (a ``}`` must
    follow somewhere). Texts that contain none of these commands are not searched.

    Example:
        ``"Text.\\n\\\\bibliography{refs}\\nmore"`` becomes ``"Text.\\n"``.
    """

    class Params(OpParams):
        pass

    cost = 0.3

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        sub = _BIBLIOGRAPHY.sub
        batch.set_column(self.text_key, [sub("", t) if any(n in t for n in _NEEDLES) else t for t in texts])
        return batch
