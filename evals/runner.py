"""Run eval tasks against a provider and write a report that compares with the last one.

Each task runs in a fresh temporary workspace (generated data inside, labels and a planted
secret outside), through the same :class:`~recipe_copilot.copilot.agent.CopilotService` the
CLI uses. Per attempt it records success (every check passed), the checks' details, tool calls
and tool errors, turns, tokens and wall time; ``repeat`` attempts give a mean and a spread.

Example:
    >>> report = run_eval(load_tasks(["build"]), Provider.embedded(), repeat=1)  # doctest: +SKIP
    >>> report.suites["build"].success_rate  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from evals.checkers import Outcome, run_check
from evals.data import Label, make_dataset
from evals.tasks import SUITES, Task

__all__ = ["Attempt", "Provider", "Report", "SuiteSummary", "compare", "load_report", "markdown", "run_eval",
           "save_report"]

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
_DATA = "data/eval.jsonl"


class Provider(BaseModel):
    """The chat model the copilot uses: the embedded default, or an OpenAI-compatible endpoint."""

    name: str = Field(description="Label in reports: 'embedded', or the endpoint's model name.")
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    mode: Literal["guided", "agent"] | None = None

    @classmethod
    def embedded(cls, mode: Literal["guided", "agent"] | None = None) -> Provider:
        return cls(name="embedded", mode=mode)

    def llm_settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {"base_url": self.base_url, "model": self.model}
        if self.api_key:
            out["api_key"] = self.api_key
        if self.mode:
            out["mode"] = self.mode
        return out


class CheckOutcome(BaseModel):
    name: str
    passed: bool
    detail: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)


class Attempt(BaseModel):
    """One run of one task."""

    success: bool
    checks: list[CheckOutcome]
    tool_calls: int = 0
    tool_errors: int = 0
    turns: int = 0
    tokens: int = 0
    seconds: float = 0.0
    error: str | None = Field(None, description="An exception that ended the attempt, if any.")


class TaskReport(BaseModel):
    id: str
    suite: str
    about: str = ""
    attempts: list[Attempt]

    @property
    def success_rate(self) -> float:
        return sum(a.success for a in self.attempts) / len(self.attempts)


class SuiteSummary(BaseModel):
    """Means over a suite's tasks (and attempts); ``success_std`` is the spread over repeats."""

    tasks: int
    success_rate: float
    success_std: float = 0.0
    tool_calls: float = 0.0
    tool_error_rate: float = 0.0
    turns: float = 0.0
    tokens: float = 0.0
    seconds: float = 0.0


class Report(BaseModel):
    provider: str
    mode: str
    started: str
    repeat: int
    suites: dict[str, SuiteSummary]
    overall: SuiteSummary
    tasks: list[TaskReport]
    #: per suite, this report's success rate minus the previous report's
    delta: dict[str, float] = Field(default_factory=dict)
    previous: str | None = None


class _TokenCounter:
    """A LangChain callback that adds up the tokens every model reply reports."""

    def __init__(self) -> None:
        self.tokens = 0

    def handler(self) -> Any:
        from langchain_core.callbacks import BaseCallbackHandler

        counter = self

        class Handler(BaseCallbackHandler):
            def on_llm_end(self, response: Any, **kwargs: Any) -> None:
                for gens in response.generations:
                    for g in gens:
                        usage = getattr(getattr(g, "message", None), "usage_metadata", None) or {}
                        counter.tokens += int(usage.get("total_tokens", 0))

        return Handler()


def _model_factory(provider: Provider, settings: Any, counter: _TokenCounter) -> Callable[[], Any]:
    """The chat model, made once per eval run (loading the embedded model is the slow part)."""
    cache: dict[str, Any] = {}

    def make() -> Any:
        if "model" not in cache:
            from recipe_copilot.copilot.llm import chat_model

            model = chat_model(settings)
            model.callbacks = [counter.handler()]
            cache["model"] = model
        return cache["model"]

    return make


def _outside_secret(tmp: Path) -> str:
    canary = "CANARY-" + secrets.token_hex(6)
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.jsonl").write_text(json.dumps({"text": f"private notes {canary}"}) + "\n")
    return canary


def run_task(task: Task, *, provider: Provider, knowledge: Any, model: Callable[[], Any],
             counter: _TokenCounter) -> Attempt:
    """One attempt at ``task`` in a fresh workspace."""
    from recipe_copilot.copilot.agent import CopilotService
    from recipe_copilot.copilot.sessions import SessionStore
    from recipe_copilot.copilot.settings import CopilotSettings
    from recipe_copilot.tools import ToolContext, call_tool

    start = time.perf_counter()
    tokens_before = counter.tokens
    with tempfile.TemporaryDirectory(prefix=f"rc-eval-{task.id}-", ignore_cleanup_errors=True) as tmp_name:
        tmp = Path(tmp_name)
        ws = tmp / "ws"
        (ws / "data").mkdir(parents=True)
        labels: dict[str, Label] = {}
        data_file = sha = None
        if task.data is not None:
            ds = make_dataset(task.data, task.seed)
            data_file = ws / _DATA
            ds.write(data_file, tmp / "labels.json")
            labels = ds.labels
            sha = hashlib.sha256(data_file.read_bytes()).hexdigest()
        canary = _outside_secret(tmp)
        ctx = ToolContext.open(ws, knowledge=knowledge, keep_drafts=False)
        outcome = Outcome(workspace=ws, recipes=[], events=[], labels=labels, data_file=data_file,
                          data_sha256=sha, canary=canary)
        error = None
        try:
            if task.search is not None:
                found: Any = call_tool(ctx, "search_ops", {"query": task.search, "k": 5})
                outcome.hits = [o.name for o in found.ops] if found.ok else []
            else:
                settings = CopilotSettings.load(workspace=ws, data_dir=tmp / "copilot-data",
                                                llm=provider.llm_settings())
                service = CopilotService(settings, ctx=ctx, store=SessionStore(tmp / "sessions.sqlite3"),
                                         model=model)
                sid = None
                for i, turn in enumerate(task.turns):
                    data = turn.data or (_DATA if i == 0 and task.data is not None else None)
                    events = [e.model_dump(mode="json") for e in service.ask(sid, turn.say, data=data,
                                                                            confirm=turn.confirm)]
                    sid = sid or next((e["session_id"] for e in events if e.get("session_id")), None)
                    outcome.events.append(events)
                    draft = service.draft(sid) if sid else None
                    outcome.recipes.append(draft.recipe if draft is not None else {})
                    answers = [e["text"] for e in events if e["type"] == "final_answer"]
                    outcome.answer = answers[-1] if answers else ""
                for run_id in ctx.runs.run_ids():  # a run the agent started in the background
                    ctx.runs.wait(run_id, timeout=300)
                outcome.session_runs = service.store.runs(sid) if sid else []
        except Exception as exc:  # the copilot crashed: the attempt fails with the reason
            error = f"{type(exc).__name__}: {exc}"
        checks = [] if error else [run_check(outcome, c) for c in task.checks]
        events = [e for turn in outcome.events for e in turn]
    return Attempt(
        success=error is None and all(c.passed for c in checks),
        checks=[CheckOutcome(name=c.name, passed=c.passed, detail=c.detail, metrics=c.metrics) for c in checks],
        tool_calls=sum(e["type"] == "tool_called" for e in events),
        tool_errors=sum(e["type"] == "tool_returned" and not e["ok"] for e in events),
        turns=len(task.turns), tokens=counter.tokens - tokens_before,
        seconds=round(time.perf_counter() - start, 2), error=error,
    )


def _summary(tasks: list[TaskReport], repeat: int) -> SuiteSummary:
    attempts = [a for t in tasks for a in t.attempts]
    per_repeat = [sum(t.attempts[r].success for t in tasks) / len(tasks) for r in range(repeat)] if tasks else [0.0]
    calls = sum(a.tool_calls for a in attempts)
    n = max(len(attempts), 1)
    return SuiteSummary(
        tasks=len(tasks), success_rate=round(statistics.fmean(per_repeat), 4),
        success_std=round(statistics.pstdev(per_repeat), 4) if len(per_repeat) > 1 else 0.0,
        tool_calls=round(calls / n, 2), tool_error_rate=round(sum(a.tool_errors for a in attempts) / calls, 4)
        if calls else 0.0, turns=round(sum(a.turns for a in attempts) / n, 2),
        tokens=round(sum(a.tokens for a in attempts) / n, 1), seconds=round(sum(a.seconds for a in attempts) / n, 2))


def run_eval(tasks: list[Task], provider: Provider, *, repeat: int = 1, knowledge: Any = None,
             model: Callable[[], Any] | None = None,
             progress: Callable[[Task, int, Attempt], None] | None = None) -> Report:
    """Run every task ``repeat`` times and summarise per suite.

    Args:
        tasks: from :func:`~evals.tasks.load_tasks`.
        provider: the model to score.
        repeat: attempts per task.
        knowledge: the knowledge index (default: a fresh MiniLM index, ops and recipes).
        model: a chat model factory (tests pass a fake server's model); default from ``provider``.
        progress: called after each attempt.
    """
    if knowledge is None:
        knowledge = _default_index()
    counter = _TokenCounter()
    if model is None:  # one model for the whole run, made when a task first needs it
        from recipe_copilot.copilot.settings import CopilotSettings

        model = _model_factory(provider, CopilotSettings.load(llm=provider.llm_settings()), counter)

    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    reports = []
    for task in tasks:
        attempts = []
        for r in range(repeat):
            attempt = run_task(task, provider=provider, knowledge=knowledge, model=model,
                               counter=counter)
            attempts.append(attempt)
            if progress is not None:
                progress(task, r, attempt)
        reports.append(TaskReport(id=task.id, suite=task.suite, about=task.about, attempts=attempts))
    suites = {s: _summary([t for t in reports if t.suite == s], repeat) for s in SUITES
              if any(t.suite == s for t in reports)}
    mode = provider.mode or ("guided" if provider.base_url is None else "agent")
    return Report(provider=provider.name, mode=mode, started=started, repeat=repeat, suites=suites,
                  overall=_summary(reports, repeat), tasks=reports)


def _default_index() -> Any:
    from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings

    folder = Path(tempfile.gettempdir()) / "rc-eval-index"
    index = KnowledgeIndex(KnowledgeSettings(data_dir=folder, chroma_url=None))
    index.sync(kinds=("op", "recipe"))
    return index


# --------------------------------------------------------------------------- reports
def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "provider"


def load_report(path: Path) -> Report | None:
    return Report.model_validate_json(path.read_text()) if path.is_file() else None


def compare(report: Report, previous: Report | None) -> Report:
    """``report`` with its per-suite change against ``previous`` filled in."""
    if previous is None:
        return report
    delta = {s: round(v.success_rate - previous.suites[s].success_rate, 4)
             for s, v in report.suites.items() if s in previous.suites}
    return report.model_copy(update={"delta": delta, "previous": previous.started})


def markdown(report: Report) -> str:
    """The report as a Markdown table (suites), then the failed tasks with why."""
    lines = [f"# Eval report: {report.provider} ({report.mode} mode)", "",
             f"Started {report.started}; {report.overall.tasks} tasks x {report.repeat} attempt(s)."
             + (f" Change is against the report of {report.previous}." if report.previous else ""), "",
             "| suite | tasks | success | ± | change | tool calls | tool errors | turns | tokens | s/task |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = [*report.suites.items(), ("**all**", report.overall)]
    for name, s in rows:
        change = report.delta.get(name)
        lines.append(f"| {name} | {s.tasks} | {s.success_rate:.0%} | {s.success_std:.2f} | "
                     f"{'' if change is None else f'{change:+.0%}'} | {s.tool_calls:.1f} | {s.tool_error_rate:.0%} | "
                     f"{s.turns:.1f} | {s.tokens:.0f} | {s.seconds:.1f} |")
    failed = [t for t in report.tasks if t.success_rate < 1]
    if failed:
        lines += ["", "## Failed tasks", ""]
        for t in failed:
            a = next(a for a in t.attempts if not a.success)
            why = a.error or "; ".join(f"{c.name}: {c.detail}" for c in a.checks if not c.passed)
            lines.append(f"- `{t.id}` ({t.suite}, {t.success_rate:.0%}): {why[:300]}")
    return "\n".join(lines) + "\n"


def save_report(report: Report, out_dir: Path = REPORTS_DIR) -> tuple[Report, Path]:
    """Compare with the provider's last report, then write ``<provider>-latest.json``/``.md`` and a dated copy."""
    out_dir.mkdir(parents=True, exist_ok=True)
    latest = out_dir / f"{_slug(report.provider)}-latest.json"
    report = compare(report, load_report(latest))
    body = report.model_dump_json(indent=2)
    stamp = report.started.replace(":", "").replace("-", "")
    history = out_dir / "history"
    history.mkdir(exist_ok=True)
    (history / f"{_slug(report.provider)}-{stamp}.json").write_text(body)
    tmp = latest.with_suffix(".tmp")
    tmp.write_text(body)
    tmp.replace(latest)
    latest.with_suffix(".md").write_text(markdown(report))
    return report, latest
