"""clean_links_mapper: remove (or replace) links such as http://, ftp:// and www. addresses."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.common.regexes import RegexCleaner, RegexCleanerParams

#: Data-Juicer's default link pattern (matched with the ``regex`` module, DOTALL)
LINK_PATTERN = (
    r"(?i)\b("
    r"(?:[a-z][\w-]+:(?:\/{1,3}|[a-z0-9%])|www\d{0,3}[.]|[a-z0-9.\-]+[.][a-z]{2,4}\/)"
    r"(?:[^\s()<>]+|\(([^\s()<>]+|(\([^\s()<>]+\)))*\))+"
    r"(?:\(([^\s()<>]+|(\([^\s()<>]+\)))*\)|[^\s`!()\[\]{};:\'\".,<>?«»“”‘’])"
    r")"
)

# Every default match holds one of these (the pattern is case-insensitive; for the
# ``regex`` module [a-z] then also takes U+0130, U+017F and U+212A, and U+0131 for ``re``):
# a scheme's ":" followed by "/", a letter, digit or "%"; "www"; or ".tld/".
_LETTER = "A-Za-z\u0130\u0131\u017f\u212a"
_SCHEME = re.compile(f":[/%0-9{_LETTER}]")
_TLD_SLASH = re.compile(f"\\.[{_LETTER}]{{2,4}}/")
_WWW = re.compile("(?i)www")


def _may_have_link(text: str) -> bool:
    """Whether the default pattern can match (a cheap necessary condition)."""
    return (
        (":" in text and _SCHEME.search(text) is not None)
        or ("/" in text and _TLD_SLASH.search(text) is not None)
        or _WWW.search(text) is not None
    )


class CleanLinksMapper(RegexCleaner):
    """Remove links (scheme URLs, ``www.`` hosts, ``host.tld/`` paths), or replace them with ``repl``.

    A custom ``pattern`` replaces the default link regex; like Data-Juicer, the ``regex``
    module applies it with DOTALL, and a pattern written as ``r'...'`` loses that quoting.
    With the default pattern, texts that cannot hold a link (no ``:`` before a letter,
    digit, ``%`` or ``/``; no ``www``; no ``.tld/``) are not searched.

    Example:
        ``"see https://example.com/a for more"`` becomes ``"see  for more"``.
    """

    class Params(RegexCleanerParams):
        pass

    cost = 1.0

    default_pattern = LINK_PATTERN

    def might_match(self, text: str) -> bool:
        return _may_have_link(text)
