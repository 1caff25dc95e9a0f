"""What both modes share within one turn: calling a tool, and turning its result into events.

A :class:`Turn` holds the collaborators of one user message: the tool context, the session
store, the session, and whether the user has consented to a full run. :meth:`Turn.call`
calls a tool through the registry (the same path as the API and tests), yields
:class:`~recipe_copilot.copilot.events.ToolCalled` / ``ToolReturned`` events and, when the
recipe draft or a dry run changed, ``RecipeUpdated`` / ``DryRunDone``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from recipe_copilot.copilot.events import (
    DryRunDone,
    Event,
    OpCount,
    RecipeUpdated,
    SampleExample,
    ToolCalled,
    ToolReturned,
)
from recipe_copilot.copilot.sessions import SessionInfo, SessionStore
from recipe_copilot.tools import ToolContext, ToolResult, call_tool
from recipe_copilot.tools.drafts import op_items, recipe_yaml
from recipe_copilot.tools.errors import DraftNotFoundError

__all__ = ["Turn", "dry_run_event", "summarise"]

#: tools whose success changes the session's draft
_DRAFT_TOOLS = {"propose_recipe", "edit_recipe"}


@dataclass
class Turn:
    """One user message being answered.

    Args:
        ctx: the tool context (workspace, drafts, runs, knowledge).
        store: the session store.
        session: the session.
        confirm: the user consented to a full run in this turn (``--yes``).
    """

    ctx: ToolContext
    store: SessionStore
    session: SessionInfo
    confirm: bool = False
    #: the latest result per tool name in this turn
    results: dict[str, ToolResult] = field(default_factory=dict)
    #: op docs, bundled recipes and runs the turn relied on
    citations: list[str] = field(default_factory=list)
    last_dry_run: DryRunDone | None = None

    @property
    def draft_id(self) -> str:
        """The draft the session edits: its own id."""
        return self.session.id

    @property
    def dataset(self) -> str | None:
        """The dataset the session works on (workspace-relative)."""
        return self.session.dataset

    def has_draft(self) -> bool:
        """Whether the session has a recipe yet."""
        return self.ctx.drafts.exists(self.draft_id)

    def recipe(self) -> dict[str, Any]:
        """The current recipe of the session ({} when there is none yet)."""
        try:
            return self.ctx.drafts.get(self.draft_id).recipe
        except DraftNotFoundError:
            return {}

    def cite(self, *refs: str) -> None:
        """Remember sources the answer rests on (kept once each, in order)."""
        for ref in refs:
            if ref and ref not in self.citations:
                self.citations.append(ref)

    def call(self, name: str, arguments: dict[str, Any] | str, *, call_id: str | None = None) -> Iterator[Event]:
        """Call a tool and yield what happened; the result is in ``self.results[name]`` afterwards.

        Args:
            name: the tool.
            arguments: its arguments, as a mapping or JSON text (as a model sent them).
            call_id: the model's id for the call, if any.

        Yields:
            ToolCalled, ToolReturned, then RecipeUpdated and/or DryRunDone when they apply.
        """
        sid = self.session.id
        shown: dict[str, Any] | str = arguments
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments)
                shown = parsed if isinstance(parsed, dict) else arguments
            except ValueError:
                shown = arguments
        yield ToolCalled(session_id=sid, tool=name, arguments=shown, call_id=call_id)
        result = call_tool(self.ctx, name, arguments)
        self.results[name] = result
        error = None if result.error is None else f"{result.error.message} ({result.error.hint})".replace(" ()", "")
        yield ToolReturned(session_id=sid, tool=name, ok=result.ok, summary=summarise(name, result), error=error,
                           call_id=call_id)
        if not result.ok:
            return
        self._cite_from(name, result)
        if name in _DRAFT_TOOLS and self.has_draft():
            draft = self.ctx.drafts.get(self.draft_id)
            self.store.save_draft(sid, draft)
            version = draft.versions[draft.current]
            yield RecipeUpdated(session_id=sid, recipe=draft.recipe, yaml=recipe_yaml(draft.recipe),
                                version=draft.current, note=version.note)
        if name == "dry_run":
            self.last_dry_run = dry_run_event(result, sid)
            yield self.last_dry_run
        if name in ("run_recipe", "run_status") and getattr(result, "run", None) is not None:
            self.store.track_run(sid, result.run, self.ctx.runs)  # type: ignore[attr-defined]

    def _cite_from(self, name: str, result: ToolResult) -> None:
        if name == "propose_recipe":
            self.cite(*(f"op:{c.op}" for c in result.choices))  # type: ignore[attr-defined]
            self.cite(*(f"recipe:{r}" for r in result.cited_recipes))  # type: ignore[attr-defined]
        elif name == "search_ops":
            self.cite(*(f"op:{o.name}" for o in result.ops))  # type: ignore[attr-defined]
        elif name == "get_op" and result.op is not None:  # type: ignore[attr-defined]
            self.cite(f"op:{result.op.name}")  # type: ignore[attr-defined]
        elif name == "search_recipes":
            self.cite(*(f"recipe:{r.name}" for r in result.recipes))  # type: ignore[attr-defined]
        elif name in ("compare_runs", "explain_run"):
            self.cite(f"run:{getattr(result, 'run_id', '') or 'earlier run'}")


def _example_text(row: Any) -> str:
    """The text of a dry run's example: a sample, a duplicate pair's dropped side, a mapper's before/after."""
    if not isinstance(row, dict):
        return str(row)
    if "before" in row:
        return f"{row['before']} → {row.get('after', '')}"
    if "dup1" in row:
        return _example_text(row["dup1"])
    text = row.get("text")
    return text if isinstance(text, str) else json.dumps(row, ensure_ascii=False, default=str)[:300]


def dry_run_event(result: Any, session_id: str | None) -> DryRunDone:
    """A :class:`DryRunDone` from a ``dry_run`` tool result."""
    estimate = getattr(result, "estimate", None)
    examples = [SampleExample(verdict=verdict, op=o.name, text=_example_text(row))  # type: ignore[arg-type]
                for o in result.ops
                for verdict, rows in (("dropped", o.dropped), ("duplicate", o.duplicates), ("changed", o.changed))
                for row in rows]
    examples += [SampleExample(verdict="kept", text=_example_text(row)) for row in result.output_examples]
    return DryRunDone(
        session_id=session_id, rows_in=result.rows_in, rows_out=result.rows_out, kept_ratio=result.kept_ratio,
        seconds=result.seconds,
        ops=[OpCount(name=o.name, rows_in=o.rows_in, rows_out=o.rows_out, kept_ratio=o.kept_ratio) for o in result.ops],
        estimated_rows_out=estimate.estimated_rows_out if estimate is not None else None,
        record_path=result.record_path, examples=examples,
    )


def summarise(name: str, result: ToolResult) -> str:
    """One line saying what a tool's result holds."""
    if not result.ok:
        return f"{name} failed: {result.error.code if result.error else 'error'}"
    r: Any = result
    if name == "inspect_dataset":
        return (f"{r.estimated_rows:,} rows ({r.rows_estimate or 'estimate'}), text field {r.text_field!r}, "
                f"mean {r.text_chars.get('mean', 0):.0f} chars")
    if name == "propose_recipe":
        return "ops: " + ", ".join(c.op for c in r.choices) + (f"; unmatched: {r.unmatched}" if r.unmatched else "")
    if name == "edit_recipe":
        ops = ", ".join(name for name, _ in op_items(r.recipe)) or "no ops"
        return f"v{r.version}: " + ("; ".join(r.applied) or f"a recipe with {ops}")
    if name == "validate_recipe":
        return f"valid: {len(r.ops)} op(s)" + (f", {len(r.warnings)} warning(s)" if r.warnings else "")
    if name == "dry_run":
        return f"{r.rows_in} -> {r.rows_out} rows ({r.kept_ratio:.0%} kept) in {r.seconds:.2f}s"
    if name in ("run_recipe", "run_status", "cancel_run"):
        return r.summary
    return "ok"
