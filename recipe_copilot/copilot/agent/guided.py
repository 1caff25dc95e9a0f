"""The guided workflow: the code drives the steps, a small model does the narrow parts.

For a new request: understand (the model fills :class:`~recipe_copilot.copilot.agent.goals.Goals`,
schema-constrained; rules when it cannot) -> inspect the data -> propose a recipe with
thresholds from the data -> validate -> dry run -> explain (the model writes two sentences
over the dry-run facts; a template when it cannot) -> a full run only with the user's consent.

A follow-up in the same session edits the draft instead: ``undo``/``redo``, ``stricter``/``looser``
(on the op the words point at, or on every filter), ``run it`` (with consent), or new needs
("also dedup"), whose ops are added to the recipe. Every change is validated and dry-run again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Literal

from pydantic import Field, create_model

from recipe_copilot.copilot.agent.goals import Goals, ground, parse_goals, request_words
from recipe_copilot.copilot.agent.prompting import guided_prompt
from recipe_copilot.copilot.agent.turn import Turn
from recipe_copilot.copilot.events import AnswerDelta, ErrorEvent, Event, FinalAnswer, RunFinished, StepStarted
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.ops.base import BIG
from recipe_copilot.tools.drafts import op_items
from recipe_copilot.tools.propose import NEED_HINTS, need_hint, need_kind

__all__ = ["GuidedWorkflow", "classify_followup", "grounded"]

_UNDO = re.compile(r"^\s*(undo|go back|revert( that)?)\b", re.I)
_REDO = re.compile(r"^\s*redo\b", re.I)
_RUN = re.compile(r"^\s*(yes[,!. ]*)?(run|start|launch|go ahead|do it)\b(?!.*\bdry\b)", re.I)
_STRICTER = re.compile(r"\b(stricter|more strict|more aggressive|tighter|harsher)\b", re.I)
_QUESTION = re.compile(r"\?\s*$|^\s*(how (many|much|long)|what|which|why|did|was|were)\b", re.I)
_LOOSER = re.compile(r"\b(looser|less strict|more lenient|less aggressive|gentler|relax)\b", re.I)
#: how a bound moves when the user asks for stricter (a looser one moves by the inverse)
_STRICT_FACTOR = 1.5
_DRY_RUN_ROWS = 500
_EXPLAIN_TOKENS = 80
#: most tokens of the goals form (a small model pads JSON with whitespace when let)
_GOALS_TOKENS = 128
#: search hits the model picks among, for a need the phrasing table does not cover
_PICK_FROM = 3
_PICK_TOKENS = 48
_RUN_WAIT_SECONDS = 60.0
_RUN_MAX_POLLS = 30


def classify_followup(message: str) -> str:
    """What a follow-up asks: ``undo``, ``redo``, ``run``, ``stricter``, ``looser``, ``question`` or ``needs``."""
    for name, pattern in (("undo", _UNDO), ("redo", _REDO), ("run", _RUN), ("stricter", _STRICTER),
                          ("looser", _LOOSER), ("question", _QUESTION)):
        if pattern.search(message):
            return name
    return "needs"


class GuidedWorkflow:
    """The guided mode of the copilot.

    Args:
        model: a function giving the LangChain chat model (called on first need, so a turn
            that needs no model, like ``undo``, never loads one).
    """

    def __init__(self, model: Callable[[], Any]) -> None:
        """Remember how to get the model."""
        self._model_factory = model
        self._model: Any = None

    def model(self) -> Any:
        """The chat model (made on first use)."""
        if self._model is None:
            self._model = self._model_factory()
        return self._model

    def run(self, turn: Turn, message: str) -> Iterator[Event]:
        """Answer one message: yield the turn's events, ending with a FinalAnswer or an ErrorEvent.

        Args:
            turn: the turn's collaborators and state.
            message: the user's words.
        """
        kind = classify_followup(message) if turn.has_draft() else "needs"
        if kind in ("undo", "redo"):
            yield StepStarted(session_id=turn.session.id, step="edit", title=f"{kind} the last change")
            yield from turn.call("edit_recipe", {"draft_id": turn.draft_id, "edits": [{"action": kind}]})
        elif kind == "run":
            yield from self._full_run(turn, asked=True)
            return
        elif kind == "question":
            yield from self._answer_question(turn, message)
            return
        elif kind in ("stricter", "looser"):
            yield from self._adjust(turn, message, stricter=kind == "stricter")
        else:
            goals = yield from self._understand(turn, message)
            if turn.dataset:
                yield StepStarted(session_id=turn.session.id, step="inspect", title="look at the data")
                yield from turn.call("inspect_dataset", {"path": turn.dataset, "n": 2})
            yield from self._propose(turn, goals)
        failed = _last_failure(turn)
        if failed is not None:
            yield failed
            return
        yield from self._check_and_explain(turn, message)

    # -- steps -----------------------------------------------------------------------------------

    def _understand(self, turn: Turn, message: str) -> Iterator[Event]:
        """The request as Goals: the model's (grounded in the request's words), else the rules'."""
        yield StepStarted(session_id=turn.session.id, step="understand", title="turn the request into goals")
        from recipe_copilot.copilot.llm import StructuredOutputError, structured

        messages = [("system", guided_prompt("goals_system")), ("human", guided_prompt("goals_user", request=message))]
        answer = structured(_capped(self.model(), _GOALS_TOKENS), Goals, messages, retries=1)
        goals = None if isinstance(answer, StructuredOutputError) else ground(answer, message)
        rules = parse_goals(message)
        if goals is None or _numbers(rules.needs) - _numbers(goals.needs):
            goals = rules  # none, or the model's needs lost a number the user gave
        else:
            said = set().union(*(request_words(n) for n in goals.needs))
            dropped = [n for n in rules.needs if not request_words(n) & said]  # needs the model left out
            goals = goals.model_copy(update={"needs": goals.needs + dropped, "dedup": goals.dedup or rules.dedup,
                                             "min_words": goals.min_words or rules.min_words,
                                             "language": goals.language or rules.language})
        if goals.dedup and not any(re.search(r"dedup|duplicat", n, re.I) for n in goals.needs):
            goals.needs.append("remove exact duplicates")
        if goals.language and not any(goals.language in n.lower() for n in goals.needs):
            goals.needs.append(f"keep {goals.language} text")
        turn.store.update(turn.session.id, state={"goals": goals.model_dump()})
        return goals

    def _pick(self, turn: Turn, needs: list[str]) -> Iterator[Event]:
        """need -> op the model picked among the search hits, for needs the phrasing table does not cover."""
        from recipe_copilot.copilot.llm import StructuredOutputError, structured

        picks: dict[str, str] = {}
        for need in needs:
            kind = need_kind(need)
            if need_hint(need, kind) is not None:
                continue
            yield from turn.call("search_ops", {"query": need, "type": kind, "k": _PICK_FROM})
            found: Any = turn.results["search_ops"]
            hits = found.ops if found.ok else []
            if len(hits) < 2:
                continue
            choice = create_model("Pick", op=(Literal[tuple(h.name for h in hits)],  # type: ignore[valid-type]
                                              Field(description="The op that does what the need asks.")))
            options = "\n".join(f"- {h.name}: {h.description}" for h in hits)
            messages = [("system", guided_prompt("pick_system")),
                        ("human", guided_prompt("pick_user", need=need, options=options))]
            answer = structured(_capped(self.model(), _PICK_TOKENS), choice, messages, retries=1)
            if not isinstance(answer, StructuredOutputError):
                picks[need] = answer.op  # type: ignore[attr-defined]
        return picks

    def _propose(self, turn: Turn, goals: Goals) -> Iterator[Event]:
        """A first recipe for the goals, or the goals' ops added to the current recipe."""
        yield StepStarted(session_id=turn.session.id, step="propose", title="choose ops and thresholds")
        picks = yield from self._pick(turn, goals.needs)
        args: dict[str, Any] = {"needs": goals.needs, "project_name": _project(turn), "ops": picks}
        if turn.dataset:
            args["dataset"] = turn.dataset
        if not turn.has_draft():
            yield from turn.call("propose_recipe", {**args, "draft_id": turn.draft_id})
            if not turn.results["propose_recipe"].ok:
                return
            edits = _min_words_edits(turn.recipe(), goals)
        else:
            yield from turn.call("propose_recipe", args)
            proposal: Any = turn.results["propose_recipe"]
            if not proposal.ok:
                return
            have = {name for name, _ in op_items(turn.recipe())}
            edits = [{"action": "add_op", "op": c.op, "params": c.params} for c in proposal.choices if c.op not in have]
            edits += _min_words_edits(turn.recipe(), goals)
        if edits:
            yield from turn.call("edit_recipe", {"draft_id": turn.draft_id, "edits": edits})

    def _adjust(self, turn: Turn, message: str, *, stricter: bool) -> Iterator[Event]:
        """Move the bounds of the filters the message points at (all filters when it names none)."""
        yield StepStarted(session_id=turn.session.id, step="edit", title="stricter" if stricter else "looser")
        ops = op_items(turn.recipe())
        named = {op for pattern, op in NEED_HINTS if re.search(pattern, message, re.I)}
        targets = [i for i, (name, _) in enumerate(ops) if name in named] if named else []
        if named and not targets:  # the op is not in the recipe yet: add it, which is stricter
            yield from self._propose(turn, Goals(needs=[message]))
            return
        if not targets:
            targets = [i for i, (name, _) in enumerate(ops) if _kind(name) == "filter"]
        edits = []
        for i in targets:
            name, params = ops[i]
            for param, value in _effective_bounds(name, params).items():
                edits.append({"action": "set_param", "target": i, "param": param,
                              "value": _moved(param, value, stricter=stricter)})
        if not edits:
            yield ErrorEvent(session_id=turn.session.id, message="no filter bound to change in the recipe",
                             hint="Name what to be stricter about, e.g. 'stricter on length'.")
            return
        yield from turn.call("edit_recipe", {"draft_id": turn.draft_id, "edits": edits})

    def _check_and_explain(self, turn: Turn, message: str) -> Iterator[Event]:
        sid = turn.session.id
        yield StepStarted(session_id=sid, step="validate", title="validate the recipe")
        yield from turn.call("validate_recipe", {"source": {"draft_id": turn.draft_id}, "check_data": bool(turn.dataset)})
        failed = _last_failure(turn)
        if failed is not None:
            yield failed
            return
        if turn.dataset:
            yield StepStarted(session_id=sid, step="dry_run", title=f"dry run on the first {_DRY_RUN_ROWS} rows")
            yield from turn.call("dry_run", {"source": {"draft_id": turn.draft_id}, "n": _DRY_RUN_ROWS, "examples": 1})
            failed = _last_failure(turn)
            if failed is not None:
                yield failed
                return
        yield StepStarted(session_id=sid, step="explain", title="explain the result")
        facts = _facts(turn)
        text = yield from self._explain(turn, message, facts)
        ran = False
        if turn.confirm and turn.dataset:
            yield from self._full_run(turn, asked=False)
            ran = True
        closing = "" if ran or not turn.dataset else "\n\nTo process the whole dataset, confirm a full run (`--yes`)."
        answer = f"{text}\n\n" + "\n".join(f"- {f}" for f in facts) + closing
        turn.store.add_message(sid, "assistant", answer, {"citations": turn.citations})
        yield FinalAnswer(session_id=sid, text=answer, citations=turn.citations,
                          needs_confirmation=bool(turn.dataset) and not ran)

    def _explain(self, turn: Turn, message: str, facts: list[str]) -> Iterator[Event]:
        """Two sentences by the model over the facts; a template when it fails or strays from the facts.

        The model's text is checked before it is shown (a small model echoes the request or
        makes up numbers), so it is written in full first and then passed on in pieces.
        """
        prompt = [("system", guided_prompt("explain_system")),
                  ("human", guided_prompt("explain_user", request=message, facts="\n".join(facts)))]
        parts: list[str] = []
        try:
            for chunk in self.model().stream(prompt, max_tokens=_EXPLAIN_TOKENS, stop=["\n\n"]):
                if isinstance(chunk.content, str):
                    parts.append(chunk.content)
        except Exception as exc:  # a provider or model failure: the template below still answers
            from recipe_copilot.copilot.llm import LLMError

            if not isinstance(exc, LLMError) and "openai" not in type(exc).__module__:
                raise
            parts = []
        text = "".join(parts).strip()
        if not grounded(text, facts, message):
            text, parts = _template(turn), []
        for piece in parts or [text]:
            if piece:
                yield AnswerDelta(session_id=turn.session.id, text=piece)
        return text

    def _answer_question(self, turn: Turn, message: str) -> Iterator[Event]:
        """Answer a question about the session's last run (or its last dry run) from its records."""
        sid = turn.session.id
        runs = [r for r in turn.store.runs(sid) if r.status not in ("running", "queued")]
        if runs:
            yield StepStarted(session_id=sid, step="report", title="read the run's records")
            yield from turn.call("explain_run", {"run": runs[-1].run_id})
            report: Any = turn.results["explain_run"]
            if not report.ok:
                yield _last_failure(turn) or ErrorEvent(session_id=sid, message="the run's record cannot be read")
                return
            text = _run_answer(turn.recipe(), report, message)
        else:
            yield StepStarted(session_id=sid, step="validate", title="dry run the current recipe")
            yield from turn.call("dry_run", {"source": {"draft_id": turn.draft_id}, "n": _DRY_RUN_ROWS, "examples": 0})
            failed = _last_failure(turn)
            if failed is not None:
                yield failed
                return
            text = ("No full run yet in this session; on a dry run of the first rows:\n"
                    + "\n".join(f"- {f}" for f in _facts(turn)))
        yield AnswerDelta(session_id=sid, text=text)
        turn.store.add_message(sid, "assistant", text, {"citations": turn.citations})
        yield FinalAnswer(session_id=sid, text=text, citations=turn.citations)

    def _full_run(self, turn: Turn, *, asked: bool) -> Iterator[Event]:
        sid = turn.session.id
        if not turn.confirm:
            text = ("A full run processes the whole dataset. Run this again with `--yes` (or answer `yes` in "
                    "chat) to start it.")
            turn.store.add_message(sid, "assistant", text)
            yield FinalAnswer(session_id=sid, text=text, citations=turn.citations, needs_confirmation=True)
            return
        yield StepStarted(session_id=sid, step="run", title="full run")
        yield from turn.call("run_recipe", {"source": {"draft_id": turn.draft_id}, "confirmed": True})
        started: Any = turn.results["run_recipe"]
        if not started.ok:
            yield _last_failure(turn) or ErrorEvent(session_id=sid, message="the run did not start")
            return
        state = started
        for _ in range(_RUN_MAX_POLLS):
            yield from turn.call("run_status", {"run_id": started.run.run_id, "wait_seconds": _RUN_WAIT_SECONDS})
            state = turn.results["run_status"]
            if not state.ok or state.run.status != "running":
                break
        run = state.run if state.ok else started.run
        yield RunFinished(session_id=sid, run_id=run.run_id, status=run.status, summary=state.summary)
        if asked:
            turn.store.add_message(sid, "assistant", state.summary)
            yield FinalAnswer(session_id=sid, text=state.summary, citations=turn.citations)


def _numbers(needs: list[str]) -> set[str]:
    return {n.replace(",", "") for need in needs for n in re.findall(r"\d[\d,]*(?:\.\d+)?", need)}


def _capped(model: Any, max_tokens: int) -> Any:
    """The model with at most ``max_tokens`` per reply, when it has that setting (embedded, ChatOpenAI)."""
    fields = getattr(type(model), "model_fields", {})
    return model.model_copy(update={"max_tokens": max_tokens}) if "max_tokens" in fields else model


def _last_failure(turn: Turn) -> ErrorEvent | None:
    """An ErrorEvent for the most recent failed tool call of the turn, if the last call failed."""
    if not turn.results:
        return None
    name, result = list(turn.results.items())[-1]
    if result.ok or result.error is None:
        return None
    return ErrorEvent(session_id=turn.session.id, message=f"{name}: {result.error.message}", hint=result.error.hint)


def _project(turn: Turn) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", (turn.dataset or "recipe").rsplit("/", 1)[-1].split(".")[0])
    return (stem or "recipe")[:64]


def _kind(op: str) -> str:
    try:
        return str(get_op_class(op).kind)
    except Exception:  # an unknown op: validation reports it
        return ""


def _min_words_edits(recipe: dict[str, Any], goals: Goals) -> list[dict[str, Any]]:
    """Edits that make a number of words the request gave a ``words_num_filter`` bound."""
    if goals.min_words is None:
        return []
    ops = op_items(recipe)
    where = next((i for i, (name, _) in enumerate(ops) if name == "words_num_filter"), None)
    if where is None:
        position = next((i for i, (name, _) in enumerate(ops) if _kind(name) == "deduplicator"), len(ops))
        return [{"action": "add_op", "op": "words_num_filter", "params": {"min_num": goals.min_words},
                 "position": position}]
    return [{"action": "set_param", "target": where, "param": "min_num", "value": goals.min_words}]


def _effective_bounds(op: str, params: dict[str, Any]) -> dict[str, float]:
    """The ``min_*``/``max_*`` bounds of a filter that restrict anything (set in the recipe or by default)."""
    try:
        fields = get_op_class(op).Params.model_fields
    except Exception:
        return {}
    out: dict[str, float] = {}
    for name, info in fields.items():
        if not name.startswith(("min_", "max_")):
            continue
        value = params.get(name, info.default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if (name.startswith("max_") and value >= BIG) or (name.startswith("min_") and value <= 0):
            continue
        out[name] = value
    return out


def _moved(param: str, value: float, *, stricter: bool) -> float:
    """A bound moved to keep less (stricter) or more: a min goes up, a max goes down."""
    factor = _STRICT_FACTOR if stricter else 1 / _STRICT_FACTOR
    moved = value * factor if param.startswith("min_") else value / factor
    if isinstance(value, int):
        return max(1, round(moved))
    return round(min(moved, 1.0) if value <= 1.0 else moved, 4)


def _facts(turn: Turn) -> list[str]:
    """The numbers the explanation may use: per op, what it kept, and overall."""
    out = []
    ops = op_items(turn.recipe())
    dry = turn.last_dry_run
    for i, (name, params) in enumerate(ops):
        shown = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("text_key",))
        line = f"{name}" + (f" ({shown})" if shown else "")
        if dry is not None and i < len(dry.ops):
            o = dry.ops[i]
            line += f": kept {o.rows_out} of {o.rows_in}"
        out.append(line)
    if dry is not None:
        out.append(f"overall: {dry.rows_out} of {dry.rows_in} sample rows kept ({dry.kept_ratio:.0%})")
    refs = [c for c in turn.citations if c.startswith(("recipe:", "run:"))]
    if refs:
        out.append("parameters drawn from: " + ", ".join(r.split(":", 1)[1] for r in refs))
    return out


def grounded(text: str, facts: list[str], request: str) -> bool:
    """Whether an explanation may be shown: not empty, not looping, not the request echoed, every number from
    the facts."""
    if not text or len(text) > 800:
        return False
    sentences = [" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    if len(set(sentences)) < len(sentences):  # a small model caught in a loop says the same sentence again
        return False
    said = set(re.findall(r"[a-z]+", request.lower()))
    words = re.findall(r"[a-z]+", text.lower())
    if words and sum(w in said for w in words) / len(words) > 0.8:
        return False
    known = set(re.findall(r"\d+(?:\.\d+)?", " ".join(facts)))
    return all(n in known for n in re.findall(r"\d+(?:\.\d+)?", text))


def _run_answer(recipe: dict[str, Any], report: Any, question: str) -> str:
    """The numbers of a run that answer ``question``: the ops it names (by name or wording), else the summary."""
    text = question.lower()
    hinted = {op for pattern, op in NEED_HINTS if re.search(pattern, text)}
    names = [name for name, _ in op_items(recipe)]
    named = [n for n in dict.fromkeys(names) if n in text or n.replace("_", " ") in text] or \
            [n for n in dict.fromkeys(names) if n in hinted]
    if not named:
        return report.summary
    drops = {d.name: d for d in report.drops}
    lines = []
    for name in named:
        d = drops.get(name)
        if d is None:
            lines.append(f"{name} dropped 0 samples in run {report.run_id}.")
        else:
            lines.append(f"{name} dropped {d.dropped} samples in run {report.run_id} "
                         f"({d.share_of_its_input:.1%} of what reached it, {d.share_of_run_input:.1%} of the input).")
    return " ".join(lines) + "\n\n" + report.summary


def _template(turn: Turn) -> str:
    """The explanation when the model gives none."""
    ops = [name for name, _ in op_items(turn.recipe())]
    dry = turn.last_dry_run
    text = f"The recipe runs {', '.join(ops) or 'no ops'}."
    if dry is not None:
        dropped = dry.rows_in - dry.rows_out
        text += f" On a sample of {dry.rows_in} rows it keeps {dry.rows_out} and drops {dropped}."
    return text
