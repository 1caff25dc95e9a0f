"""The copilot's memory: what ops exist, which recipes are known to work, what past runs did.

A Chroma collection (embedded under the user's data dir, or a server at ``COPILOT_CHROMA_URL``)
holds one generated document per registered op, per bundled recipe and per finished run,
embedded offline with the packaged all-MiniLM-L6-v2 model. Importing this package is cheap:
chromadb, torch and transformers load only when the index is first used.

Example:
    ``search_ops("drop near-duplicate documents", k=3)[0].name`` is
    ``"document_minhash_deduplicator"``.
"""

from __future__ import annotations

from recipe_copilot.knowledge.documents import KnowledgeDoc
from recipe_copilot.knowledge.errors import (
    EmbeddingModelError,
    IndexUnavailableError,
    InvalidQueryError,
    KnowledgeError,
    KnowledgeSourceError,
)
from recipe_copilot.knowledge.index import KindChanges, KnowledgeIndex, SyncReport
from recipe_copilot.knowledge.recipedocs import RECIPES_DIR, bundled_recipe_paths
from recipe_copilot.knowledge.search import (
    OpHit,
    RecipeHit,
    RunHit,
    default_index,
    search_ops,
    search_recipes,
    search_runs,
)
from recipe_copilot.knowledge.settings import KnowledgeSettings

__all__ = [
    "RECIPES_DIR",
    "EmbeddingModelError",
    "IndexUnavailableError",
    "InvalidQueryError",
    "KindChanges",
    "KnowledgeDoc",
    "KnowledgeError",
    "KnowledgeIndex",
    "KnowledgeSettings",
    "KnowledgeSourceError",
    "OpHit",
    "RecipeHit",
    "RunHit",
    "SyncReport",
    "bundled_recipe_paths",
    "default_index",
    "search_ops",
    "search_recipes",
    "search_runs",
]
