"""Opening the Chroma collection: an embedded persistent store, or a server when a URL is set.

Telemetry is always off. Chroma's own default embedder is never used: the collection is
created with :class:`~recipe_copilot.knowledge.embedder.MiniLMEmbedding`, and every vector
is computed by us and passed in.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from recipe_copilot.knowledge.errors import IndexUnavailableError
from recipe_copilot.knowledge.settings import KnowledgeSettings

__all__ = ["open_client", "open_collection", "parse_chroma_url"]


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """``http(s)://host[:port]`` -> (host, port, ssl); the port defaults to 8000 (http) or 443 (https).

    Raises:
        IndexUnavailableError: the URL has no host or another scheme.
    """
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"COPILOT_CHROMA_URL={url!r} is not a Chroma server URL; use e.g. http://127.0.0.1:8000, or unset it"
        raise IndexUnavailableError(msg)
    ssl = parts.scheme == "https"
    return parts.hostname, parts.port or (443 if ssl else 8000), ssl


def open_client(settings: KnowledgeSettings) -> Any:
    """A Chroma client: ``HttpClient`` for ``settings.chroma_url``, else ``PersistentClient`` under the data dir.

    Raises:
        IndexUnavailableError: chromadb is not installed, the folder cannot be created, or the server does not answer.
    """
    try:
        import chromadb
        from chromadb.config import Settings
    except ImportError:
        msg = "the knowledge index needs chromadb: `pip install -c constraints.txt 'chromadb>=1.5,<2'`"
        raise IndexUnavailableError(msg) from None
    chroma_settings = Settings(anonymized_telemetry=False)
    if settings.chroma_url:
        host, port, ssl = parse_chroma_url(settings.chroma_url)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # connection refused, DNS, TLS, HTTP errors all end here
            msg = (f"cannot reach the Chroma server at {settings.chroma_url!r} ({type(exc).__name__}: {exc}); "
                   "start one with `chroma run --path DIR --port PORT`, or unset COPILOT_CHROMA_URL to use "
                   "the embedded store")
            raise IndexUnavailableError(msg) from None
        return client
    path = settings.chroma_path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the index folder {str(path)!r}: {exc}; set COPILOT_DATA_DIR to a writable folder"
        raise IndexUnavailableError(msg) from None
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(client: Any, name: str, *, recreate: bool = False) -> Any:
    """The knowledge collection (cosine space, our embedding function), created if missing.

    Args:
        client: a Chroma client from :func:`open_client`.
        name: the collection name.
        recreate: drop the collection first (a full rebuild).

    Raises:
        IndexUnavailableError: the collection exists with another embedding function.
    """
    from recipe_copilot.knowledge.embedder import MODEL_ID, MiniLMEmbedding

    if recreate:
        with contextlib.suppress(Exception):  # a collection that is missing already has nothing to drop
            client.delete_collection(name)
    try:
        return client.get_or_create_collection(
            name,
            embedding_function=MiniLMEmbedding(),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"owner": "recipe-copilot", "embedder": MODEL_ID},
        )
    except ValueError as exc:
        msg = (f"the Chroma collection {name!r} was made with another embedding function ({exc}); "
               "run `copilot index --rebuild` to recreate it, or set COPILOT_CHROMA_COLLECTION to another name")
        raise IndexUnavailableError(msg) from None
