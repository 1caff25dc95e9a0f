"""document_line_deduplicator: remove lines that occur in more than N documents (boilerplate)."""

from __future__ import annotations

import hashlib
import re
import string

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Deduplicator, GlobalResult, OpParams
from recipe_copilot.engine.sample import SampleBatch

_BRACKETS = frozenset("{}[]();")
_LATEX_ENV = re.compile(r"^\s*\\(begin|end)\{")
_HTML_TAG = re.compile(r"^\s*</?[a-z][a-z0-9]*[^>]*>?\s*$", re.IGNORECASE)
_SPECIAL = re.compile(rf"\s+|\d+|[{re.escape(string.punctuation)}]")


class DocumentLineDeduplicator(Deduplicator):
    """Remove every line that appears in more than ``frequency_threshold`` documents; keep all samples.

    Lines are split on "\\n" and hashed (MD5 of the stripped line, optionally lower-cased and
    without whitespace, digits and punctuation); short lines, bracket-only lines, Markdown
    headers, LaTeX begin/end lines and lone HTML tags can be exempted. The counts are made
    over the whole dataset (``select``); the next pass removes the frequent lines
    (``finish_batch``).

    Example:
        with ``frequency_threshold: 1``, ``"Home | About\\nfoo"`` and ``"Home | About\\nbar"``
        become ``"foo"`` and ``"bar"``.
    """

    class Params(OpParams):
        frequency_threshold: int = Field(6, description="Lines in more than this many documents are removed.")
        lowercase: bool = Field(False, description="Lower-case a line before hashing.")
        ignore_special_character: bool = Field(
            False, description="Remove whitespace, digits and ASCII punctuation from a line before hashing."
        )
        min_line_length: int = Field(2, description="Lines shorter than this (stripped) are never removed.")
        skip_brackets: bool = Field(True, description="Never remove lines made only of {}[]();.")
        skip_markdown_headers: bool = Field(True, description="Never remove lines starting with '#'.")
        skip_latex_env: bool = Field(True, description=r"Never remove \begin{...} / \end{...} lines.")
        skip_html_tags: bool = Field(True, description="Never remove lines that are a lone HTML/XML tag.")

    cost = 1.0

    def line_digests(self, text: str) -> list[bytes | None]:
        """MD5 digest of each line of ``text``; None for lines exempt from removal."""
        p = self.params
        out: list[bytes | None] = []
        for line in text.split("\n"):
            s = line.strip()
            if (
                len(s) < p.min_line_length
                or (p.skip_brackets and all(ch in _BRACKETS for ch in s))
                or (p.skip_markdown_headers and s.startswith("#"))
                or (p.skip_latex_env and _LATEX_ENV.match(s))
                or (p.skip_html_tags and _HTML_TAG.match(s))
            ):
                out.append(None)
                continue
            norm = line.lower() if p.lowercase else line
            norm = _SPECIAL.sub("", norm) if p.ignore_special_character else norm
            out.append(hashlib.md5(norm.strip().encode()).digest())
        return out

    def keys_batch(self, batch: SampleBatch) -> list[bytes]:
        """Per row, the distinct digests of its lines, concatenated (16 bytes each)."""
        return [b"".join({d for d in self.line_digests(t) if d}) for t in batch.column(self.text_key)]

    def frequent_lines(self, keys: list[bytes]) -> set[bytes]:
        """Digests of the lines found in more than ``frequency_threshold`` documents."""
        if len(keys) <= 1:
            return set()
        digests = np.frombuffer(b"".join(keys), dtype="V16")
        unique, counts = np.unique(digests, return_counts=True)
        return {bytes(d) for d in unique[counts > self.params.frequency_threshold]}

    def finish_batch(self, batch: SampleBatch, state: set[bytes]) -> SampleBatch:
        return self.strip_lines(batch, state)

    def strip_lines(self, batch: SampleBatch, frequent: set[bytes]) -> SampleBatch:
        """Remove the frequent lines from every text of the batch."""
        if frequent:
            texts = batch.column(self.text_key)
            kept = [
                "\n".join(
                    line for line, d in zip(t.split("\n"), self.line_digests(t), strict=True) if d not in frequent
                )
                for t in texts
            ]
            batch.set_column(self.text_key, kept)
        return batch

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        return GlobalResult(np.ones(len(keys), dtype=bool), state=self.frequent_lines(list(keys)))
