"""clean_email_mapper: remove (or replace) e-mail addresses in the text."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.regexes import check_pattern, compile_pattern
from recipe_copilot.engine.sample import SampleBatch

#: Data-Juicer's default e-mail pattern. Made only of ASCII classes and literals, it matches
#: the same under ``re`` as under ``regex`` (which Data-Juicer uses), and ``re`` is faster
#: here; a ``repl`` with backslashes still goes to ``regex``, whose templates differ a little.
EMAIL_PATTERN = r"[A-Za-z0-9.\-+_]+@[a-z0-9.\-+_]+\.[a-z]+"
_EMAIL = re.compile(EMAIL_PATTERN)


class CleanEmailMapper(Mapper):
    """Remove e-mail addresses, or replace them with ``repl``.

    A custom ``pattern`` replaces the default e-mail regex; like Data-Juicer, the ``regex``
    module applies it with DOTALL, and a pattern written as ``r'...'`` loses that quoting.
    With the default pattern only texts containing ``@`` are searched.

    Example:
        ``"mail bob@example.com now"`` becomes ``"mail  now"``.
    """

    class Params(OpParams):
        pattern: Annotated[str | None, AfterValidator(check_pattern)] = Field(
            None, description="Regex to remove; None uses the default e-mail pattern."
        )
        repl: str = Field("", description="Replacement for each match (may use \\1 group references).")

    cost = 0.3

    def setup(self) -> None:
        pattern = self.params.pattern
        plain = pattern is None and "\\" not in self.params.repl
        self._regex = _EMAIL if plain else compile_pattern(EMAIL_PATTERN if pattern is None else pattern)
        self._needle = "@" if pattern is None else ""  # every default match contains "@"

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        sub, repl, needle = self._regex.sub, self.params.repl, self._needle
        batch.set_column(self.text_key, [sub(repl, t) if needle in t else t for t in texts])
        return batch
