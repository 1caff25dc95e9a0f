"""User-supplied regular expressions of the regex cleaners (clean_email/links/ip mappers)."""

from __future__ import annotations

import regex

__all__ = ["check_pattern", "compile_pattern", "unquote_pattern"]


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
