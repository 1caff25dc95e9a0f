"""The keyword half of the hybrid ranking, and how it is mixed with embedding similarity.

Keywords are identifiers: op names and parameter names split at ``_`` ("document_minhash_
deduplicator" gives document, minhash, deduplicator). A query word matches an identifier
word when they are equal, share a stem, or the query word's stem (four letters or more) is
inside it ("dedup" and "duplicate" both match "deduplicator"). Rare identifier words weigh
more than common ones (inverse document frequency over the candidates), and the matches of
one document combine as a noisy OR, so the score stays in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import regex

__all__ = ["NAME_WEIGHT", "PARAM_WEIGHT", "KeywordScorer", "blend", "stem", "words"]

#: weight of a match on a name word and on a parameter-name word
NAME_WEIGHT = 1.0
PARAM_WEIGHT = 0.5

_WORD = regex.compile(r"[\p{L}\p{N}]+")
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "has", "have",
    "how", "i", "in", "into", "is", "it", "its", "me", "my", "of", "off", "on", "only", "or", "our", "out",
    "should", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "too", "up", "us", "use", "very", "want", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "will", "with", "would", "you", "your",
    # every op acts on the samples of a dataset: these nouns tell no op from another
    "content", "data", "dataset", "document", "documents", "entries", "entry", "record", "records", "row",
    "rows", "sample", "samples", "text", "texts",
})
_SUFFIXES = ("ations", "ation", "ators", "ator", "ings", "ing", "ers", "er", "ed", "es", "s", "e")


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` (letters and digits of any script), identifiers split at ``_``."""
    return [w for w in _WORD.findall(text.replace("_", " ").lower()) if w]


def stem(word: str) -> str:
    """A crude stem: the word less one common English suffix, keeping at least three letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _match(query_word: str, doc_word: str) -> float:
    if query_word == doc_word:
        return 1.0
    q, d = stem(query_word), stem(doc_word)
    if q == d:
        return 1.0
    if len(q) >= 4 and q in doc_word:
        return 0.8
    return 0.0


class KeywordScorer:
    """Scores queries against the names and parameter names of a fixed set of documents.

    Args:
        names: document id -> its name (an identifier such as an op name).
        params: document id -> other identifiers of the document (parameter names...).

    Example:
        ``KeywordScorer({"a": "document_minhash_deduplicator"}, {}).score("minhash")`` gives
        ``{"a": 1.0}``.
    """

    def __init__(self, names: Mapping[str, str], params: Mapping[str, Iterable[str]] | None = None) -> None:
        """Index the identifier words of every document."""
        params = params or {}
        self._fields: dict[str, list[tuple[str, float]]] = {}
        for doc_id, name in names.items():
            fields = [(w, NAME_WEIGHT) for w in dict.fromkeys(words(name))]
            seen = {w for w, _ in fields}
            for ident in params.get(doc_id, ()):
                for w in words(ident):
                    if w not in seen:
                        seen.add(w)
                        fields.append((w, PARAM_WEIGHT))
            self._fields[doc_id] = fields
        self._n = max(len(self._fields), 1)

    def _idf(self, hits: int) -> float:
        # 1.0 for a word found in one document, falling towards 0 as more documents have it
        return math.log1p(self._n / hits) / math.log1p(self._n) if hits else 0.0

    def score(self, query: str) -> dict[str, float]:
        """Keyword score in [0, 1] of every document for ``query`` (0 for no match)."""
        qwords = [w for w in dict.fromkeys(words(query)) if w not in _STOP]
        misses = dict.fromkeys(self._fields, 1.0)
        for qw in qwords:
            matches = {}
            for doc_id, fields in self._fields.items():
                best = max((_match(qw, w) * weight for w, weight in fields), default=0.0)
                if best:
                    matches[doc_id] = best
            idf = self._idf(len(matches))
            for doc_id, m in matches.items():
                misses[doc_id] *= 1.0 - m * idf
        exact = query.strip().lower()
        out = {doc_id: 1.0 - miss for doc_id, miss in misses.items()}
        for doc_id in self._fields:
            if doc_id.split(":", 1)[-1] == exact:
                out[doc_id] = 1.0
        return out


def blend(similarity: Mapping[str, float], keyword: Mapping[str, float], *, keyword_weight: float) -> dict[str, float]:
    """Hybrid score: embedding cosine similarity plus ``keyword_weight`` times the keyword score."""
    return {doc_id: sim + keyword_weight * keyword.get(doc_id, 0.0) for doc_id, sim in similarity.items()}
