"""The knowledge index: a Chroma collection kept in step with the op registry, the bundled
recipes and the finished runs, re-embedding only the documents whose content hash changed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import BaseModel, Field

from recipe_copilot.knowledge.documents import DocKind, KnowledgeDoc
from recipe_copilot.knowledge.errors import InvalidQueryError
from recipe_copilot.knowledge.settings import KnowledgeSettings

__all__ = ["ALL_KINDS", "Embedder", "IndexedDoc", "KindChanges", "KnowledgeIndex", "SyncReport"]

ALL_KINDS: tuple[DocKind, ...] = ("op", "recipe", "run")
_UPSERT_BATCH = 128

#: progress callback: (documents embedded so far, documents to embed)
Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """What the index needs from an embedding function: a model id and texts -> vectors."""

    model_id: str

    def __call__(self, input: list[str]) -> Sequence[Sequence[float]]:
        """One vector per text."""
        ...


class KindChanges(BaseModel):
    """What a sync did to the documents of one kind."""

    added: list[str] = Field(default_factory=list, description="Ids of new documents.")
    updated: list[str] = Field(default_factory=list, description="Ids whose content changed (re-embedded).")
    removed: list[str] = Field(default_factory=list, description="Ids whose source is gone.")
    unchanged: int = Field(0, description="Documents left as they were.")


class SyncReport(BaseModel):
    """The outcome of :meth:`KnowledgeIndex.sync`."""

    location: str = Field(description="Where the index is: a folder or a server URL, and the collection.")
    changes: dict[str, KindChanges] = Field(default_factory=dict, description="Per kind: op, recipe, run.")
    embedded: int = Field(0, description="Documents embedded by this sync.")
    seconds: float = 0.0
    skipped: list[str] = Field(default_factory=list, description="Run files that could not be indexed, and why.")

    @property
    def changed(self) -> bool:
        """Whether anything was added, updated or removed."""
        return any(c.added or c.updated or c.removed for c in self.changes.values())


class IndexedDoc(BaseModel):
    """A document as read back from the index, with its similarity to a query."""

    id: str
    kind: DocKind
    name: str
    text: str
    similarity: float = Field(description="Cosine similarity of the query and the document, in [-1, 1].")
    keywords: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    payload: dict[str, Any] = Field(default_factory=dict)


class KnowledgeIndex:
    """The op, recipe and run documents in one Chroma collection.

    Args:
        settings: where the index lives (default: from ``COPILOT_*`` environment variables).
        embedder: texts -> vectors (default: the packaged MiniLM model, loaded on first use).

    Example:
        ``KnowledgeIndex().sync()`` brings the index up to date and reports what changed.
    """

    def __init__(self, settings: KnowledgeSettings | None = None, *, embedder: Embedder | None = None) -> None:
        """Remember where the index is; nothing is opened or loaded yet."""
        self.settings = settings or KnowledgeSettings()
        self._embedder = embedder
        self._client: Any = None
        self._collection: Any = None
        self._fresh: set[DocKind] = set()

    # ------------------------------------------------------------------ plumbing
    @property
    def location(self) -> str:
        """The server URL or the store folder, and the collection name."""
        where = self.settings.chroma_url or str(self.settings.chroma_path)
        return f"{where} (collection {self.settings.chroma_collection})"

    @property
    def embedder(self) -> Embedder:
        """The embedding function (the packaged MiniLM model unless one was given)."""
        if self._embedder is None:
            from recipe_copilot.knowledge.embedder import MiniLMEmbedding

            self._embedder = MiniLMEmbedding()
        return self._embedder

    def collection(self, *, recreate: bool = False) -> Any:
        """The Chroma collection, opened (or created) on first use."""
        from recipe_copilot.knowledge.store import open_client, open_collection

        if self._client is None:
            self._client = open_client(self.settings)
        if self._collection is None or recreate:
            self._collection = open_collection(self._client, self.settings.chroma_collection, recreate=recreate)
            self._fresh.clear()
        return self._collection

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors for ``texts`` as plain float lists."""
        return [[float(x) for x in v] for v in self.embedder(texts)]

    def stored(self, kind: DocKind) -> dict[str, tuple[dict[str, Any], list[str]]]:
        """Document id -> (metadata of its main record, ids of all its records) for every document of ``kind``."""
        got = self.collection().get(where={"kind": kind}, include=["metadatas"])
        out: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for rec_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            meta = meta or {}
            doc_id = str(meta.get("doc_id", rec_id))
            main, ids = out.get(doc_id, ({}, []))
            ids.append(rec_id)
            out[doc_id] = (meta if meta.get("part", "main") == "main" else main, ids)
        return out

    def count(self, kind: DocKind | None = None) -> int:
        """Number of documents (of one kind, or all); a document's views count once."""
        flt = {"part": "main"} if kind is None else {"$and": [{"kind": kind}, {"part": "main"}]}
        return len(self.collection().get(where=flt, include=[])["ids"])

    # ---------------------------------------------------------------------- sync
    def sync(
        self,
        *,
        kinds: Iterable[DocKind] = ALL_KINDS,
        runs_dirs: Iterable[str | Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Bring the index in step with the registry, the bundled recipes and the runs.

        Only documents whose content hash (or embedding model) changed are embedded again.
        Op and recipe documents whose source is gone are removed; a run document is removed
        when its ``run.json`` was under a scanned folder and is no longer there.

        Args:
            kinds: which kinds of documents to bring up to date.
            runs_dirs: folders to scan for ``runs/<id>/run.json`` (default: ``settings.runs_dirs``).
            rebuild: drop the collection and embed everything again.
            progress: called with (embedded so far, to embed) while embedding.

        Returns:
            What was added, updated, removed and left unchanged, per kind.
        """
        from recipe_copilot.knowledge.opdocs import op_documents
        from recipe_copilot.knowledge.recipedocs import recipe_documents
        from recipe_copilot.knowledge.rundocs import run_documents

        start = time.perf_counter()
        kinds = tuple(dict.fromkeys(kinds))
        unknown = [k for k in kinds if k not in ALL_KINDS]
        if unknown:
            msg = f"unknown document kind(s) {unknown}; use {', '.join(ALL_KINDS)}"
            raise InvalidQueryError(msg)
        self.collection(recreate=rebuild)
        roots = [Path(p).resolve() for p in (self.settings.runs_dirs if runs_dirs is None else runs_dirs)]
        report = SyncReport(location=self.location)
        pending: list[KnowledgeDoc] = []
        removed: list[str] = []
        for kind in kinds:
            if kind == "op":
                docs = op_documents()
            elif kind == "recipe":
                docs = recipe_documents()
            else:
                docs, report.skipped = run_documents(roots)
            changes, todo, gone = self._diff(kind, docs, roots)
            report.changes[kind] = changes
            pending += todo
            removed += gone
        if removed:
            self.collection().delete(ids=removed)
        self._upsert(pending, progress)
        report.embedded = len(pending)
        report.seconds = round(time.perf_counter() - start, 3)
        self._fresh.update(k for k in kinds if k != "run" or runs_dirs is None)
        return report

    def _diff(
        self, kind: DocKind, docs: list[KnowledgeDoc], roots: list[Path]
    ) -> tuple[KindChanges, list[KnowledgeDoc], list[str]]:
        """What changed for one kind: the report, the documents to embed, the record ids to delete."""
        stored = self.stored(kind)
        model_id = self.embedder_id
        changes = KindChanges()
        todo: list[KnowledgeDoc] = []
        stale: list[str] = []
        for doc in docs:
            meta, ids = stored.get(doc.id, ({}, []))
            wanted = [rec_id for rec_id, _, _ in doc.views()]
            if not ids:
                changes.added.append(doc.id)
                todo.append(doc)
            elif (meta.get("content_hash") != doc.content_hash or meta.get("embedder") != model_id
                  or sorted(ids) != sorted(wanted)):
                changes.updated.append(doc.id)
                todo.append(doc)
                stale += [rec_id for rec_id in ids if rec_id not in wanted]
            else:
                changes.unchanged += 1
        current = {d.id for d in docs}
        for doc_id, (meta, ids) in stored.items():
            if doc_id in current:
                continue
            if kind != "run" or _gone_from(str(meta.get("source", "")), roots):
                changes.removed.append(doc_id)
                stale += ids
            else:
                changes.unchanged += 1
        return changes, todo, stale

    @property
    def embedder_id(self) -> str:
        """Id of the embedding model, stored with every document."""
        if self._embedder is None:
            from recipe_copilot.knowledge.embedder import MODEL_ID

            return MODEL_ID
        return self._embedder.model_id

    def _upsert(self, docs: list[KnowledgeDoc], progress: Progress | None) -> None:
        total = len(docs)
        if progress:
            progress(0, total)
        for start in range(0, total, _UPSERT_BATCH):
            batch = docs[start:start + _UPSERT_BATCH]
            records = [(doc, rec_id, part, text) for doc in batch for rec_id, part, text in doc.views()]
            vectors = self.embed([text for _, _, _, text in records])
            self.collection().upsert(
                ids=[rec_id for _, rec_id, _, _ in records],
                documents=[text for _, _, _, text in records],
                embeddings=vectors,
                metadatas=[doc.chroma_metadata(self.embedder_id, part) for doc, _, part, _ in records],
            )
            if progress:
                progress(start + len(batch), total)

    def ensure_synced(self, kinds: Iterable[DocKind] = ALL_KINDS) -> None:
        """Sync the given kinds once per index object (cheap when nothing changed: hashes only)."""
        missing = [k for k in kinds if k not in self._fresh]
        if missing:
            self.sync(kinds=missing)

    def add_run(self, run_json: str | Path) -> KindChanges:
        """Index one finished run right away (e.g. when a run ends), by the path of its ``run.json``.

        Raises:
            KnowledgeSourceError: the file is not a run record, or the run did not finish.
        """
        from recipe_copilot.knowledge.errors import KnowledgeSourceError
        from recipe_copilot.knowledge.rundocs import FINISHED, load_run_file, run_to_document

        path = Path(run_json).resolve()
        record = load_run_file(path)
        if record.status != FINISHED:
            msg = f"run {record.run_id} has status {record.status!r}; only finished runs ({FINISHED!r}) are indexed"
            raise KnowledgeSourceError(msg)
        doc = run_to_document(record, path)
        stored = self.collection().get(ids=[doc.id], include=["metadatas"])
        changes = KindChanges()
        if not stored["ids"]:
            changes.added.append(doc.id)
        elif ((stored["metadatas"] or [{}])[0] or {}).get("content_hash") != doc.content_hash:
            changes.updated.append(doc.id)
        else:
            changes.unchanged = 1
            return changes
        self._upsert([doc], None)
        return changes

    # --------------------------------------------------------------------- query
    def query(self, text: str, *, kind: DocKind, where: dict[str, Any] | None = None, n: int = 10) -> list[IndexedDoc]:
        """The ``n`` documents of ``kind`` nearest to ``text`` by embedding, best first.

        A document's similarity is that of its closest view (full text or summary).

        Args:
            text: the query.
            kind: op, recipe or run.
            where: extra equality filters on metadata (e.g. ``{"op_type": "filter"}``).
            n: how many documents to return at most.
        """
        clauses = [{"kind": kind}, *({k: v} for k, v in (where or {}).items())]
        flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        available = len(self.collection().get(where=flt, include=[])["ids"])
        if not available or n <= 0:
            return []
        res = self.collection().query(
            query_embeddings=self.embed([text]), n_results=min(2 * n, available), where=flt,
            include=["metadatas", "documents", "distances"],
        )
        best: dict[str, IndexedDoc] = {}
        for rec_id, meta, doc, dist in zip(res["ids"][0], res["metadatas"][0], res["documents"][0],
                                           res["distances"][0], strict=True):
            meta = dict(meta or {})
            doc_id = str(meta.get("doc_id", rec_id))
            similarity = 1.0 - float(dist)
            seen = best.get(doc_id)
            if seen is not None:
                seen.similarity = max(seen.similarity, similarity)
                if meta.get("part") == "main":
                    seen.text = doc or seen.text
                continue
            payload = orjson.loads(str(meta.pop("payload", "") or "{}"))
            best[doc_id] = IndexedDoc(id=doc_id, kind=meta.get("kind", kind), name=str(meta.get("name", doc_id)),
                                      text=doc or "", similarity=similarity, keywords=str(meta.get("keywords", "")),
                                      metadata=meta, payload=payload)
        ranked = sorted(best.values(), key=lambda d: -d.similarity)
        return ranked[:n]


def _gone_from(source: str, roots: list[Path]) -> bool:
    """Whether a run's ``run.json`` lay under one of the scanned folders and no longer exists."""
    if not source:
        return False
    path = Path(source)
    return any(path.is_relative_to(root) for root in roots) and not path.exists()
