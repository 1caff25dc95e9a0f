"""replace_content_mapper: replace what one or more regular expressions match."""

from __future__ import annotations

import regex
from pydantic import Field, model_validator

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch


def _compile(pattern: str) -> regex.Pattern:
    """Data-Juicer's reading of a pattern: ``r'...'``/``r"..."`` loses its quoting; DOTALL."""
    if len(pattern) > 2 and pattern[0] == "r" and pattern[1] in "'\"" and pattern[-1] == pattern[1]:
        pattern = pattern[2:-1]
    return regex.compile(pattern, regex.DOTALL)


class ReplaceContentMapper(Mapper):
    """Replace every match of ``pattern`` by ``repl``; with lists, pattern i by repl i, in order.

    Patterns use the ``regex`` module with DOTALL (``.`` matches newlines too), and a pattern
    written as ``r'...'`` loses that quoting, as in Data-Juicer. ``repl`` may refer to groups
    (``\\1``). A single ``repl`` string serves every pattern; a ``repl`` list needs at least as
    many entries as there are patterns. Without a pattern the text is left alone.

    Example:
        ``{pattern: "\\\\d+", repl: "#"}`` turns ``"room 101, floor 3"`` into ``"room #, floor #"``.
    """

    class Params(OpParams):
        pattern: str | list[str] | None = Field(None, description="Regex, or list of regexes, to replace.")
        repl: str | list[str] = Field("", description="Replacement, or one replacement per pattern.")

        @model_validator(mode="after")
        def _check(self) -> ReplaceContentMapper.Params:
            patterns = [self.pattern] if isinstance(self.pattern, str) else self.pattern or []
            for p in patterns:
                try:
                    _compile(p)
                except regex.error as exc:
                    msg = f"pattern {p!r} is not a valid regular expression: {exc}"
                    raise ValueError(msg) from None
            if isinstance(self.repl, list) and len(self.repl) < len(patterns):
                msg = f"repl has {len(self.repl)} entries for {len(patterns)} patterns"
                raise ValueError(msg)
            return self

    cost = 1.0

    def setup(self) -> None:
        p = self.params
        patterns = [p.pattern] if isinstance(p.pattern, str) else p.pattern or []
        repls = p.repl if isinstance(p.repl, list) else [p.repl] * len(patterns)
        self._steps = [(_compile(pat).sub, r) for pat, r in zip(patterns, repls, strict=False)]

    def _replace(self, text: str) -> str:
        for sub, repl in self._steps:
            text = sub(repl, text)
        return text

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        if self._steps:
            replace = self._replace
            batch.set_column(self.text_key, [replace(t) for t in batch.column(self.text_key)])
        return batch
