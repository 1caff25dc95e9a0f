"""clean_email_mapper: remove (or replace) e-mail addresses in the text."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.common.regexes import RegexCleaner, RegexCleanerParams

#: Data-Juicer's default e-mail pattern. Made only of ASCII classes and literals, it matches
#: the same under ``re`` as under ``regex`` (which Data-Juicer uses), and ``re`` is faster
#: here; a ``repl`` with backslashes still goes to ``regex``, whose templates differ a little.
EMAIL_PATTERN = r"[A-Za-z0-9.\-+_]+@[a-z0-9.\-+_]+\.[a-z]+"
_EMAIL = re.compile(EMAIL_PATTERN)


class CleanEmailMapper(RegexCleaner):
    """Remove e-mail addresses, or replace them with ``repl``.

    A custom ``pattern`` replaces the default e-mail regex; like Data-Juicer, the ``regex``
    module applies it with DOTALL, and a pattern written as ``r'...'`` loses that quoting.
    With the default pattern only texts containing ``@`` are searched.

    Example:
        ``"mail bob@example.com now"`` becomes ``"mail  now"``.
    """

    class Params(RegexCleanerParams):
        pass

    cost = 0.3

    default_pattern = EMAIL_PATTERN

    def compile_default(self) -> object:
        # plain `re` matches the default pattern the same and faster, unless repl holds template escapes
        return _EMAIL if "\\" not in self.params.repl else super().compile_default()

    def might_match(self, text: str) -> bool:
        return "@" in text  # every default match contains "@"
