"""Search over the knowledge index: ops, bundled recipes and past runs, best first.

Ranking is hybrid: the cosine similarity of query and document embeddings, plus a keyword
score on identifiers (op names and parameter names; recipe and run names and their ops), so
"drop near-duplicate documents" and "minhash" both find ``document_minhash_deduplicator``.
Each search brings the index up to date first (only changed documents are re-embedded).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from recipe_copilot.knowledge.errors import InvalidQueryError
from recipe_copilot.knowledge.index import IndexedDoc, KnowledgeIndex
from recipe_copilot.knowledge.ranking import KeywordScorer, blend
from recipe_copilot.knowledge.recipedocs import RECIPES_DIR
from recipe_copilot.knowledge.settings import KnowledgeSettings

__all__ = [
    "KEYWORD_WEIGHT",
    "OP_TYPES",
    "OpHit",
    "RecipeHit",
    "RunHit",
    "default_index",
    "profile_text",
    "search_ops",
    "search_recipes",
    "search_runs",
]

#: how much a full keyword match adds to the cosine similarity
KEYWORD_WEIGHT = 0.1
OP_TYPES = ("mapper", "filter", "deduplicator", "selector")
_MAX_K = 100
_RUN_CANDIDATES = 50


class OpHit(BaseModel):
    """One op found by :func:`search_ops`: its generated doc and how well it matched."""

    name: str
    type: str = Field(description="mapper, filter, deduplicator or selector.")
    modality: str = Field(description="text, image, video or audio.")
    description: str = Field(description="One-line purpose.")
    details: str = ""
    params: list[dict[str, Any]] = Field(default_factory=list, description="Own parameters: name, type, default, bounds.")
    stat_key: str | None = None
    requires: list[str] = Field(default_factory=list)
    example: str = ""
    score: float = Field(description="Hybrid score: similarity + keyword weight x keyword score.")
    similarity: float = Field(description="Cosine similarity of the embeddings.")
    keyword_score: float = Field(description="Keyword match on the op and parameter names, in [0, 1].")


class RecipeHit(BaseModel):
    """One bundled recipe found by :func:`search_recipes`."""

    name: str
    title: str
    description: str
    modality: str
    path: str = Field(description="The recipe file.")
    ops: list[str]
    recipe: dict[str, Any] = Field(description="The recipe as a mapping, ready to edit or run.")
    score: float


class RunHit(BaseModel):
    """One finished run found by :func:`search_runs`."""

    run_id: str
    project_name: str
    recipe: dict[str, Any]
    input: dict[str, Any] = Field(description="Input profile: files, formats, bytes, rows, text field.")
    rows_in: int
    rows_out: int
    kept_ratio: float
    seconds: float
    errors: int
    ops: list[dict[str, Any]] = Field(description="Per op: name, kind, params, kept_ratio, seconds, errors.")
    source: str = Field(description="The run.json it was read from.")
    score: float


@cache
def _cached_index(settings_json: str) -> KnowledgeIndex:
    return KnowledgeIndex(KnowledgeSettings.model_validate_json(settings_json))


def default_index() -> KnowledgeIndex:
    """The index named by the current ``COPILOT_*`` settings (one per process and settings)."""
    return _cached_index(KnowledgeSettings().model_dump_json())


def _check(query: str, k: int) -> str:
    if not isinstance(query, str) or not query.strip():
        msg = f"the search query must be non-empty text, got {query!r}"
        raise InvalidQueryError(msg)
    if not 1 <= k <= _MAX_K:
        msg = f"k={k} is out of range; ask for 1 to {_MAX_K} results"
        raise InvalidQueryError(msg)
    return query.strip()


def _rank(
    query: str, docs: list[IndexedDoc], names: Mapping[str, str], others: Mapping[str, list[str]]
) -> list[tuple[float, float, IndexedDoc]]:
    """(hybrid score, keyword score, doc), best first; ties broken by name."""
    scorer = KeywordScorer(names, others)
    keyword = scorer.score(query)
    scores = blend({d.id: d.similarity for d in docs}, keyword, keyword_weight=KEYWORD_WEIGHT)
    ranked = [(scores[d.id], keyword.get(d.id, 0.0), d) for d in docs]
    ranked.sort(key=lambda t: (-t[0], t[2].name))
    return ranked


def search_ops(
    query: str,
    *,
    type: str | None = None,
    modality: str | None = None,
    k: int = 5,
    index: KnowledgeIndex | None = None,
) -> list[OpHit]:
    """The ``k`` ops that best serve ``query``, best first.

    Args:
        query: a need in plain words ("drop near-duplicate documents") or a name ("minhash").
        type: only ops of this kind: mapper, filter, deduplicator or selector.
        modality: only ops for this modality: text, image, video or audio.
        k: how many to return (1 to 100).
        index: the index to search (default: :func:`default_index`).

    Returns:
        Hits with the op's generated doc, its hybrid score and both parts of it.

    Raises:
        InvalidQueryError: empty query, unknown type, or k out of range.
    """
    query = _check(query, k)
    if type is not None and type not in OP_TYPES:
        msg = f"unknown op type {type!r}; use one of {', '.join(OP_TYPES)}"
        raise InvalidQueryError(msg)
    index = index or default_index()
    index.ensure_synced(("op",))
    where = {key: v for key, v in (("op_type", type), ("modality", modality)) if v}
    docs = index.query(query, kind="op", where=where, n=_MAX_K * 5)
    ranked = _rank(query, docs, {d.id: d.name for d in docs}, {d.id: d.keywords.split()[1:] for d in docs})
    hits = []
    for score, kw, d in ranked[:k]:
        p = d.payload
        hits.append(OpHit(name=d.name, type=p.get("type", ""), modality=p.get("modality", "text"),
                          description=p.get("description", ""), details=p.get("details", ""),
                          params=p.get("params", []), stat_key=p.get("stat_key"), requires=p.get("requires", []),
                          example=p.get("example", ""), score=round(score, 4), similarity=round(d.similarity, 4),
                          keyword_score=round(kw, 4)))
    return hits


def search_recipes(query: str, *, k: int = 3, index: KnowledgeIndex | None = None) -> list[RecipeHit]:
    """The ``k`` bundled recipes closest to ``query`` ("clean arXiv LaTeX", "chat data"), best first.

    Raises:
        InvalidQueryError: empty query or k out of range.
    """
    query = _check(query, k)
    index = index or default_index()
    index.ensure_synced(("recipe",))
    docs = index.query(query, kind="recipe", n=_MAX_K)
    ranked = _rank(query, docs, {d.id: d.name for d in docs}, {d.id: d.keywords.split()[1:] for d in docs})
    out = []
    for score, _, d in ranked[:k]:
        p = d.payload
        out.append(RecipeHit(name=d.name, title=p.get("title", d.name), description=p.get("description", ""),
                             modality=p.get("modality", "text"), path=str(RECIPES_DIR / p.get("file", "")),
                             ops=[o["name"] for o in p.get("ops", [])], recipe=p.get("recipe") or {},
                             score=round(score, 4)))
    return out


def profile_text(profile: str | Mapping[str, Any] | BaseModel) -> str:
    """A data profile (a mapping or pydantic model of what the data looks like) as query text."""
    if isinstance(profile, BaseModel):
        profile = profile.model_dump(mode="json", exclude_none=True)
    if isinstance(profile, str):
        return profile
    return "; ".join(f"{key}: {value}" for key, value in profile.items() if value not in (None, "", [], {}))


def search_runs(
    profile: str | Mapping[str, Any] | BaseModel, *, k: int = 3, index: KnowledgeIndex | None = None
) -> list[RunHit]:
    """The ``k`` finished runs most like ``profile``: a query, or a profile of the data at hand.

    Args:
        profile: text ("web crawl in English, near-duplicates removed") or a mapping / pydantic
            model describing the data (format, rows, language, fields...).
        k: how many to return (1 to 100).
        index: the index to search (default: :func:`default_index`).

    Raises:
        InvalidQueryError: empty query or k out of range.
    """
    query = _check(profile_text(profile), k)
    index = index or default_index()
    index.ensure_synced(("run",))
    docs = index.query(query, kind="run", n=max(_RUN_CANDIDATES, k))
    ranked = _rank(query, docs, {d.id: str(d.metadata.get("project_name", "")) for d in docs},
                   {d.id: d.keywords.split()[1:] for d in docs})
    out = []
    for score, _, d in ranked[:k]:
        p = d.payload
        out.append(RunHit(run_id=d.name, project_name=p.get("project_name", ""), recipe=p.get("recipe") or {},
                          input=p.get("input") or {}, rows_in=p.get("rows_in", 0), rows_out=p.get("rows_out", 0),
                          kept_ratio=p.get("kept_ratio", 1.0), seconds=p.get("seconds", 0.0),
                          errors=p.get("errors", 0), ops=p.get("ops", []), source=p.get("source", ""),
                          score=round(score, 4)))
    return out

