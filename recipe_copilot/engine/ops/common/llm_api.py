"""An OpenAI-compatible chat client for LLM-backed ops: concurrent, retrying, with a persistent response cache.

Configuration follows Data-Juicer's API models: ``api_endpoint`` is the path of the chat
endpoint (default ``/chat/completions``) under the base URL, or a full URL; the base URL is
``model_params.base_url``, else ``$OPENAI_BASE_URL`` (or ``$OPENAI_API_URL``,
``$DASHSCOPE_BASE_URL``); the key is ``model_params.api_key``, else ``$OPENAI_API_KEY`` (or
``$DASHSCOPE_API_KEY``, ``$SK``). The answer is read at ``response_path`` (default
``choices.0.message.content``). ``model_params`` may also hold ``timeout``, ``max_retries``
and ``default_headers`` (as for the OpenAI client Data-Juicer builds) and two keys of ours:
``concurrency`` (requests in flight per process, default 8) and ``cache`` (a SQLite file, or
false to turn the cache off).
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from recipe_copilot.engine.errors import EngineError, ParamError

__all__ = ["ChatClient", "LLMEndpointError", "LLMOpMixin", "cache_location", "endpoint_url", "local_model_refused"]

log = logging.getLogger(__name__)

#: first retry delay in seconds, doubled per retry up to RETRY_MAX_DELAY (the OpenAI client's schedule)
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 8.0
#: statuses worth another try, as the OpenAI client Data-Juicer uses retries them
RETRY_STATUSES = frozenset({408, 409, 429})
DEFAULT_CONCURRENCY = 8
DEFAULT_PATH = "choices.0.message.content"
_ENV_BASE = ("OPENAI_BASE_URL", "OPENAI_API_URL", "DASHSCOPE_BASE_URL")
_ENV_KEY = ("OPENAI_API_KEY", "DASHSCOPE_API_KEY", "SK")
_MISSING = object()


class LLMEndpointError(EngineError):
    """The LLM endpoint cannot be used at all (unreachable, unauthorised, wrong URL): the run stops."""


def endpoint_url(api_endpoint: str | None, model_params: dict) -> str:
    """The chat-completions URL, resolved as Data-Juicer resolves it: ``api_endpoint`` when it is a
    full URL, else it is a path under ``model_params.base_url`` or ``OPENAI_BASE_URL`` (and the other
    variables Data-Juicer reads); OpenAI's own API only when a key is set and no base URL.

    Raises:
        ParamError: nothing says where the endpoint is (the message names the settings to use).
    """
    endpoint = api_endpoint or "/chat/completions"
    if endpoint.startswith(("http://", "https://")):
        return endpoint
    key = model_params.get("api_key") or _first_env(_ENV_KEY)
    base = model_params.get("base_url") or _first_env(_ENV_BASE) or ("https://api.openai.com/v1" if key else None)
    if not base:
        msg = (
            "no LLM endpoint configured: set OPENAI_BASE_URL (e.g. http://localhost:8000/v1 for a "
            "vLLM server), model_params.base_url, or a full URL in api_endpoint"
        )
        raise ParamError(msg)
    return base.rstrip("/") + "/" + endpoint.lstrip("/")


def local_model_refused(op: str, local: dict[str, bool], fix: str) -> None:
    """Raise :class:`ParamError` when ``local`` (the flags, as set, that select a local model) is not
    empty; the message says to serve the model behind an endpoint and to set ``fix``."""
    if local:
        given = ", ".join(f"{name}={str(value).lower()}" for name, value in local.items())
        msg = (
            f"op {op!r}: {given} selects a local model, which is not supported here; serve the model "
            f"behind an OpenAI-compatible endpoint (e.g. `vllm serve MODEL`), set {fix}, and point "
            "OPENAI_BASE_URL or model_params.base_url at the server"
        )
        raise ParamError(msg)


def cache_location(model_params: dict, work_dir: str | None) -> Path | None:
    """Where responses are cached: ``model_params.cache``, else ``$RC_LLM_CACHE``, else
    ``<work_dir>/cache/llm_responses.sqlite``, else ``~/.cache/recipe_copilot/llm_responses.sqlite``.
    ``false``/``off`` (param or variable) turns the cache off (None)."""
    choice = model_params.get("cache", _MISSING)
    if choice is _MISSING:
        choice = os.environ.get("RC_LLM_CACHE") or None
    if choice is False or str(choice).lower() in {"false", "off", "0", "no"}:
        return None
    if choice:
        return Path(str(choice)).expanduser()
    if work_dir:
        return Path(work_dir) / "cache" / "llm_responses.sqlite"
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "recipe_copilot" / "llm_responses.sqlite"


def _first_env(names: Sequence[str]) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _dig(data: Any, path: str) -> Any:
    """Data-Juicer's dot path (``choices.0.message.content``); None when it does not exist."""
    for part in path.split("."):
        try:
            data = data[int(part) if part.isdigit() else part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


class _Cache:
    """A SQLite table of answers by request hash, shared by threads (and safe across processes)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return _MISSING if row is None else orjson.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, orjson.dumps(value)))

    def close(self) -> None:
        self._db.close()


@dataclass
class ChatClient:
    """Chat completions against one endpoint for one op (see the module docstring for settings).

    Args:
        model: the model name sent in each request.
        api_endpoint: endpoint path under the base URL, or a full URL (Data-Juicer's ``api_endpoint``).
        response_path: dot path of the answer in the response JSON.
        model_params: client settings (``base_url``, ``api_key``, ``timeout``, ``max_retries``,
            ``default_headers``, ``concurrency``, ``cache``).
        work_dir: the op's ``work_dir``; the default cache lives under it.
    """

    model: str
    api_endpoint: str | None = None
    response_path: str | None = None
    model_params: dict = field(default_factory=dict)
    work_dir: str | None = None
    #: requests actually sent (cache hits excluded), for logs and tests
    sent: int = 0
    #: the error that makes the endpoint unusable, once seen (later calls fail at once)
    fatal: LLMEndpointError | None = None

    def __post_init__(self) -> None:
        import httpx

        mp = self.model_params
        self.url = endpoint_url(self.api_endpoint, mp)
        self.path = self.response_path or DEFAULT_PATH
        self.max_retries = int(mp.get("max_retries", 2))
        timeout = mp.get("timeout", 600.0)
        connect = None if timeout is None else min(5.0, float(timeout))
        headers = dict(mp.get("default_headers") or {})
        if api_key := mp.get("api_key") or _first_env(_ENV_KEY):
            headers["Authorization"] = f"Bearer {api_key}"
        self.workers = max(1, int(mp.get("concurrency") or os.environ.get("RC_LLM_CONCURRENCY") or DEFAULT_CONCURRENCY))
        limits = httpx.Limits(max_connections=self.workers, max_keepalive_connections=self.workers)
        # plain http (a local server) needs no certificates: loading them costs ~30 ms per client
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect), headers=headers,
                                  limits=limits, verify=self.url.startswith("https://"))
        self._httpx = httpx
        where = cache_location(mp, self.work_dir)
        self.cache = _Cache(where) if where else None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ one request
    def complete(self, messages: list[dict], sampling_params: dict, attempt: int = 0) -> Any:
        """The answer to ``messages`` (the value at ``response_path``).

        A failure Data-Juicer's client would swallow (a 5xx or 429 that outlasts the retries, a
        timeout, a rejected request) gives ``""``, as there. ``attempt`` is part of the cache key,
        so an op's later tries are cached too and a re-run replays them without requests.

        Raises:
            LLMEndpointError: the endpoint is unreachable, refuses the key, or does not exist.
        """
        if self.fatal:
            raise self.fatal
        body = {"messages": messages, "model": self.model, **sampling_params}
        key = None
        if self.cache is not None:
            blob = orjson.dumps({"body": body, "path": self.path, "attempt": attempt}, option=orjson.OPT_SORT_KEYS)
            key = hashlib.sha256(blob).hexdigest()
            hit = self.cache.get(key)
            if hit is not _MISSING:
                return hit
        value = self._post(body)
        if value is not _MISSING:
            if key is not None:
                self.cache.put(key, value)  # type: ignore[union-attr]
            return value
        return ""

    def _post(self, body: dict) -> Any:
        """POST with retries; the answer, or _MISSING after a failure to swallow."""
        httpx = self._httpx
        problem, unreachable, asked_wait = "", False, None
        for n in range(self.max_retries + 1):
            if n:
                backoff = min(RETRY_BASE_DELAY * 2 ** (n - 1), RETRY_MAX_DELAY) * random.uniform(0.75, 1.0)
                time.sleep(asked_wait if asked_wait is not None else backoff)
                asked_wait = None
            unreachable = False
            with self._lock:
                self.sent += 1
            try:
                resp = self._http.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                problem = f"timed out ({type(exc).__name__})"
                continue
            except httpx.TransportError as exc:
                problem, unreachable = f"unreachable ({type(exc).__name__}: {exc})", True
                continue
            status = resp.status_code
            if status == 200:
                try:
                    return _dig(resp.json(), self.path) or ""
                except ValueError:
                    problem = "answered 200 with a body that is not JSON"
                    break
            detail = _error_text(resp)
            if status in (401, 403):
                self._fail(f"refused the request ({status}: {detail}); set OPENAI_API_KEY or model_params.api_key")
            if status == 404:
                self._fail(f"answered 404 ({detail}); check the base URL (it usually ends in /v1), "
                           f"api_endpoint and the model name {self.model!r}")
            problem = f"answered {status}: {detail}"
            asked_wait = _retry_after(resp)
            if status not in RETRY_STATUSES and status < 500:
                break  # a request this server rejects (e.g. too long): Data-Juicer gives up on it
        if unreachable:
            self._fail(f"is {problem}; is the server running? set OPENAI_BASE_URL or model_params.base_url")
        log.warning("LLM endpoint %s %s; the sample gets an empty answer", self.url, problem)
        return _MISSING

    def _fail(self, what: str) -> None:
        self.fatal = LLMEndpointError(f"LLM endpoint {self.url} {what}")
        raise self.fatal

    # ------------------------------------------------------------------ an op's loop
    def ask(self, messages: list[dict], sampling_params: dict, try_num: int, parse: Callable[[Any], Any]) -> Any:
        """Data-Juicer's try loop: up to ``try_num`` answers until ``parse`` gives a result.

        ``parse`` returns None (or raises) for an answer to try again; the last result, or None.
        """
        for attempt in range(try_num):
            output = self.complete(messages, sampling_params, attempt)
            try:
                result = parse(output)
            except Exception as exc:  # a malformed answer: try again, as Data-Juicer does
                log.warning("could not parse the LLM answer (try %d/%d): %s", attempt + 1, try_num, exc)
                continue
            if result is not None:
                return result
        return None

    def ask_all(self, conversations: list[list[dict]], sampling_params: dict, try_num: int,
                parse: Callable[[Any], Any]) -> list[Any]:
        """:meth:`ask` for every conversation, ``concurrency`` at a time; results in input order."""
        def one(messages: list[dict]) -> Any:
            return self.ask(messages, sampling_params, try_num, parse)

        if self.workers == 1 or len(conversations) <= 1:
            return [one(m) for m in conversations]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(conversations))) as pool:
            return list(pool.map(one, conversations))

    def close(self) -> None:
        """Free the connections and the cache file."""
        self._http.close()
        if self.cache is not None:
            self.cache.close()


def _retry_after(resp: Any) -> float | None:
    """Seconds the server asks to wait (``Retry-After``), when given as a number up to a minute."""
    try:
        wait = float(resp.headers.get("retry-after", ""))
    except ValueError:
        return None
    return wait if 0 <= wait <= 60 else None


def _error_text(resp: Any) -> str:
    """The message of an OpenAI-style error body, else the start of the body."""
    try:
        return str(resp.json()["error"]["message"])
    except Exception:  # any other body
        return resp.text[:200] or resp.reason_phrase


class LLMOpMixin:
    """For ops that call the endpoint (put it before the op base class): builds the client in
    :meth:`make_client`. An :class:`LLMEndpointError` is an engine error, so it stops the run
    rather than quarantining every sample for it."""

    client: ChatClient | None = None
    requires: tuple[str, ...] = ("httpx",)
    extra: str | None = "llm"

    def preflight(self) -> list[str]:
        """The endpoint is not configured here (it may be where the recipe runs: a warning)."""
        p = self.params  # type: ignore[attr-defined]
        try:
            endpoint_url(p.api_endpoint, dict(p.model_params or {}))
        except ParamError as exc:
            return [f"op {self.name!r}: {exc}"]  # type: ignore[attr-defined]
        return []

    def make_client(self, model: str) -> ChatClient:
        """The client for this op's ``api_endpoint``, ``response_path``, ``model_params``, ``work_dir``."""
        p = self.params  # type: ignore[attr-defined]
        self.client = ChatClient(model, p.api_endpoint, p.response_path, dict(p.model_params or {}), p.work_dir)
        return self.client
