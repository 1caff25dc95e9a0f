"""The web chat (Gradio): the conversation on the left; on the right the session's recipe as it
changes, the dry run per op, dropped and kept samples, a full run's progress and a data profile.

Each browser tab is its own copilot session (kept in a ``gr.State``); a turn streams: every
event of :meth:`CopilotService.ask` updates the chat and the panels as it arrives. A full run
starts only from the Run button, which is enabled when the last answer awaits consent.
Analytics and share links are off: the page talks to this server only.

Example:
    >>> from recipe_copilot.copilot.agent import CopilotService  # doctest: +SKIP
    >>> serve(CopilotService(), host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read when gradio is imported: no telemetry, no version check

import gradio as gr
import pandas as pd

from recipe_copilot.copilot.agent.service import CopilotService
from recipe_copilot.copilot.events import DryRunDone
from recipe_copilot.copilot.serve import ServeError, bind, one_line
from recipe_copilot.tools import call_tool
from recipe_copilot.tools.sampling import head_jsonl

__all__ = ["create_ui", "launch", "serve"]

log = logging.getLogger(__name__)

#: what the Run button sends as the user's words (the consent itself is ``confirm=True``)
RUN_MESSAGE = "Yes, run it on the whole dataset."
#: samples shown per op (dropped) and from the output (kept)
SAMPLES = 3
_TEXT_CHARS = 240
_NO_SESSION = "**Session:** new (starts with your first message)"


@dataclass
class _Tab:
    """What one browser tab remembers: its session, its chat, whether a run awaits consent, its profile."""

    session_id: str | None = None
    chat: list[dict[str, Any]] = field(default_factory=list)
    awaiting_consent: bool = False
    answer_at: int | None = None  # index in ``chat`` of the answer being streamed
    profile: dict[str, dict[str, Any]] = field(default_factory=dict)  # "op · stat" -> its StatProfile


# -- events to panel values ----------------------------------------------------------------------


def _apply(event: Any, tab: _Tab, service: CopilotService) -> dict[str, Any]:
    """Fold one turn event into the tab's chat; return the panel values it changes, by panel name."""
    tab.session_id = event.session_id or tab.session_id
    out: dict[str, Any] = {"session": f"**Session:** `{tab.session_id}`"} if tab.session_id else {}
    kind = event.type
    if kind == "tool_called":
        args = one_line(event.arguments, 300) if event.arguments else ""
        tab.chat.append({"role": "assistant", "content": args or "(no arguments)",
                         "metadata": {"title": f"🔧 {event.tool}", "status": "pending"}})
    elif kind == "tool_returned":
        line = next((m for m in reversed(tab.chat) if m.get("metadata", {}).get("title") == f"🔧 {event.tool}"
                     and m["metadata"].get("status") == "pending"), None)
        if line is not None:
            line["metadata"] = {"title": f"{'✓' if event.ok else '⚠'} {event.tool}", "status": "done",
                                "log": one_line(event.summary if event.ok else event.error or event.summary, 160)}
    elif kind == "recipe_updated":
        out["recipe"] = event.yaml
    elif kind == "dry_run_done":
        out.update(_dry_run_panels(event))
        out["samples"] = _samples_frame(_dry_samples(event))
    elif kind == "run_finished":
        out["run"] = f"**{event.run_id}**: {event.status}. {event.summary}"
    elif kind == "answer_delta":
        if tab.answer_at is None:
            tab.chat.append({"role": "assistant", "content": ""})
            tab.answer_at = len(tab.chat) - 1
        tab.chat[tab.answer_at]["content"] += event.text
    elif kind == "final_answer":
        text = event.text + (f"\n\n*sources: {', '.join(event.citations)}*" if event.citations else "")
        if tab.answer_at is None:
            tab.chat.append({"role": "assistant", "content": text})
        else:
            tab.chat[tab.answer_at]["content"] = text
        tab.awaiting_consent = event.needs_confirmation
        if event.needs_confirmation:
            out["run"] = "A full run awaits your consent: press **Run** to start it."
    elif kind == "error":
        _say_error(tab, event.message, event.hint)
    return out


def _say_error(tab: _Tab, message: str, hint: str = "") -> None:
    tab.chat.append({"role": "assistant", "content": f"**Something went wrong:** {message}"
                     + (f"\n\n{hint}" if hint else "")})


def _dry_run_panels(dry: DryRunDone) -> dict[str, Any]:
    """The dry run's summary line, per-op table and kept-ratio bar plot."""
    estimate = f"; a full run would keep about {dry.estimated_rows_out:,} rows" if dry.estimated_rows_out else ""
    table = _dry_frame([[i, op.name, op.rows_in, op.rows_out, f"{op.kept_ratio:.1%}"] for i, op in enumerate(dry.ops, 1)])
    labels = [f"{i}. {op.name}" for i, op in enumerate(dry.ops, 1)]
    plot = pd.DataFrame({"op": labels, "kept %": [round(100 * op.kept_ratio, 1) for op in dry.ops]})
    return {
        "dry_summary": f"**Dry run:** {dry.rows_in:,} rows in, {dry.rows_out:,} out ({dry.kept_ratio:.0%} kept) "
                       f"in {dry.seconds:.2f}s{estimate}",
        "dry_table": table,
        "dry_plot": gr.BarPlot(plot, x="op", y="kept %", sort=labels, y_lim=[0, 100]),
    }


def _dry_samples(dry: DryRunDone) -> list[list[str]]:
    """A few samples the dry run dropped or changed (per op) and kept."""
    shown: dict[tuple[str, str], int] = {}
    rows = []
    for ex in dry.examples:
        key = (ex.verdict, ex.op)
        shown[key] = shown.get(key, 0) + 1
        if shown[key] <= SAMPLES:
            rows.append([ex.verdict, ex.op, one_line(ex.text, _TEXT_CHARS)])
    return rows


def _samples_frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["verdict", "op", "text"])


def _dry_frame(rows: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["#", "op", "rows in", "rows out", "kept"])


# -- the UI --------------------------------------------------------------------------------------


def create_ui(service: CopilotService) -> gr.Blocks:
    """The web chat over ``service``: chat on the left, recipe, dry run, samples, run and data profile on the right.

    Example:
        >>> create_ui(service).launch(server_name="127.0.0.1", server_port=7860)  # doctest: +SKIP
    """
    with gr.Blocks(title="recipe-copilot", analytics_enabled=False) as demo:
        tab_state = gr.State(_Tab())
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="recipe-copilot", height=620, elem_id="chat")
                with gr.Row():
                    message = gr.Textbox(placeholder="Say what the data needs, e.g. drop short docs and duplicates",
                                         show_label=False, scale=5, elem_id="message", autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                dataset = gr.Textbox(label="Dataset (workspace path)", placeholder="data/web.jsonl", elem_id="dataset")
                with gr.Row():
                    session = gr.Markdown(_NO_SESSION, elem_id="session-id")
                    new = gr.Button("New session", size="sm", scale=0)
            with gr.Column(scale=2):
                recipe = gr.Code(label="Recipe (current draft)", language="yaml", interactive=False, elem_id="recipe")
                with gr.Group():
                    dry_summary = gr.Markdown("**Dry run:** none yet", elem_id="dry-summary")
                    dry_table = gr.Dataframe(_dry_frame([]), label="Dry run per op", interactive=False,
                                             column_widths=["8%", "44%", "16%", "16%", "16%"], elem_id="dry-table")
                    dry_plot = gr.BarPlot(label="kept per op (%)", height=200, elem_id="dry-plot")
                samples = gr.Dataframe(_samples_frame([]), label="Samples: dropped and kept", interactive=False,
                                       wrap=True, max_height=320, column_widths=["20%", "22%", "58%"],
                                       elem_id="samples")
                with gr.Group():
                    run_button = gr.Button("Run", variant="stop", interactive=False, elem_id="run")
                    run_md = gr.Markdown("**Run:** none yet", elem_id="run-progress")
                with gr.Group():
                    profile_button = gr.Button("Profile the dataset", elem_id="profile")
                    profile_md = gr.Markdown("", elem_id="profile-summary")
                    stat = gr.Dropdown(label="stat", choices=[], elem_id="stat")
                    profile_plot = gr.BarPlot(label="distribution", height=220, elem_id="profile-plot")

        panels = {"chat": chat, "state": tab_state, "session": session, "recipe": recipe, "dry_summary": dry_summary,
                  "dry_table": dry_table, "dry_plot": dry_plot, "samples": samples, "run": run_md,
                  "run_button": run_button, "message": message}
        outputs = list(panels.values())

        def shown(tab: _Tab, values: dict[str, Any]) -> dict[Any, Any]:
            values = {"chat": tab.chat, "state": tab, **values}
            return {panels[name]: value for name, value in values.items()}

        def turn(tab: _Tab, text: str, data: str | None, *, confirm: bool) -> Iterator[dict[Any, Any]]:
            tab.chat.append({"role": "user", "content": text})
            tab.answer_at, tab.awaiting_consent = None, False
            yield shown(tab, {"message": "", "run_button": gr.Button(interactive=False)})
            events = service.ask(tab.session_id, text, data=data, confirm=confirm)
            try:
                for event in events:
                    yield shown(tab, _apply(event, tab, service))
            except Exception as exc:  # a defect: logged with its traceback, shown without it
                log.exception("the turn failed")
                _say_error(tab, str(exc) or type(exc).__name__, "This is a bug; the server log has the details.")
            finally:
                events.close()
            yield shown(tab, {"run_button": gr.Button(interactive=tab.awaiting_consent)})

        def on_send(text: str, data: str, tab: _Tab) -> Iterator[dict[Any, Any]]:
            if not text.strip():
                yield shown(tab, {})
                return
            yield from turn(tab, text.strip(), data.strip() or None, confirm=False)

        def on_run(tab: _Tab) -> Iterator[dict[Any, Any]]:
            before = {r.run_id for r in service.store.runs(tab.session_id)} if tab.session_id else set()
            yield from turn(tab, RUN_MESSAGE, None, confirm=True)
            started = [r for r in service.store.runs(tab.session_id or "") if r.run_id not in before]
            if started:
                yield from _follow(service, tab, started[-1].run_id, lambda v: shown(tab, v))

        def on_new() -> dict[Any, Any]:
            tab = _Tab()
            return shown(tab, {"session": _NO_SESSION, "recipe": "", "dry_summary": "**Dry run:** none yet",
                               "dry_table": _dry_frame([]), "dry_plot": None, "samples": _samples_frame([]),
                               "run": "**Run:** none yet", "run_button": gr.Button(interactive=False)})

        def on_profile(data: str, tab: _Tab) -> tuple[Any, ...]:
            text, tab.profile = _profile(service, data.strip() or _session_dataset(service, tab))
            first = next(iter(tab.profile), None)
            return text, gr.Dropdown(choices=list(tab.profile), value=first), _histogram(tab, first), tab

        send.click(on_send, [message, dataset, tab_state], outputs)
        message.submit(on_send, [message, dataset, tab_state], outputs)
        run_button.click(on_run, [tab_state], outputs)
        new.click(on_new, None, outputs)
        profile_button.click(on_profile, [dataset, tab_state], [profile_md, stat, profile_plot, tab_state])
        stat.change(lambda key, tab: _histogram(tab, key), [stat, tab_state], [profile_plot])
    return demo


def _follow(service: CopilotService, tab: _Tab, run_id: str, shown: Any) -> Iterator[dict[Any, Any]]:
    """Poll ``run_status`` until the run ends, showing its progress; then its summary and output samples."""
    while True:
        result: Any = call_tool(service.ctx, "run_status", {"run_id": run_id, "wait_seconds": 0.5})
        if not result.ok:
            yield shown({"run": f"**{run_id}**: {result.error.message} ({result.error.hint})"})
            return
        state = result.run
        if state.status == "running":
            bar = "█" * round(20 * state.progress) + "░" * (20 - round(20 * state.progress))
            yield shown({"run": f"**{run_id}** running `{bar}` {state.progress:.0%}\n\n{result.summary}"})
            continue
        break
    rows = [["kept (run output)", "", one_line(r.get("text", r), _TEXT_CHARS)] for path in state.outputs
            for r in head_jsonl(Path(service.ctx.workspace.root) / path, SAMPLES)][:SAMPLES]
    text = (f"**{run_id}**: {state.status}. rows in: {state.rows_in:,}, rows out: {state.rows_out:,}, "
            f"quarantined: {state.errors}\n\n{result.summary}")
    yield shown({"run": text, **({"samples": _samples_frame(rows)} if rows else {})})


def _session_dataset(service: CopilotService, tab: _Tab) -> str:
    return (service.store.get(tab.session_id).dataset or "") if tab.session_id else ""


def _profile(service: CopilotService, path: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """``inspect_dataset`` and ``profile_dataset`` on ``path``: a summary line and each stat's profile."""
    if not path:
        return "Type a dataset path first (relative to the workspace), e.g. `data/web.jsonl`.", {}
    seen: Any = call_tool(service.ctx, "inspect_dataset", {"path": path, "n": 0})
    if not seen.ok:
        return f"**{seen.error.message}**\n\n{seen.error.hint}", {}
    prof: Any = call_tool(service.ctx, "profile_dataset", {"dataset": path, "n": 1000})
    if not prof.ok:
        return f"**{prof.error.message}**\n\n{prof.error.hint}", {}
    chars = seen.text_chars
    text = (f"`{path}`: {seen.estimated_rows:,} rows ({seen.rows_estimate}), {seen.total_bytes / 1e6:.1f} MB, "
            f"text field `{seen.text_field}` ({chars.get('min', 0):.0f} / {chars.get('mean', 0):.0f} / "
            f"{chars.get('max', 0):.0f} chars min / mean / max); {prof.rows_profiled:,} rows profiled")
    return text, {f"{s.op} · {s.stat_key}": s.model_dump() for s in prof.stats if s.histogram}


def _histogram(tab: _Tab, key: str | None) -> Any:
    """A bar per histogram bin of one stat of the tab's profile."""
    stat = tab.profile.get(key or "")
    if stat is None:
        return None
    edges, counts = stat["histogram"]["edges"], stat["histogram"]["counts"]
    labels = [f"{_num(lo)}–{_num(hi)}" for lo, hi in itertools.pairwise(edges)]
    return gr.BarPlot(pd.DataFrame({"bin": labels, "rows": counts}), x="bin", y="rows", sort=labels,
                      title=f"{key} (mean {_num(stat['mean'])})", x_label_angle=-30)


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


# -- serving -------------------------------------------------------------------------------------


def launch(service: CopilotService, *, host: str, port: int) -> gr.Blocks:
    """Start the web chat in the background and return the running app (``.close()`` stops it).

    Raises:
        ServeError: the address cannot be listened on (a port in use, an unknown host).

    Example:
        >>> app = launch(service, host="127.0.0.1", port=7860)  # doctest: +SKIP
        >>> app.close()  # doctest: +SKIP
    """
    bind(host, port).close()  # a clear error for a port in use, before Gradio tries it
    demo = create_ui(service)
    try:
        demo.queue().launch(server_name=host, server_port=port, share=False, inbrowser=False, quiet=True,
                            prevent_thread_lock=True, ssr_mode=False, enable_monitoring=False, run_history=False,
                            footer_links=["settings"])
    except OSError as exc:
        msg = f"cannot start the web chat on {host}:{port}: {exc}. Pick another port with --port."
        raise ServeError(msg) from exc
    return demo


def serve(service: CopilotService, *, host: str, port: int) -> None:
    """Serve the web chat until interrupted (Ctrl+C).

    Raises:
        ServeError: the address cannot be listened on; the message says the fix.

    Example:
        >>> serve(CopilotService(), host="127.0.0.1", port=7860)  # doctest: +SKIP
    """
    demo = launch(service, host=host, port=port)
    print(f"recipe-copilot web chat on http://{host}:{port}/ (workspace {service.ctx.workspace.root}); Ctrl+C stops it")
    try:
        demo.block_thread()
    finally:
        demo.close(verbose=False)
