"""The free agent: LangChain's ``create_agent`` over the tools, for a capable model.

Each tool of :func:`~recipe_copilot.tools.tool_schemas` becomes a LangChain ``StructuredTool``
with the tool's own JSON schema; calling it goes through the registry's ``call_tool`` (the path
the API and tests use) and returns the result as JSON. Model mistakes go back to the model
(STYLE rule 8): arguments that do not fit come back as a ``bad_request`` result, and a tool
call whose arguments are not even JSON is turned into a call that answers with that error
(:func:`repair_invalid_tool_calls`), so the model can try again. The code, not the prompt,
keeps a full run behind the user's consent: ``run_recipe`` gets ``confirmed`` from the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from recipe_copilot.copilot.agent.prompting import agent_prompt
from recipe_copilot.copilot.agent.turn import Turn
from recipe_copilot.copilot.events import AnswerDelta, Event, FinalAnswer, StepStarted
from recipe_copilot.tools import all_tools

__all__ = ["RAW_ARGUMENTS", "FreeAgent", "build_tools", "repair_invalid_tool_calls"]

#: the argument that carries a tool call's unparsable arguments to the tool, which answers with the error
RAW_ARGUMENTS = "__raw_arguments__"
_MAX_TOOL_OUTPUT = 6000
_SOURCE_TOOLS = {"validate_recipe", "dry_run", "run_recipe"}
_RECURSION_LIMIT = 40


def build_tools(turn: Turn, sink: list[Event]) -> list[Any]:
    """LangChain tools over the registry, bound to ``turn``; the events they cause go to ``sink``.

    Args:
        turn: the turn whose tool context, draft and consent the tools use.
        sink: where each call's events (ToolCalled, ToolReturned, RecipeUpdated, DryRunDone) go.

    Returns:
        One ``StructuredTool`` per registered tool.
    """
    from langchain_core.tools import StructuredTool

    out = []
    for spec in all_tools():
        out.append(StructuredTool(name=spec.name, description=spec.description, args_schema=spec.request.model_json_schema(),
                                  func=_runner(turn, sink, spec.name)))
    return out


def _runner(turn: Turn, sink: list[Event], name: str) -> Callable[..., str]:
    def run(**kwargs: Any) -> str:
        arguments: dict[str, Any] | str = kwargs
        if RAW_ARGUMENTS in kwargs:
            arguments = str(kwargs[RAW_ARGUMENTS])
        else:
            arguments = _with_session_defaults(turn, name, dict(kwargs))
        sink.extend(turn.call(name, arguments))
        return _as_text(turn.results[name])

    return run


def _with_session_defaults(turn: Turn, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The session's own draft for drafting tools and where a source is left out; the turn's consent for a run."""
    if name in ("propose_recipe", "edit_recipe"):  # a session has one draft: its own
        args["draft_id"] = turn.draft_id
    if name in _SOURCE_TOOLS and not args.get("source"):
        args["source"] = {"draft_id": turn.draft_id}
    if name == "run_recipe":
        args["confirmed"] = turn.confirm
    return args


def _as_text(result: Any) -> str:
    text = result.model_dump_json(exclude_none=True, exclude_defaults=True) or "{}"
    if '"ok"' not in text:
        text = '{"ok":true,' + text[1:] if text != "{}" else '{"ok":true}'
    if len(text) > _MAX_TOOL_OUTPUT:
        text = text[:_MAX_TOOL_OUTPUT] + f'... [cut at {_MAX_TOOL_OUTPUT} characters]'
    return text


def repair_invalid_tool_calls(message: Any) -> Any | None:
    """A copy of an AI message whose unparsable tool calls are calls carrying their raw arguments.

    Args:
        message: the model's ``AIMessage``.

    Returns:
        The repaired message (same id, so it replaces the original in the agent's state), or
        None when there was nothing to repair.
    """
    invalid = list(getattr(message, "invalid_tool_calls", None) or [])
    if not invalid:
        return None
    calls = list(message.tool_calls)
    for i, bad in enumerate(invalid):
        calls.append({"name": bad.get("name") or "unknown_tool", "args": {RAW_ARGUMENTS: bad.get("args") or ""},
                      "id": bad.get("id") or f"invalid_{i}", "type": "tool_call"})
    return message.model_copy(update={"tool_calls": calls, "invalid_tool_calls": []})


def _middleware() -> list[Any]:
    from langchain.agents.middleware import after_model

    @after_model
    def repair_tool_calls(state: Any, runtime: Any) -> dict[str, Any] | None:
        fixed = repair_invalid_tool_calls(state["messages"][-1])
        return None if fixed is None else {"messages": [fixed]}

    return [repair_tool_calls]


class FreeAgent:
    """The agent mode: a LangChain tool-calling agent over the tools.

    Args:
        model: a function giving the LangChain chat model (it must support tool calling).
    """

    def __init__(self, model: Callable[[], Any]) -> None:
        """Remember how to get the model."""
        self._model_factory = model
        self._model: Any = None

    def run(self, turn: Turn, message: str) -> Iterator[Event]:
        """Answer one message with the agent loop; yield its events, ending with a FinalAnswer.

        Args:
            turn: the turn's collaborators and state.
            message: the user's words.
        """
        from langchain.agents import create_agent
        from langchain_core.messages import AIMessage, AIMessageChunk

        if self._model is None:
            self._model = self._model_factory()
        sid = turn.session.id
        yield StepStarted(session_id=sid, step="agent", title="the agent works with the tools")
        sink: list[Event] = []
        confirmation = ("The user has confirmed a full run for this message." if turn.confirm
                        else "The user has not confirmed a full run.")
        system = agent_prompt(draft_id=turn.draft_id, dataset=turn.dataset or "not given; ask for it",
                              confirmation=confirmation)
        agent = create_agent(self._model, build_tools(turn, sink), system_prompt=system, middleware=_middleware())
        history = [(m.role if m.role == "user" else "ai", m.content) for m in turn.store.messages(sid)
                   if m.role in ("user", "assistant")]
        final = ""
        streamed = False
        for mode, payload in agent.stream({"messages": history}, {"recursion_limit": _RECURSION_LIMIT},
                                          stream_mode=["updates", "messages"]):
            if mode == "messages":
                chunk, _meta = payload
                if isinstance(chunk, AIMessageChunk) and isinstance(chunk.content, str) and chunk.content \
                        and not chunk.tool_call_chunks:
                    streamed = True
                    yield AnswerDelta(session_id=sid, text=chunk.content)
                continue
            yield from sink
            sink.clear()
            for update in (payload or {}).values():
                for msg in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                    if isinstance(msg, AIMessage) and not msg.tool_calls and isinstance(msg.content, str):
                        final = msg.content
        yield from sink
        if final and not streamed:
            yield AnswerDelta(session_id=sid, text=final)
        turn.store.add_message(sid, "assistant", final, {"citations": turn.citations})
        yield FinalAnswer(session_id=sid, text=final, citations=turn.citations,
                          needs_confirmation=turn.last_dry_run is not None and not turn.confirm)

