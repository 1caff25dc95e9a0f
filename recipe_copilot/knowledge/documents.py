"""The unit of the index: one generated document (an op, a bundled recipe or a finished run)."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

__all__ = ["DOC_FORMAT", "DocKind", "KnowledgeDoc", "Scalar"]

#: bump when the way documents are written changes: every document then re-embeds once
DOC_FORMAT = "1"

DocKind = Literal["op", "recipe", "run"]
Scalar = str | int | float | bool


class KnowledgeDoc(BaseModel):
    """One document of the index, generated from the registry, a recipe file or a run record."""

    id: str = Field(description="Unique id: 'op:<name>', 'recipe:<name>' or 'run:<run_id>'.")
    kind: DocKind
    name: str = Field(description="Op name, recipe name or run id.")
    text: str = Field(description="The generated prose of the document: embedded, stored and shown.")
    summary: str = Field("", description="A short view (name and purpose), embedded too; a query matches the closer view.")
    keywords: str = Field("", description="Space-separated identifiers matched by the keyword half of the ranking.")
    metadata: dict[str, Scalar] = Field(default_factory=dict, description="Scalar fields Chroma can filter on.")
    payload: dict[str, Any] = Field(default_factory=dict, description="Structured data handed back with a hit.")

    @property
    def content_hash(self) -> str:
        """A hash of everything stored for the document; a change means re-embedding it."""
        body = [DOC_FORMAT, self.kind, self.name, self.text, self.summary, self.keywords, self.metadata, self.payload]
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:32]

    def views(self) -> list[tuple[str, str, str]]:
        """(record id, part, text) of each embedded view: the full text, and the summary if it has one."""
        out = [(self.id, "main", self.text)]
        if self.summary and self.summary != self.text:
            out.append((f"{self.id}#summary", "summary", self.summary))
        return out

    def chroma_metadata(self, model_id: str, part: str = "main") -> dict[str, Scalar]:
        """The metadata row stored in Chroma: scalars only (the payload travels as JSON text)."""
        return {
            **self.metadata,
            "doc_id": self.id,
            "part": part,
            "kind": self.kind,
            "name": self.name,
            "keywords": self.keywords,
            "content_hash": self.content_hash,
            "embedder": model_id,
            "payload": orjson.dumps(self.payload, default=str).decode(),
        }
