"""Background runs: start a recipe on the engine in a thread, follow its progress, cancel it.

The run itself is the engine's executor, exactly as ``copilot run`` builds it
(``executor_for(recipe.executor_type)``); this module only owns the thread, the progress
numbers the executor reports through its :class:`~recipe_copilot.engine.executors.ProgressEvent`
callback, and the run's state, kept as ``<root>/.copilot/runs/<run_id>.json`` so a run can be
looked up after the process that ran it is gone. Cancelling sets the executor's
``cancel_requested``: the run stops after the chunk in hand, keeps its checkpoint, and can be
finished with ``resume``. A finished run is added to the knowledge index when one is given.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from recipe_copilot.engine.errors import RunCancelled
from recipe_copilot.engine.executors import Executor, ProgressEvent, executor_for
from recipe_copilot.engine.recipe import Recipe
from recipe_copilot.engine.runrecord import RunRecord
from recipe_copilot.tools.errors import RunBusyError, RunNotFoundError, RunStateError, ToolError, as_tool_error
from recipe_copilot.tools.workspace import Workspace

__all__ = ["RunManager", "RunState", "RunStatus"]

log = logging.getLogger(__name__)

RunStatus = Literal["running", "ok", "failed", "cancelled", "interrupted"]
_ACTIVE = ("running",)
_SAVE_EVERY_S = 2.0


class RunState(BaseModel):
    """Where a background run stands."""

    run_id: str
    status: RunStatus = "running"
    project_name: str = ""
    recipe: dict[str, Any] = Field(default_factory=dict, description="The recipe as given (workspace paths).")
    max_samples: int | None = None
    resume: bool = False
    started: float = Field(default_factory=time.time)
    finished: float | None = None
    stage: int = Field(0, description="Current stage, 0-based.")
    stages: int = 0
    stage_label: str = ""
    bytes_done: int = Field(0, description="Bytes of the current stage's input done.")
    total_bytes: int = Field(0, description="Bytes of the current stage's input.")
    rows_done: int = Field(0, description="Rows out of the current stage so far.")
    progress: float = Field(0.0, description="Rough fraction of the whole run done, 0 to 1.")
    record_path: str | None = Field(None, description="The run's run.json (relative to the root) once it ended.")
    engine_run_id: str | None = None
    rows_in: int = 0
    rows_out: int = 0
    errors: int = 0
    outputs: list[str] = Field(default_factory=list)
    error: ToolError | None = None
    indexed: bool = Field(False, description="Whether the finished run was added to the knowledge index.")
    notes: list[str] = Field(default_factory=list)

    @property
    def elapsed(self) -> float:
        """Seconds since the start (to the end, once it ended)."""
        return (self.finished or time.time()) - self.started


class _Handle:
    """A run in this process: its state, executor, thread and a lock over the state."""

    def __init__(self, state: RunState, executor: Executor) -> None:
        self.state = state
        self.executor = executor
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_save = 0.0

    def snapshot(self) -> RunState:
        with self.lock:
            return self.state.model_copy(deep=True)


class RunManager:
    """Runs recipes in background threads of this process, for one workspace.

    Args:
        workspace: the workspace (run states go to its ``.copilot/runs``).
        knowledge: a :class:`~recipe_copilot.knowledge.KnowledgeIndex` to add finished runs to.
        max_active: how many runs may go at once (a second one is refused with ``run_busy``).
    """

    def __init__(self, workspace: Workspace, *, knowledge: Any = None, max_active: int = 1) -> None:
        """Set up an empty manager."""
        self.workspace = workspace
        self.knowledge = knowledge
        self.max_active = max_active
        self._handles: dict[str, _Handle] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[RunState], None]] = []

    def on_finish(self, listener: Callable[[RunState], None]) -> None:
        """Call ``listener(state)`` in the run's thread each time a run ends (ok, failed or cancelled).

        A listener that raises is logged and does not affect the run or the other listeners.
        """
        self._listeners.append(listener)

    @property
    def folder(self) -> Path:
        """Where run states are kept."""
        return self.workspace.state_dir / "runs"

    # ----------------------------------------------------------------- starting
    def start(self, recipe: Recipe, mapping: dict[str, Any], *, resume: bool = False,
              max_samples: int | None = None, notes: list[str] | None = None) -> RunState:
        """Start ``recipe`` in a background thread and return its state at once.

        Args:
            recipe: the validated recipe (absolute, confined paths).
            mapping: the recipe as the caller gave it, kept in the state.
            resume: continue from the checkpoint of the same recipe and input.
            max_samples: only process the first N input samples.
            notes: remarks to keep with the state (validation warnings).

        Raises:
            RunBusyError: ``max_active`` runs are still going.
        """
        with self._lock:
            active = [h.state.run_id for h in self._handles.values() if not h.done.is_set()]
            if len(active) >= self.max_active:
                msg = f"run {active[0]} is still going; only {self.max_active} run(s) at a time in this workspace"
                raise RunBusyError(msg, hint="Wait for it with run_status, or stop it with cancel_run.", active=active)
            run_id = time.strftime("run-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
            state = RunState(run_id=run_id, project_name=recipe.project_name, recipe=mapping,
                             max_samples=max_samples, resume=resume, notes=list(notes or []))
            executor = executor_for(recipe.executor_type)(recipe, resume=resume, max_samples=max_samples)
            handle = _Handle(state, executor)
            executor.progress = functools.partial(self._on_progress, handle)
            self._handles[run_id] = handle
        self._save(handle.snapshot())
        handle.thread = threading.Thread(target=self._work, args=(handle,), name=f"copilot-{run_id}", daemon=True)
        handle.thread.start()
        return handle.snapshot()

    def _on_progress(self, handle: _Handle, event: ProgressEvent) -> None:
        with handle.lock:
            s = handle.state
            s.stage, s.stages, s.total_bytes, s.bytes_done, s.rows_done = (
                event.stage, event.stages, event.total_bytes, event.bytes_done, event.rows_done)
            if event.label:
                s.stage_label = event.label
            frac = min(event.bytes_done / event.total_bytes, 1.0) if event.total_bytes else 0.0
            s.progress = round((event.stage + frac) / max(event.stages, 1), 4)
            save = time.monotonic() - handle.last_save > _SAVE_EVERY_S
        if save:
            handle.last_save = time.monotonic()
            self._save(handle.snapshot())

    def _work(self, handle: _Handle) -> None:
        record: RunRecord | None = None
        error: ToolError | None = None
        cancelled = False
        try:
            record = handle.executor.run()
        except RunCancelled:
            cancelled = True
        except Exception as exc:  # a run must never take the process down; it ends as failed
            error = as_tool_error(exc)
            if error is None:
                log.exception("run %s failed", handle.state.run_id)
                error = ToolError(code="internal_error", message=f"{type(exc).__name__}: {exc}",
                                  hint="This is a bug in recipe-copilot; the log has the traceback.")
        with handle.lock:
            s = handle.state
            s.finished = time.time()
            if record is not None:
                self._fill_from_record(s, record, handle.executor.recipe.resolved_work_dir)
            elif cancelled:
                s.status = "cancelled"
                s.notes.append("cancelled; finished shards are kept: start it again with resume=true to finish")
            else:
                s.status, s.error = "failed", error
        if record is not None:
            self._index(handle, record)
        final = handle.snapshot()
        self._save(final)
        for listener in list(self._listeners):  # before done: whoever waits for the run sees what they did
            try:
                listener(final)
            except Exception:  # a front door's bookkeeping must not break the run
                log.exception("a listener of run %s failed", final.run_id)
        handle.done.set()

    def _fill_from_record(self, s: RunState, record: RunRecord, work_dir: Path) -> None:
        s.status = "ok"
        s.progress = 1.0
        s.engine_run_id = record.run_id
        s.record_path = self.workspace.relative(work_dir / "runs" / record.run_id / "run.json")
        s.rows_in, s.rows_out, s.errors = record.rows_in, record.rows_out, record.errors
        s.outputs = [self.workspace.relative(p) for p in record.outputs]

    def _index(self, handle: _Handle, record: RunRecord) -> None:
        if self.knowledge is None:
            return
        path = self.workspace.root / str(handle.state.record_path)
        try:
            self.knowledge.add_run(path)
        except Exception as exc:  # the run succeeded; indexing is a bonus, reported, never fatal
            error = as_tool_error(exc)
            if error is None:
                log.exception("indexing run %s failed", record.run_id)
            with handle.lock:
                handle.state.notes.append(f"not added to the knowledge index: {exc}")
            return
        with handle.lock:
            handle.state.indexed = True

    # ----------------------------------------------------------------- state
    def _save(self, state: RunState) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{state.run_id}.json"
        tmp = path.with_name(f".{state.run_id}.{threading.get_ident()}.tmp")
        tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
        os.replace(tmp, path)

    def get(self, run_id: str) -> RunState:
        """The state of run ``run_id``: live for runs of this process, else as last saved.

        Raises:
            RunNotFoundError: no run has this id.
        """
        handle = self._handles.get(run_id)
        if handle is not None:
            return handle.snapshot()
        path = self.folder / f"{run_id}.json"
        if "/" in run_id or not path.is_file():
            known = self.run_ids()
            msg = f"no run with id {run_id!r}; runs in this workspace: {', '.join(known[-5:]) or 'none'}"
            raise RunNotFoundError(msg, hint="Use the run_id that run_recipe returned.", runs=known[-5:])
        state = RunState.model_validate_json(path.read_text(encoding="utf-8"))
        if state.status in _ACTIVE:  # saved while running by a process that is gone
            state.status = "interrupted"
            state.notes.append("the process running it stopped; start it again with resume=true to finish")
        return state

    def run_ids(self) -> list[str]:
        """Ids of every run of this workspace, oldest first."""
        ids = set(self._handles)
        if self.folder.is_dir():
            ids |= {p.stem for p in self.folder.glob("run-*.json")}
        return sorted(ids)

    def cancel(self, run_id: str) -> RunState:
        """Ask run ``run_id`` to stop after the chunk in hand.

        Raises:
            RunNotFoundError: no run has this id.
            RunStateError: the run already ended.
        """
        state = self.get(run_id)
        handle = self._handles.get(run_id)
        if handle is None or handle.done.is_set():
            msg = f"run {run_id} has already ended (status {state.status}); there is nothing to cancel"
            raise RunStateError(msg, hint="Use run_status or explain_run to see how it ended.", status=state.status)
        handle.executor.cancel_requested = True
        with handle.lock:
            if "cancel requested" not in handle.state.notes:
                handle.state.notes.append("cancel requested")
        return handle.snapshot()

    def wait(self, run_id: str, timeout: float | None = None) -> RunState:
        """Wait up to ``timeout`` seconds (None: forever) for the run to end; return its state."""
        handle = self._handles.get(run_id)
        if handle is not None:
            handle.done.wait(timeout)
        return self.get(run_id)
