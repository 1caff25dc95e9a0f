"""Copilot sessions in SQLite: messages, the current recipe draft with its versions, and runs.

One file (default ``<data_dir>/sessions.sqlite3``) holds every session. A session is resumable
by id: its messages in order, its :class:`~recipe_copilot.tools.drafts.RecipeDraft` (every
version, so undo works across turns), the dataset it works on, and the runs it started. The
store uses one connection guarded by a lock, so the CLI, a web server's threads and a Slack
handler can share it.

Example:
    >>> store = SessionStore(tmp / "s.sqlite3")  # doctest: +SKIP
    >>> sid = store.create(dataset="data/web.jsonl").id  # doctest: +SKIP
    >>> store.add_message(sid, "user", "drop short docs")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from recipe_copilot.tools.drafts import RecipeDraft
from recipe_copilot.tools.runmanager import RunManager, RunState
from recipe_copilot.tools.runs import run_summary

__all__ = ["Message", "RunEntry", "SessionInfo", "SessionNotFoundError", "SessionStore", "new_session_id"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, updated REAL NOT NULL,
    title TEXT NOT NULL DEFAULT '', dataset TEXT, state TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL REFERENCES sessions(id),
    role TEXT NOT NULL, content TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}', created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages(session_id, seq);
CREATE TABLE IF NOT EXISTS drafts (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id), draft TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '', created REAL NOT NULL);
"""

Role = Literal["user", "assistant", "tool", "system"]


class SessionNotFoundError(LookupError):
    """Raised when a session id is not in the store (the message says how to start one)."""


class SessionInfo(BaseModel):
    """A session's header."""

    id: str
    created: float
    updated: float
    title: str = ""
    dataset: str | None = Field(None, description="The dataset the session works on, relative to the workspace.")
    state: dict[str, Any] = Field(default_factory=dict, description="Small workflow state (last goals, mode...).")


class Message(BaseModel):
    """One message of a session."""

    seq: int
    role: Role
    content: str
    meta: dict[str, Any] = Field(default_factory=dict)
    created: float


class RunEntry(BaseModel):
    """A run a session started."""

    run_id: str
    status: str
    summary: str = ""
    created: float


def new_session_id() -> str:
    """A fresh session id, e.g. ``s-3f9a0c12be``; it is also a valid draft id."""
    return f"s-{secrets.token_hex(5)}"


class SessionStore:
    """Sessions in one SQLite file.

    Args:
        path: the database file (its folder is created); ``":memory:"`` for a throwaway store.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open (and create) the database."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    # -- sessions ------------------------------------------------------------------------------

    def create(self, *, dataset: str | None = None, title: str = "", session_id: str | None = None) -> SessionInfo:
        """Start a session.

        Args:
            dataset: the dataset it works on (workspace-relative), if known.
            title: a short title (e.g. the first request).
            session_id: its id (default: a fresh one).

        Returns:
            The new session.
        """
        now = time.time()
        sid = session_id or new_session_id()
        with self._lock, self._db:
            self._db.execute("INSERT INTO sessions (id, created, updated, title, dataset) VALUES (?, ?, ?, ?, ?)",
                             (sid, now, now, title[:200], dataset))
        return self.get(sid)

    def get(self, session_id: str) -> SessionInfo:
        """The session ``session_id``.

        Raises:
            SessionNotFoundError: there is none.
        """
        with self._lock:
            row = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            msg = f"no session {session_id!r} in {self.path}; leave --session out to start a new one"
            raise SessionNotFoundError(msg)
        return SessionInfo(id=row["id"], created=row["created"], updated=row["updated"], title=row["title"],
                           dataset=row["dataset"], state=json.loads(row["state"]))

    def exists(self, session_id: str) -> bool:
        """Whether the session exists."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def list(self, limit: int = 50) -> list[SessionInfo]:
        """The most recently updated sessions, newest first."""
        with self._lock:
            ids = [r["id"] for r in self._db.execute("SELECT id FROM sessions ORDER BY updated DESC LIMIT ?", (limit,))]
        return [self.get(i) for i in ids]

    def update(self, session_id: str, *, dataset: str | None = None, state: dict[str, Any] | None = None) -> None:
        """Set a session's dataset and/or merge keys into its state (None leaves a field as it is)."""
        info = self.get(session_id)
        merged = {**info.state, **(state or {})}
        with self._lock, self._db:
            self._db.execute("UPDATE sessions SET dataset = ?, state = ?, updated = ? WHERE id = ?",
                             (dataset if dataset is not None else info.dataset, json.dumps(merged), time.time(),
                              session_id))

    # -- messages ------------------------------------------------------------------------------

    def add_message(self, session_id: str, role: Role, content: str, meta: dict[str, Any] | None = None) -> Message:
        """Append a message to the session."""
        self.get(session_id)
        now = time.time()
        with self._lock, self._db:
            cur = self._db.execute("INSERT INTO messages (session_id, role, content, meta, created) VALUES (?, ?, ?, ?, ?)",
                                   (session_id, role, content, json.dumps(meta or {}, default=str), now))
            self._db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))
        return Message(seq=int(cur.lastrowid or 0), role=role, content=content, meta=meta or {}, created=now)

    def messages(self, session_id: str) -> list[Message]:
        """The session's messages, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)).fetchall()
        return [Message(seq=r["seq"], role=r["role"], content=r["content"], meta=json.loads(r["meta"]),
                        created=r["created"]) for r in rows]

    # -- the recipe draft ----------------------------------------------------------------------

    def save_draft(self, session_id: str, draft: RecipeDraft) -> None:
        """Store the session's draft (all its versions)."""
        now = time.time()
        with self._lock, self._db:
            self._db.execute("INSERT INTO drafts (session_id, draft, updated) VALUES (?, ?, ?) "
                             "ON CONFLICT(session_id) DO UPDATE SET draft = excluded.draft, updated = excluded.updated",
                             (session_id, draft.model_dump_json(), now))
            self._db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))

    def load_draft(self, session_id: str) -> RecipeDraft | None:
        """The session's draft, or None when it has none yet."""
        with self._lock:
            row = self._db.execute("SELECT draft FROM drafts WHERE session_id = ?", (session_id,)).fetchone()
        return None if row is None else RecipeDraft.model_validate_json(row["draft"])

    # -- runs ----------------------------------------------------------------------------------

    def record_run(self, session_id: str, run_id: str, status: str, summary: str = "") -> None:
        """Add or update a run the session started."""
        with self._lock, self._db:
            self._db.execute("INSERT INTO runs (run_id, session_id, status, summary, created) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT(run_id) DO UPDATE SET status = excluded.status, summary = excluded.summary",
                             (run_id, session_id, status, summary, time.time()))

    def track_run(self, session_id: str, state: RunState, runs: RunManager) -> None:
        """Record a run the session started, as ``state`` says; if it was still running, read it again from
        ``runs`` so that a run which ended in between is not left marked running (see :meth:`finish_run`)."""
        self.record_run(session_id, state.run_id, state.status, run_summary(state))
        if state.status == "running":
            now = runs.get(state.run_id)
            if now.status != "running":
                self.record_run(session_id, now.run_id, now.status, run_summary(now))

    def finish_run(self, state: RunState) -> bool:
        """Set the final status of a run a session started (a run manager's ``on_finish`` listener);
        False when no session started it."""
        with self._lock, self._db:
            cur = self._db.execute("UPDATE runs SET status = ?, summary = ? WHERE run_id = ?",
                                   (state.status, run_summary(state), state.run_id))
        return cur.rowcount > 0

    def runs(self, session_id: str) -> list[RunEntry]:
        """The session's runs, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM runs WHERE session_id = ? ORDER BY created", (session_id,)).fetchall()
        return [RunEntry(run_id=r["run_id"], status=r["status"], summary=r["summary"], created=r["created"])
                for r in rows]
