"""Every failure a tool reports on purpose, and the typed error result the caller receives.

A tool never lets one of these escape: the :func:`~recipe_copilot.tools.registry.tool`
wrapper turns it (and the engine's and the knowledge index's deliberate errors) into a
:class:`ToolError` inside the tool's result, with ``ok=False``. Only defects in our own code
propagate as exceptions.

Hierarchy (``code`` in brackets)::

    ToolFailure                    base of all of them; never raised itself
    ├── BadRequestError            [bad_request] the arguments do not fit the tool's input model
    ├── WorkspacePathError         [path_outside_workspace] a path resolves outside the workspace root
    ├── PathNotFoundError          [not_found] a path inside the workspace does not exist
    ├── RecipeInvalidError         [unknown_op | bad_param | bad_global_key | recipe_syntax] a recipe fails validation
    ├── DatasetUnreadableError     [dataset_error] input data cannot be found, read or recognised
    ├── DependencyMissingError     [missing_dependency] an op needs a package that is not installed
    ├── NotProfilableError         [not_profilable] an op has no numeric stat to profile or threshold
    ├── DraftError                 a recipe draft cannot be found or edited
    │   ├── DraftNotFoundError     [unknown_draft] no draft has this id
    │   ├── EditError              [bad_edit] an edit names a position, op or parameter that is not there
    │   └── NothingToUndoError     [nothing_to_undo] undo/redo/revert has no version to go to
    ├── RunError                   a run cannot be started, found or changed
    │   ├── ConfirmationRequiredError [needs_confirmation] a full run was asked without confirmed=true
    │   ├── RunNotFoundError       [unknown_run] no run (id or run.json) by this reference
    │   ├── RunStateError          [run_state] the run is not in a state that allows this (e.g. cancel a finished run)
    │   ├── RunBusyError           [run_busy] another run is still going in this workspace
    │   └── CheckpointMismatchError [checkpoint_mismatch] resume found a checkpoint of another recipe or input
    └── KnowledgeUnavailableError  [knowledge_unavailable | knowledge_source] the knowledge index cannot answer
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from recipe_copilot.engine.errors import (
    CheckpointError,
    DatasetError,
    EngineError,
    GlobalKeyError,
    MissingDependencyError,
    ParamError,
    RecipeSyntaxError,
    RunCancelled,
    UnknownOpError,
)

__all__ = [
    "BadRequestError",
    "CheckpointMismatchError",
    "ConfirmationRequiredError",
    "DatasetUnreadableError",
    "DependencyMissingError",
    "DraftError",
    "DraftNotFoundError",
    "EditError",
    "KnowledgeUnavailableError",
    "NotProfilableError",
    "NothingToUndoError",
    "PathNotFoundError",
    "RecipeInvalidError",
    "RunBusyError",
    "RunError",
    "RunNotFoundError",
    "RunStateError",
    "ToolError",
    "ToolFailure",
    "WorkspacePathError",
    "as_tool_error",
]


class ToolError(BaseModel):
    """What went wrong, in terms the caller (an agent or a person) can act on."""

    code: str = Field(description="Stable machine-readable kind of error, e.g. unknown_op or needs_confirmation.")
    message: str = Field(description="What happened, naming the bad value.")
    hint: str = Field("", description="What to do about it.")
    details: dict[str, Any] = Field(default_factory=dict, description="Structured extras (suggestions, paths, sizes).")


class ToolFailure(Exception):
    """Base class; a tool raises a subclass and its wrapper returns it as a :class:`ToolError`.

    Args:
        message: what happened, naming the bad value.
        hint: what to do about it.
        code: overrides the class's default code (e.g. ``unknown_op`` for a recipe error).
        details: structured extras for the caller.
    """

    code: ClassVar[str] = "tool_error"

    def __init__(self, message: str, *, hint: str = "", code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.error_code = code or self.code
        self.details = details

    def to_error(self) -> ToolError:
        """This failure as the typed error a result carries."""
        return ToolError(code=self.error_code, message=self.message, hint=self.hint, details=self.details)


class BadRequestError(ToolFailure):
    """Raised when a tool's arguments do not validate against its input model, or name an unknown tool."""

    code = "bad_request"


class WorkspacePathError(ToolFailure):
    """Raised when a path (after ``..`` and symlinks are resolved) lies outside the workspace root."""

    code = "path_outside_workspace"


class PathNotFoundError(ToolFailure):
    """Raised when a path inside the workspace that must exist does not."""

    code = "not_found"


class RecipeInvalidError(ToolFailure):
    """Raised when a recipe fails validation; ``code`` says which part (op name, parameter, key, syntax)."""

    code = "invalid_recipe"


class DatasetUnreadableError(ToolFailure):
    """Raised when the input data cannot be found, opened or recognised."""

    code = "dataset_error"


class DependencyMissingError(ToolFailure):
    """Raised when an op of the recipe needs an optional package that is not installed."""

    code = "missing_dependency"


class NotProfilableError(ToolFailure):
    """Raised when profile_dataset or suggest_thresholds is given an op without a numeric stat."""

    code = "not_profilable"


class DraftError(ToolFailure):
    """Base of the errors about recipe drafts."""

    code = "draft_error"


class DraftNotFoundError(DraftError):
    """Raised when no draft has the requested id."""

    code = "unknown_draft"


class EditError(DraftError):
    """Raised when an edit names a position, op or parameter the draft does not have."""

    code = "bad_edit"


class NothingToUndoError(DraftError):
    """Raised when undo, redo or revert has no version to go to."""

    code = "nothing_to_undo"


class RunError(ToolFailure):
    """Base of the errors about runs."""

    code = "run_error"


class ConfirmationRequiredError(RunError):
    """Raised when a full run is asked for without ``confirmed=true``; details carry the input size."""

    code = "needs_confirmation"


class RunNotFoundError(RunError):
    """Raised when a run reference is neither a known run id nor a run.json in the workspace."""

    code = "unknown_run"


class RunStateError(RunError):
    """Raised when a run is not in a state that allows the request (cancel a finished run...)."""

    code = "run_state"


class RunBusyError(RunError):
    """Raised when a run is asked for while the workspace's run slots are all taken."""

    code = "run_busy"


class CheckpointMismatchError(RunError):
    """Raised when ``resume`` finds a checkpoint made by another recipe or input."""

    code = "checkpoint_mismatch"


class KnowledgeUnavailableError(ToolFailure):
    """Raised when the knowledge index cannot be opened, or a document in it cannot be read."""

    code = "knowledge_unavailable"


_ENGINE_CODES: tuple[tuple[type[EngineError], type[ToolFailure], str, str], ...] = (
    (UnknownOpError, RecipeInvalidError, "unknown_op", "Use one of the suggested names, or search_ops to find an op."),
    (ParamError, RecipeInvalidError, "bad_param", "Call get_op with the op's name to see its parameters and bounds."),
    (GlobalKeyError, RecipeInvalidError, "bad_global_key", "Fix or remove the key; recipe keys are Data-Juicer's."),
    (RecipeSyntaxError, RecipeInvalidError, "recipe_syntax", "Give the recipe as a mapping with a `process` list."),
    (DatasetError, DatasetUnreadableError, "dataset_error", "Check the path with inspect_dataset."),
    (MissingDependencyError, DependencyMissingError, "missing_dependency",
     "Install the package named in the message, or use another op."),
    (CheckpointError, CheckpointMismatchError, "checkpoint_mismatch",
     "Run again with resume=false to start over."),
    (RunCancelled, RunStateError, "cancelled", "Start the run again with resume=true to finish it."),
)


def as_tool_error(exc: BaseException) -> ToolError | None:
    """The typed error for a deliberate failure of a tool, the engine or the knowledge index.

    Args:
        exc: the exception caught.

    Returns:
        The error to put in the result, or None when ``exc`` is not deliberate (a bug).
    """
    if isinstance(exc, ToolFailure):
        return exc.to_error()
    if isinstance(exc, EngineError):
        for engine_cls, tool_cls, code, hint in _ENGINE_CODES:
            if isinstance(exc, engine_cls):
                details = {"suggestions": exc.suggestions} if isinstance(exc, UnknownOpError) else {}
                return tool_cls(str(exc), hint=hint, code=code, **details).to_error()
        return ToolError(code="engine_error", message=str(exc))
    return _knowledge_error(exc)


def _knowledge_error(exc: BaseException) -> ToolError | None:
    # the knowledge package needs its extra (pydantic-settings, chromadb): only look at it if
    # it was imported, which it must have been for one of its errors to exist
    if "recipe_copilot.knowledge.errors" not in sys.modules:
        return None
    from recipe_copilot.knowledge.errors import InvalidQueryError, KnowledgeError, KnowledgeSourceError

    if isinstance(exc, InvalidQueryError):
        return BadRequestError(str(exc), hint="Give a non-empty query and a k between 1 and 100.").to_error()
    if isinstance(exc, KnowledgeSourceError):
        return KnowledgeUnavailableError(str(exc), code="knowledge_source").to_error()
    if isinstance(exc, KnowledgeError):
        hint = "Run `copilot index` to build the index, or check COPILOT_DATA_DIR / COPILOT_CHROMA_URL."
        return KnowledgeUnavailableError(str(exc), hint=hint).to_error()
    return None
