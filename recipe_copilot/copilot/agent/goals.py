"""The user's request as structured goals: what the model fills in (schema-constrained) in guided mode.

A small model is good at filling a short JSON form and bad at everything else, so the form is
small (:class:`Goals`), each need it writes must share a word with the request (else it is
dropped as made up), and when the model's answer does not fit, :func:`parse_goals` reads the
request with plain rules instead.

Example:
    >>> parse_goals("remove very short documents and exact duplicates").needs
    ['remove very short documents', 'exact duplicates']
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from recipe_copilot.tools.propose import LANGUAGES

__all__ = ["Goals", "ground", "parse_goals", "request_words"]

_SPLIT = re.compile(r"\s*(?:,|;|\band then\b|\bthen\b|\band also\b|\balso\b|\band\b|\bplus\b|\.)\s*", re.I)
_STOP = {"the", "a", "an", "of", "to", "and", "or", "very", "please", "all", "any", "with", "from", "that", "this",
         "my", "data", "dataset", "some", "too", "in", "on", "for", "it", "be", "is", "are", "docs", "documents",
         "texts", "samples", "remove", "drop", "filter", "out", "keep", "make"}
_MIN_WORDS = re.compile(r"(?:fewer than|less than|under|at least|min(?:imum)?(?: of)?)\s+(\d+)\s+words", re.I)
_DEDUP = re.compile(r"dedup|duplicat", re.I)


class Goals(BaseModel):
    """What the user wants done to the data."""

    needs: list[str] = Field(min_length=1, max_length=4,
                             description="Each thing to do to the data, in a few words from the request, "
                                         "e.g. 'drop short documents', 'remove exact duplicates'.")
    min_words: int | None = Field(None, ge=1, le=100_000,
                                  description="Minimum words per document, only if the request gives a number.")
    language: str | None = Field(None, description="Language to keep, only if the request names one, e.g. en.")
    dedup: bool = Field(False, description="Whether the request asks to remove duplicates.")


def request_words(text: str) -> set[str]:
    """The content words of a text, lower-cased, with a crude stem (``documents`` -> ``document``)."""
    out = set()
    for w in re.findall(r"[a-z][a-z-]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        out.add(w.rstrip("s") if len(w) > 4 else w)
    return out


def ground(goals: Goals, request: str) -> Goals | None:
    """``goals`` without needs that share no content word with ``request`` (a small model invents some).

    Returns:
        The grounded goals, or None when no need is left.
    """
    said = request_words(request)
    needs = [n.strip() for n in goals.needs if n.strip() and request_words(n) & said]
    if not needs:
        return None
    numbers = {int(x) for x in re.findall(r"\d+", request)}
    min_words = goals.min_words if goals.min_words in numbers else None
    language = goals.language if goals.language and _mentions_language(request, goals.language) else None
    return Goals(needs=needs, min_words=min_words, language=language, dedup=bool(_DEDUP.search(request)))


def _mentions_language(request: str, language: str) -> bool:
    text = request.lower()
    code = language.lower()
    named = any(name in text and c == code for name, c in LANGUAGES.items())
    return named or code in text.split() or (code in LANGUAGES and code in text)


def parse_goals(request: str) -> Goals:
    """Goals read from the request by rules: needs split at commas and "and", numbers and languages found.

    Args:
        request: the user's words.

    Returns:
        The goals (the whole request is one need when it does not split).
    """
    parts = [p.strip(" .!?") for p in _SPLIT.split(request) if p and p.strip(" .!?")]
    needs = [p for p in parts if request_words(p) or _DEDUP.search(p)] or [request.strip()]
    match = _MIN_WORDS.search(request)
    language = next((code for name, code in LANGUAGES.items() if name in request.lower()), None)
    return Goals(needs=needs[:4], min_words=int(match.group(1)) if match else None, language=language,
                 dedup=bool(_DEDUP.search(request)))
