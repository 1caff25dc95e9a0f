"""suffix_filter: keep samples read from files with one of the given suffixes."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.sample import SUFFIX, SampleBatch


class SuffixFilter(Filter):
    """Keep samples whose source file suffix is one of ``suffixes``.

    The suffix is the ``__dj__suffix__`` field the reader adds (``".jsonl"``,
    ``".jsonl.gz"``, ...); it is compared as is, dot included. No suffixes keeps everything;
    ``reversed_range`` keeps the other suffixes instead. No stat is written.

    Example:
        ``- suffix_filter: {suffixes: ['.txt', '.md']}`` keeps a sample read from ``a.txt``
        (``__dj__suffix__: ".txt"``) and drops one from ``b.jsonl``.
    """

    class Params(FilterParams):
        suffixes: str | list[str] | None = Field(
            [], description="File suffixes to keep, with the dot as the reader writes them ('.txt')."
        )

    cost = 0.1
    reads_text = False
    needs_suffix = True

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        wanted = self.params.suffixes
        if not wanted:
            return [True] * len(batch)
        wanted = {wanted} if isinstance(wanted, str) else set(wanted)
        values = batch.column(SUFFIX)
        if None in values:
            msg = f"sample has no {SUFFIX!r} field (the file suffix the reader adds for suffix_filter)"
            raise ValueError(msg)
        flip = self.params.reversed_range
        return [(v in wanted) != flip for v in values]
