"""Reading finished runs back: compare two run records, explain one in plain words."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from recipe_copilot.engine.runrecord import OpReport, RunRecord, load_run_record
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.drafts import recipe_yaml
from recipe_copilot.tools.errors import RunNotFoundError, RunStateError
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool
from recipe_copilot.tools.runmanager import RunState

__all__ = [
    "CompareRunsRequest",
    "CompareRunsResult",
    "ExplainRunRequest",
    "ExplainRunResult",
    "OpDelta",
    "OpDrop",
    "RunBrief",
    "compare_runs",
    "explain_run",
    "find_run",
]

_ENGINE_RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def _read_record(ctx: ToolContext, path: Path, ref: str) -> RunRecord:
    try:
        return load_run_record(path)
    except (OSError, ValueError, ValidationError) as exc:
        msg = f"{ref!r} is not a readable run record ({ctx.workspace.relative(path)}): {str(exc).splitlines()[0]}"
        raise RunNotFoundError(msg, hint="Give a run id or the path of a run.json.") from None


def find_run(ctx: ToolContext, ref: str) -> tuple[RunRecord | None, RunState | None]:
    """The record (and, for runs started by run_recipe, the state) a reference names.

    Args:
        ctx: the tool context.
        ref: a run id from run_recipe, an engine run id (``runs/<id>/``), or the path of a
            ``run.json`` or its folder, relative to the root.

    Returns:
        The record (None for a run that did not finish) and the state (None when the run
        was not started through run_recipe).

    Raises:
        RunNotFoundError: nothing matches, or the file is not a run record.
        WorkspacePathError: the path is outside the root.
    """
    ref = ref.strip()
    if ref in ctx.runs.run_ids():
        state = ctx.runs.get(ref)
        if not state.record_path:
            return None, state
        return _read_record(ctx, ctx.workspace.root / state.record_path, ref), state
    if _ENGINE_RUN_ID.match(ref):
        found = sorted(ctx.workspace.root.glob(f"**/runs/{ref}/run.json"))
        if found:
            return _read_record(ctx, found[0], ref), None
    path = ctx.workspace.resolve(ref, what="run record")
    if path.is_dir():
        path = path / "run.json"
    if not path.is_file():
        recent = ctx.runs.run_ids()[-5:]
        msg = f"no run {ref!r}: not a run id of this workspace, nor a run.json (recent runs: {', '.join(recent) or 'none'})"
        raise RunNotFoundError(msg, hint="Use the run_id run_recipe returned, or the path of a run.json.", runs=recent)
    return _read_record(ctx, path, ref), None


def _finished(ctx: ToolContext, ref: str) -> RunRecord:
    record, state = find_run(ctx, ref)
    if record is None:
        assert state is not None
        msg = f"run {ref} has no record: it ended as {state.status}" if state.status != "running" else \
            f"run {ref} is still running"
        raise RunStateError(msg, hint="Wait for it (run_status with wait_seconds), or resume it.", status=state.status)
    return record


# ---------------------------------------------------------------------- compare_runs
class CompareRunsRequest(ToolRequest):
    """Compare two finished runs."""

    a: str = Field(min_length=1, description="First run: a run id, or the path of a run.json.")
    b: str = Field(min_length=1, description="Second run: a run id, or the path of a run.json.")


class RunBrief(BaseModel):
    """A run in a few numbers."""

    ref: str
    run_id: str
    project_name: str
    rows_in: int
    rows_out: int
    kept_ratio: float
    seconds: float
    errors: int
    input_bytes: int
    outputs: list[str]


class OpDelta(BaseModel):
    """One op in both runs (or in one of them)."""

    name: str
    occurrence: int = Field(description="1 for the first op of this name in the recipe, 2 for the second...")
    a_kept_ratio: float | None = None
    b_kept_ratio: float | None = None
    kept_ratio_delta: float | None = Field(None, description="b - a, in ratio points.")
    a_rows_out: int | None = None
    b_rows_out: int | None = None
    a_seconds: float | None = None
    b_seconds: float | None = None


class CompareRunsResult(ToolResult):
    """How two runs differ."""

    a: RunBrief | None = None
    b: RunBrief | None = None
    same_input: bool = False
    same_recipe: bool = False
    ops: list[OpDelta] = Field(default_factory=list)
    recipe_diff: str = Field("", description="Unified diff of the two recipes (YAML).")
    differences: list[str] = Field(default_factory=list, description="The differences in words, biggest first.")


def _brief(ctx: ToolContext, ref: str, r: RunRecord) -> RunBrief:
    return RunBrief(ref=ref, run_id=r.run_id, project_name=r.project_name, rows_in=r.rows_in, rows_out=r.rows_out,
                    kept_ratio=round(r.rows_out / r.rows_in, 4) if r.rows_in else 1.0, seconds=r.seconds,
                    errors=r.errors, input_bytes=r.input_bytes, outputs=[ctx.workspace.relative(p) for p in r.outputs])


def _keyed(record: RunRecord) -> dict[tuple[str, int], OpReport]:
    out: dict[tuple[str, int], OpReport] = {}
    for rep in sorted(record.ops, key=lambda o: o.index):
        n = sum(1 for name, _ in out if name == rep.name) + 1
        out[(rep.name, n)] = rep
    return out


@tool
def compare_runs(ctx: ToolContext, req: CompareRunsRequest) -> CompareRunsResult:
    """Compare two finished runs: rows, kept ratio and time overall and per op, and their recipes.

    Args:
        ctx: the tool context.
        req: the two runs (run ids or run.json paths).

    Returns:
        Both runs in brief, per-op kept ratios side by side, the recipe diff, and the
        differences in words; or a typed error (unknown_run, run_state for a run that did
        not finish).
    """
    ra, rb = _finished(ctx, req.a), _finished(ctx, req.b)
    a, b = _brief(ctx, req.a, ra), _brief(ctx, req.b, rb)
    ka, kb = _keyed(ra), _keyed(rb)
    ops = []
    for key in list(ka) + [k for k in kb if k not in ka]:
        oa, ob = ka.get(key), kb.get(key)
        d = OpDelta(name=key[0], occurrence=key[1])
        if oa:
            d.a_kept_ratio, d.a_rows_out, d.a_seconds = round(oa.kept_ratio, 4), oa.rows_out, oa.seconds
        if ob:
            d.b_kept_ratio, d.b_rows_out, d.b_seconds = round(ob.kept_ratio, 4), ob.rows_out, ob.seconds
        if oa and ob:
            d.kept_ratio_delta = round(ob.kept_ratio - oa.kept_ratio, 4)
        ops.append(d)
    same_input = ra.input_fingerprint == rb.input_fingerprint
    same_recipe = ra.recipe_fingerprint == rb.recipe_fingerprint
    words = [f"b keeps {b.kept_ratio:.1%} of its input, a {a.kept_ratio:.1%} "
             f"({(b.kept_ratio - a.kept_ratio) * 100:+.1f} points); {b.rows_out} vs {a.rows_out} rows out"]
    if not same_input:
        words.append(f"the inputs differ ({a.rows_in} vs {b.rows_in} rows in, {a.input_bytes} vs {b.input_bytes} bytes)")
    changed = sorted((d for d in ops if d.kept_ratio_delta), key=lambda d: -abs(d.kept_ratio_delta or 0))
    words += [f"{d.name}: keeps {d.b_kept_ratio:.1%} in b vs {d.a_kept_ratio:.1%} in a" for d in changed[:5]]
    words += [f"{d.name} is only in {'a' if d.b_kept_ratio is None else 'b'}"
              for d in ops if d.a_kept_ratio is None or d.b_kept_ratio is None]
    if a.seconds and b.seconds:
        words.append(f"b took {b.seconds:.1f}s, a {a.seconds:.1f}s ({b.seconds / a.seconds:.2f}x)")
    diff = "".join(difflib.unified_diff(recipe_yaml(ra.recipe).splitlines(keepends=True),
                                        recipe_yaml(rb.recipe).splitlines(keepends=True), fromfile=f"a {ra.run_id}",
                                        tofile=f"b {rb.run_id}"))
    return CompareRunsResult(a=a, b=b, same_input=same_input, same_recipe=same_recipe, ops=ops, recipe_diff=diff,
                             differences=words)


# ---------------------------------------------------------------------- explain_run
class ExplainRunRequest(ToolRequest):
    """Explain a run in plain words."""

    run: str = Field(min_length=1, description="A run id, or the path of a run.json.")


class OpDrop(BaseModel):
    """How many samples one op removed."""

    name: str
    index: int
    dropped: int
    share_of_its_input: float
    share_of_run_input: float


class ExplainRunResult(ToolResult):
    """A run, told in words, with the numbers behind them."""

    run_id: str = ""
    status: str = ""
    summary: str = Field("", description="A short paragraph.")
    facts: list[str] = Field(default_factory=list, description="One fact per line.")
    drops: list[OpDrop] = Field(default_factory=list, description="Ops that removed samples, most first.")
    slowest: list[str] = Field(default_factory=list)
    errors: int = 0
    errors_file: str | None = None
    outputs: list[str] = Field(default_factory=list)


def _explain_unfinished(state: RunState) -> ExplainRunResult:
    facts = [f"started {state.elapsed:.0f}s ago" if state.status == "running" else f"ran for {state.elapsed:.1f}s"]
    if state.stages:
        facts.append(f"reached stage {state.stage + 1} of {state.stages} ({state.stage_label}), "
                     f"{state.rows_done} rows through it")
    if state.error is not None:
        facts.append(f"error ({state.error.code}): {state.error.message}")
        if state.error.hint:
            facts.append(f"what to do: {state.error.hint}")
    facts += state.notes
    summary = f"Run {state.run_id} ({state.project_name}) is {state.status}. " + "; ".join(facts) + "."
    return ExplainRunResult(run_id=state.run_id, status=state.status, summary=summary, facts=facts)


@tool
def explain_run(ctx: ToolContext, req: ExplainRunRequest) -> ExplainRunResult:
    """Explain a run in plain words: what went in and out, which ops dropped most, errors, time, outputs.

    Args:
        ctx: the tool context.
        req: the run (a run id or a run.json path).

    Returns:
        A summary paragraph, facts, the ops that dropped most, the slowest ops, the
        quarantine file and the outputs; or a typed error ``unknown_run``.
    """
    record, state = find_run(ctx, req.run)
    if record is None:
        assert state is not None
        return _explain_unfinished(state)
    r = record
    kept = r.rows_out / r.rows_in if r.rows_in else 1.0
    facts = [f"{r.rows_in} samples in ({r.input_bytes / 1e6:.1f} MB from {len(r.input_paths)} file(s)), "
             f"{r.rows_out} out: {kept:.1%} kept"]
    drops = sorted((OpDrop(name=o.name, index=o.index, dropped=o.rows_in - o.rows_out,
                           share_of_its_input=round(1 - o.kept_ratio, 4),
                           share_of_run_input=round((o.rows_in - o.rows_out) / r.rows_in, 4) if r.rows_in else 0.0)
                    for o in r.ops if o.rows_out < o.rows_in), key=lambda d: -d.dropped)
    if drops:
        top = drops[0]
        facts.append(f"{top.name} dropped the most: {top.dropped} samples ({top.share_of_its_input:.1%} of what "
                     f"reached it, {top.share_of_run_input:.1%} of the input)")
        if len(drops) > 1:
            facts.append("then " + ", ".join(f"{d.name} {d.dropped}" for d in drops[1:4]))
    else:
        facts.append("no op dropped any sample")
    errors_file = ctx.workspace.relative(r.errors_path) if r.errors_path else None
    if r.errors:
        facts.append(f"{r.errors} sample(s) were quarantined (malformed input or an op failing on them): "
                     f"see {errors_file}")
    op_time = sum(o.seconds for o in r.ops) or 1.0
    slow = sorted(r.ops, key=lambda o: -o.seconds)[:3]
    slowest = [f"{o.name} {o.seconds:.2f}s ({o.seconds / op_time:.0%} of op time)" for o in slow if o.seconds]
    if slowest:
        facts.append(f"took {r.seconds:.1f}s with the {r.executor} executor (np={r.np}); slowest op: {slowest[0]}")
    if r.resumed:
        facts.append("it was resumed from a checkpoint")
    outputs = [ctx.workspace.relative(p) for p in r.outputs]
    facts.append(f"output: {', '.join(outputs) or 'none'}")
    status = state.status if state is not None else r.status
    summary = f"Run {r.run_id} of {r.project_name} ({status}): " + "; ".join(facts) + "."
    return ExplainRunResult(run_id=r.run_id, status=status, summary=summary, facts=facts, drops=drops,
                            slowest=slowest, errors=r.errors, errors_file=errors_file, outputs=outputs)
