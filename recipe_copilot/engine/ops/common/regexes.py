"""The regex cleaners (clean_email/links/ip mappers): their shared base and user patterns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar

import regex
from pydantic import AfterValidator, Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["RegexCleaner", "RegexCleanerParams", "check_pattern", "compile_pattern", "unquote_pattern"]


def unquote_pattern(pattern: str) -> str:
    """A user pattern as Data-Juicer reads it: ``r'...'`` or ``r"..."`` loses the quoting."""
    if len(pattern) > 2 and pattern[0] == "r" and pattern[1] in "'\"" and pattern[-1] == pattern[1]:
        return pattern[2:-1]
    return pattern


def compile_pattern(pattern: str) -> regex.Pattern:
    """Compile a user pattern the way Data-Juicer's regex cleaners apply it (``regex``, DOTALL)."""
    return regex.compile(unquote_pattern(pattern), regex.DOTALL)


def check_pattern(pattern: str | None) -> str | None:
    """Pydantic check: a pattern must compile, so a bad one fails before any data is read."""
    if pattern is not None:
        try:
            compile_pattern(pattern)
        except regex.error as exc:
            msg = f"not a valid regular expression: {exc}"
            raise ValueError(msg) from None
    return pattern


class RegexCleanerParams(OpParams):
    """Parameters of the regex cleaners (clean_email/links/ip mappers)."""

    pattern: Annotated[str | None, AfterValidator(check_pattern)] = Field(
        None, description="Regex to remove; None uses the op's default pattern."
    )
    repl: str = Field("", description="Replacement for each match (may use \\1 group references).")


class RegexCleaner(Mapper):
    """Base of the mappers that replace matches of a regex with ``repl``.

    A subclass gives ``default_pattern`` and, optionally, ``might_match``: a cheap test that
    is false only for texts the default pattern cannot match (those are left alone).
    """

    default_pattern: ClassVar[str] = ""

    def compile_default(self) -> Any:
        """The compiled default pattern (``regex``, DOTALL, as Data-Juicer applies it)."""
        return compile_pattern(self.default_pattern)

    def might_match(self, text: str) -> bool:
        """False only when the default pattern cannot match ``text``."""
        return True

    def setup(self) -> None:
        pattern = self.params.pattern  # type: ignore[attr-defined]
        self._regex = self.compile_default() if pattern is None else compile_pattern(pattern)
        self._check: Callable[[str], bool] | None = self.might_match if pattern is None else None

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        sub, repl, check = self._regex.sub, self.params.repl, self._check  # type: ignore[attr-defined]
        if check is None:  # a recipe's own pattern: search every text
            batch.set_column(self.text_key, [sub(repl, t) for t in texts])
        else:
            batch.set_column(self.text_key, [sub(repl, t) if check(t) else t for t in texts])
        return batch
