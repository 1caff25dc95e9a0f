"""The typed events one copilot turn yields; every front door (CLI, API, web, Slack) renders these.

A turn is a short loop that yields events as it goes: a step starts, a tool is called and
answers, the recipe changes, a dry run finishes, the answer streams in, the turn ends with a
:class:`FinalAnswer` (or an :class:`ErrorEvent` it could not recover from). Each event is a
pydantic model with a ``type`` tag, so a stream of them is plain JSON lines
(:func:`event_adapter` parses one back).

Example:
    >>> ToolCalled(tool="inspect_dataset", arguments={"path": "data/web.jsonl"}).model_dump()["type"]
    'tool_called'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

__all__ = [
    "AnswerDelta",
    "DryRunDone",
    "ErrorEvent",
    "Event",
    "FinalAnswer",
    "OpCount",
    "RecipeUpdated",
    "RunFinished",
    "SampleExample",
    "StepStarted",
    "ToolCalled",
    "ToolReturned",
    "event_adapter",
]


class _Event(BaseModel):
    """Fields every event has."""

    session_id: str | None = Field(None, description="The session the turn belongs to.")


class StepStarted(_Event):
    """A step of the workflow began (guided mode), or the agent began a turn (agent mode)."""

    type: Literal["step_started"] = "step_started"
    step: str = Field(description="Short machine name: understand, inspect, propose, validate, dry_run, explain...")
    title: str = Field("", description="The step in words, for people.")


class ToolCalled(_Event):
    """A tool is being called."""

    type: Literal["tool_called"] = "tool_called"
    tool: str
    arguments: dict[str, Any] | str = Field(default_factory=dict, description="As sent (text when not valid JSON).")
    call_id: str | None = None


class ToolReturned(_Event):
    """A tool answered (``ok`` false: its typed error, which goes back to the model)."""

    type: Literal["tool_returned"] = "tool_returned"
    tool: str
    ok: bool
    summary: str = Field("", description="One line saying what came back.")
    error: str | None = Field(None, description="The error message and hint when ok is false.")
    call_id: str | None = None


class RecipeUpdated(_Event):
    """The session's recipe draft has a new current version."""

    type: Literal["recipe_updated"] = "recipe_updated"
    recipe: dict[str, Any] = Field(description="The recipe mapping (Data-Juicer keys, with `process`).")
    yaml: str = ""
    version: int = 0
    note: str = Field("", description="What changed.")


class OpCount(BaseModel):
    """What one op did in a dry run."""

    name: str
    rows_in: int
    rows_out: int
    kept_ratio: float


class SampleExample(BaseModel):
    """A sample a dry run dropped, changed or kept, its text cut short."""

    verdict: Literal["dropped", "duplicate", "changed", "kept"]
    op: str = Field("", description="The op that dropped or changed it (empty for kept samples).")
    text: str = Field(description="The text; for a changed sample 'before → after' around the change.")


class DryRunDone(_Event):
    """A dry run on a sample finished."""

    type: Literal["dry_run_done"] = "dry_run_done"
    rows_in: int
    rows_out: int
    kept_ratio: float
    seconds: float = 0.0
    ops: list[OpCount] = Field(default_factory=list)
    estimated_rows_out: int | None = Field(None, description="Rows a full run would keep (estimate).")
    record_path: str = Field("", description="The dry run's run.json, relative to the workspace.")
    examples: list[SampleExample] = Field(default_factory=list, description="Samples it dropped, changed and kept.")


class RunFinished(_Event):
    """A full run (started with the user's consent) ended or was started in the background."""

    type: Literal["run_finished"] = "run_finished"
    run_id: str
    status: str
    summary: str = ""


class AnswerDelta(_Event):
    """A piece of the answer text, as the model writes it."""

    type: Literal["answer_delta"] = "answer_delta"
    text: str


class FinalAnswer(_Event):
    """The turn is over: the whole answer, what it rests on, and whether a full run awaits consent."""

    type: Literal["final_answer"] = "final_answer"
    text: str
    citations: list[str] = Field(default_factory=list, description="Op docs, bundled recipes and runs used.")
    needs_confirmation: bool = Field(False, description="A full run was proposed; it starts only when confirmed.")


class ErrorEvent(_Event):
    """Something failed that the turn could not recover from (a provider error, a missing dataset...)."""

    type: Literal["error"] = "error"
    message: str
    hint: str = ""


Event = Annotated[
    StepStarted | ToolCalled | ToolReturned | RecipeUpdated | DryRunDone | RunFinished | AnswerDelta | FinalAnswer
    | ErrorEvent,
    Field(discriminator="type"),
]


def event_adapter() -> TypeAdapter[Any]:
    """A pydantic adapter that parses any event from a mapping or JSON (``validate_json``)."""
    return TypeAdapter(Event)
