"""The session service every front door uses: one message in, a stream of typed events out.

:class:`CopilotService` owns the tool context (workspace, drafts, runs, knowledge) and the
session store, picks the mode (``llm.mode``: ``guided`` on the embedded model, the free
``agent`` on a configured endpoint, unless set), and runs one turn per :meth:`ask`.

Example:
    >>> service = CopilotService()  # doctest: +SKIP
    >>> for event in service.ask(None, "drop short docs and dedup", data="data/web.jsonl"):  # doctest: +SKIP
    ...     print(event.type)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from recipe_copilot.copilot.agent.turn import Turn
from recipe_copilot.copilot.events import ErrorEvent, Event
from recipe_copilot.copilot.sessions import SessionNotFoundError, SessionStore
from recipe_copilot.copilot.settings import CopilotSettings
from recipe_copilot.tools import ToolContext
from recipe_copilot.tools.drafts import RecipeDraft

__all__ = ["CopilotService", "Mode"]

Mode = Literal["guided", "agent"]


class CopilotService:
    """Sessions, tools and the agent, for one workspace.

    Args:
        settings: the copilot settings (default :meth:`CopilotSettings.load`).
        ctx: the tool context (default: one for ``settings.workspace``, drafts kept by the sessions).
        store: the session store (default ``<settings.data_dir>/sessions.sqlite3``).
        model: a function giving the chat model (default: :func:`~recipe_copilot.copilot.llm.chat_model`
            of the settings), called only when a turn needs the model.
        mode: ``guided`` or ``agent`` (default: the settings' resolved mode).
        knowledge: the knowledge index for a default ``ctx`` (None: the default index).
    """

    def __init__(self, settings: CopilotSettings | None = None, *, ctx: ToolContext | None = None,
                 store: SessionStore | None = None, model: Callable[[], Any] | None = None,
                 mode: Mode | None = None, knowledge: Any = None) -> None:
        """Set up the collaborators (nothing heavy is loaded here)."""
        self.settings = settings or CopilotSettings.load()
        self.ctx = ctx or ToolContext.open(self.settings.workspace, knowledge=knowledge, keep_drafts=False)
        self.store = store or SessionStore(Path(self.settings.data_dir) / "sessions.sqlite3")
        self.ctx.runs.on_finish(self.store.finish_run)  # a run's end reaches its session, whoever watches it
        self._model_factory = model or self._default_model
        self._model: Any = None
        self.mode: Mode = mode or self.settings.llm.resolved_mode
        self._workflow: Any = None
        # one turn at a time: the tool context and the (in-process) model are shared by every
        # session, and the servers answer from several threads
        self._turn_lock = threading.Lock()

    def _default_model(self) -> Any:
        from recipe_copilot.copilot.llm import chat_model

        return chat_model(self.settings)

    def model(self) -> Any:
        """The chat model, made once on first use."""
        if self._model is None:
            self._model = self._model_factory()
        return self._model

    def workflow(self) -> Any:
        """The guided workflow or the free agent, by mode."""
        if self._workflow is None:
            if self.mode == "agent":
                from recipe_copilot.copilot.agent.free import FreeAgent

                self._workflow = FreeAgent(self.model)
            else:
                from recipe_copilot.copilot.agent.guided import GuidedWorkflow

                self._workflow = GuidedWorkflow(self.model)
        return self._workflow

    # -- sessions --------------------------------------------------------------------------------

    def draft(self, session_id: str) -> RecipeDraft | None:
        """The session's recipe draft (None before the first recipe)."""
        return self.store.load_draft(session_id)

    def workspace_path(self, path: str | os.PathLike[str]) -> str:
        """``path`` relative to the workspace when it lies inside it (tools refuse paths outside)."""
        root = self.ctx.workspace.root
        candidate = Path(path)
        absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
        try:
            return absolute.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            return str(path)

    # -- one turn --------------------------------------------------------------------------------

    def ask(self, session_id: str | None, message: str, *, data: str | os.PathLike[str] | None = None,
            recipe: str | os.PathLike[str] | None = None, confirm: bool = False) -> Iterator[Event]:
        """Answer one message in a session, yielding the turn's events.

        Args:
            session_id: the session to continue; None starts a new one.
            message: the user's words.
            data: the dataset to work on (remembered by the session).
            recipe: a recipe file to start the session's draft from.
            confirm: the user consents to a full run in this turn.

        Yields:
            Events; the last is a FinalAnswer or an ErrorEvent. Errors of the model or the
            provider become an ErrorEvent; defects in our code raise. Turns run one at a time
            (a second caller waits until the first turn's events are consumed or closed).
        """
        with self._turn_lock:
            yield from self._ask(session_id, message, data=data, recipe=recipe, confirm=confirm)

    def _ask(self, session_id: str | None, message: str, *, data: str | os.PathLike[str] | None,
             recipe: str | os.PathLike[str] | None, confirm: bool) -> Iterator[Event]:
        dataset = self.workspace_path(data) if data is not None else None
        if dataset is not None and Path(dataset).is_absolute():
            yield ErrorEvent(session_id=session_id, message=f"the dataset {str(data)!r} is outside the workspace "
                             f"{self.ctx.workspace.root}",
                             hint="Run from a folder that contains it, or set COPILOT_WORKSPACE to one.")
            return
        try:
            session = self.store.get(session_id) if session_id else self.store.create(dataset=dataset,
                                                                                       title=message)
        except SessionNotFoundError as exc:
            yield ErrorEvent(session_id=session_id, message=str(exc), hint="Leave --session out to start a new one.")
            return
        if dataset is not None and dataset != session.dataset:
            self.store.update(session.id, dataset=dataset)
            session = self.store.get(session.id)
        saved = self.store.load_draft(session.id)
        if saved is not None:
            self.ctx.drafts.put(saved)
        turn = Turn(self.ctx, self.store, session, confirm=confirm)
        self.store.add_message(session.id, "user", message, {"data": dataset, "recipe": str(recipe or "") or None})
        if recipe is not None:
            yield from turn.call("edit_recipe", {"draft_id": turn.draft_id,
                                                 "start_from": {"recipe_path": self.workspace_path(recipe)}})
            result = turn.results["edit_recipe"]
            if not result.ok:
                yield ErrorEvent(session_id=session.id, message=result.error.message, hint=result.error.hint)  # type: ignore[union-attr]
                return
            if session.dataset is None and isinstance(turn.recipe().get("dataset_path"), str):
                self.store.update(session.id, dataset=turn.recipe()["dataset_path"])
                turn.session = self.store.get(session.id)
        yield from self._guarded(turn, message)

    def _guarded(self, turn: Turn, message: str) -> Iterator[Event]:
        """The workflow's events; a provider's or the model's failure ends the turn with an ErrorEvent."""
        from recipe_copilot.copilot.llm.errors import LLMError
        from recipe_copilot.copilot.settings import SettingsError

        try:
            yield from self.workflow().run(turn, message)
        except (LLMError, SettingsError) as exc:
            yield ErrorEvent(session_id=turn.session.id, message=getattr(exc, "message", str(exc)),
                             hint=getattr(exc, "hint", "") or "")
        except Exception as exc:
            from recipe_copilot.copilot.llm.errors import explain_provider_error

            explained = explain_provider_error(exc, base_url=self.settings.llm.resolved_base_url,
                                               model=self.settings.llm.model)
            if explained is None:
                raise
            yield ErrorEvent(session_id=turn.session.id, message=explained.message, hint=explained.hint or "")
