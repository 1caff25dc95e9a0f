"""The ``copilot`` command line. Commands import what they need when they run, so
``copilot --help`` stays fast."""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import click

from recipe_copilot import __version__

__all__ = ["main"]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(message: str, code: int = 2) -> None:
    _console(stderr=True).print(f"[bold red]error:[/] {message}", soft_wrap=True)
    sys.exit(code)


def _unexpected(exc: BaseException) -> None:
    log = Path(tempfile.gettempdir()) / f"copilot-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    _fail(f"unexpected {type(exc).__name__}: {exc} (this is a bug; details in {log})", code=1)


class _Group(click.Group):
    """Turns engine errors into one clear line and our own bugs into a short note plus a log."""

    def invoke(self, ctx: click.Context) -> Any:
        from recipe_copilot.engine.errors import EngineError, RunCancelled

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.simplefilter("ignore", ResourceWarning)  # noise from native libraries, not the user's
                return super().invoke(ctx)
        except RunCancelled as exc:
            _fail(str(exc), code=130)
        except EngineError as exc:
            _fail(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a defect in our code: short message, full log on disk
            _unexpected(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="copilot")
def main() -> None:
    """recipe-copilot: build, check and run Data-Juicer-style data recipes."""


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("recipe", type=click.Path(dir_okay=False))
@click.option("--explain", is_flag=True, help="Print the execution plan and exit.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same recipe and input.")
@click.option("--executor", "executor_type", type=click.Choice(["default", "local", "ray"]), help="Executor to use.")
@click.option("--ray-address", help="Ray cluster for --executor ray: auto (default: join a running one, "
              "else start a local one), local, or an address such as ray://host:10001.")
@click.option("--max-samples", type=int, help="Only process the first N input samples.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars; print only the summary line.")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
@click.pass_context
def run(
    ctx: click.Context,
    recipe: str,
    explain: bool,
    resume: bool,
    executor_type: str | None,
    ray_address: str | None,
    max_samples: int | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Run RECIPE (a Data-Juicer-style YAML file) on the local engine.

    Any global recipe key can be overridden like in Data-Juicer, e.g.
    `copilot run recipe.yaml --np 4 --export_path out/data.jsonl`.
    """
    from recipe_copilot.engine.recipe import parse_overrides
    from recipe_copilot.tools.runs import RunRequest, execute_recipe, explain_recipe

    overrides = parse_overrides(list(ctx.args))
    if executor_type:
        overrides["executor_type"] = executor_type
    if ray_address:
        overrides["ray_address"] = ray_address
    req = RunRequest(recipe_path=recipe, overrides=overrides, resume=resume, max_samples=max_samples)
    if explain:
        click.echo(explain_recipe(req))
        return
    if quiet or as_json:
        record = execute_recipe(req)
    else:
        from recipe_copilot.copilot.render import RunProgress

        with RunProgress(_console()) as progress:
            record = execute_recipe(req, progress=progress.update)
    if as_json:
        click.echo(record.model_dump_json(indent=2))
    elif quiet:
        click.echo(f"{record.rows_in} in, {record.rows_out} out, {record.errors} quarantined, "
                   f"{record.seconds:.1f}s -> {', '.join(record.outputs)}")
    else:
        from recipe_copilot.copilot.render import print_run_summary

        print_run_summary(_console(), record)


_OP_TYPES = ["mapper", "filter", "deduplicator", "selector"]
_MODALITIES = ["text", "image", "video", "audio"]


def _knowledge_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the knowledge index, turning its deliberate errors into one clear line."""
    from recipe_copilot.knowledge.errors import KnowledgeError

    try:
        return fn(*args, **kwargs)
    except KnowledgeError as exc:
        _fail(str(exc))


class _SyncProgress:
    """A progress bar on stderr that appears only when documents have to be embedded."""

    def __init__(self, label: str, *, quiet: bool = False) -> None:
        self._label = label
        self._quiet = quiet
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._quiet or total == 0:
            return
        if self._progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=_console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _search_ops(query: str, k: int, op_type: str | None, modality: str | None) -> list[dict[str, Any]]:
    from recipe_copilot.knowledge.search import default_index, search_ops

    index = default_index()
    bar = _SyncProgress("indexing op docs (first use or ops changed)")
    try:
        _knowledge_call(index.sync, kinds=("op",), progress=bar)
    finally:
        bar.close()
    hits = _knowledge_call(search_ops, query, type=op_type, modality=modality, k=k, index=index)
    return [hit.model_dump() for hit in hits]


@main.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="Matches a search shows.")
@click.option("--type", "op_type", type=click.Choice(_OP_TYPES), help="Only ops of this type.")
@click.option("--modality", type=click.Choice(_MODALITIES), help="Only ops for this modality (searches only).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def ops(query: str | None, k: int, op_type: str | None, modality: str | None, as_json: bool) -> None:
    """List the ops, or search them for QUERY.

    With no QUERY, every op is listed. An exact op name shows its parameters; a part of a
    name with an underscore (`remove_`) lists the ops whose names contain it. Anything else
    is a need in words ("drop near-duplicate documents", "minhash"): the knowledge index
    finds the best ops (hybrid embedding and keyword ranking; built on first use).
    """
    import json

    from recipe_copilot.engine.ops import op_names

    names = op_names()
    if query and query not in names and not _looks_like_name(query):
        found = _search_ops(query, k, op_type, modality)
    else:
        from recipe_copilot.engine.docs import list_ops

        found = list_ops(query=query, kind=op_type)
        if query and any(d["name"] == query for d in found):
            found = [d for d in found if d["name"] == query]
        if query and not found:
            from recipe_copilot.engine.errors import closest

            near = closest(query, names)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            _fail(f"no op is named like {query!r}.{hint} To search by what an op does, use words: "
                  "`copilot ops \"drop short documents\"`; `copilot ops` lists them all")
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    from recipe_copilot.copilot.render import print_ops

    if not found:
        _fail(f"no op matches {query!r}; run `copilot ops` to list them all")
    print_ops(_console(), found, detail=len(found) == 1 and "score" not in found[0])


def _looks_like_name(query: str) -> bool:
    """An identifier with an underscore (``text_length``) is a name lookup, not a search in words."""
    return "_" in query and not any(c.isspace() for c in query)


@main.command()
@click.option("--runs", "runs_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder to scan for runs/<id>/run.json (repeatable). Default: COPILOT_RUNS_DIRS, else ./outputs.")
@click.option("--rebuild", is_flag=True, help="Drop the index and embed every document again.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print one summary line.")
@click.option("--json", "as_json", is_flag=True, help="Print the sync report as JSON.")
def index(runs_dirs: tuple[str, ...], rebuild: bool, quiet: bool, as_json: bool) -> None:
    """Bring the knowledge index up to date: op docs, bundled recipes and finished runs.

    Only documents whose content changed are embedded again. The index is an embedded Chroma
    store under COPILOT_DATA_DIR (default ~/.local/share/recipe-copilot), or the Chroma server
    at COPILOT_CHROMA_URL.
    """
    from recipe_copilot.knowledge.index import KnowledgeIndex

    idx = KnowledgeIndex()
    roots: list[str | Path] = list(runs_dirs) or list(idx.settings.runs_dirs)
    if not roots and Path("outputs").is_dir():
        roots = [Path("outputs")]
    bar = _SyncProgress("embedding", quiet=quiet or as_json)
    try:
        report = _knowledge_call(idx.sync, runs_dirs=roots, rebuild=rebuild, progress=bar)
    finally:
        bar.close()
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    counts = {kind: (len(c.added), len(c.updated), len(c.removed), c.unchanged) for kind, c in report.changes.items()}
    if quiet:
        total = [sum(v[i] for v in counts.values()) for i in range(4)]
        click.echo(f"{total[0]} added, {total[1]} updated, {total[2]} removed, {total[3]} unchanged "
                   f"({report.embedded} embedded in {report.seconds:.1f}s) -> {report.location}")
        return
    from rich.table import Table

    console = _console()
    table = Table(title=f"knowledge index: {report.location}", title_justify="left")
    for col in ("documents", "added", "updated", "removed", "unchanged"):
        table.add_column(col, justify="left" if col == "documents" else "right")
    for kind, (added, updated, removed, unchanged) in counts.items():
        table.add_row(f"{kind}s", str(added), str(updated), str(removed), str(unchanged))
    console.print(table)
    for kind, c in report.changes.items():
        for label, ids in (("added", c.added), ("updated", c.updated), ("removed", c.removed)):
            if ids:
                shown = ", ".join(i.split(":", 1)[1] for i in ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
                console.print(f"{kind}s {label}: {shown}", soft_wrap=True)
    for note in report.skipped:
        console.print(f"[yellow]skipped:[/] {note}", soft_wrap=True)
    scanned = ", ".join(str(r) for r in roots) or "none (use --runs DIR)"
    console.print(f"{report.embedded} document(s) embedded in {report.seconds:.1f}s; runs scanned in: {scanned}")


def _service(mode: str | None) -> Any:
    from recipe_copilot.copilot.agent import CopilotService
    from recipe_copilot.copilot.settings import CopilotSettings, SettingsError

    try:
        settings = CopilotSettings.load()
    except SettingsError as exc:
        _fail(str(exc))
    return CopilotService(settings, mode=mode)  # type: ignore[arg-type]


def _turn(service: Any, session_id: str | None, message: str, *, data: str | None, recipe: str | None,
          confirm: bool, out: str | None, printer: Any) -> dict[str, Any]:
    """Run one turn, feeding each event to ``printer`` (None: quiet); write the recipe; return the JSON summary."""
    from recipe_copilot.tools.drafts import recipe_yaml

    summary: dict[str, Any] = {"answer": "", "recipe": None, "session_id": session_id, "dry_run": None,
                               "recipe_path": None, "citations": [], "needs_confirmation": False, "error": None}
    for event in service.ask(session_id, message, data=data, recipe=recipe, confirm=confirm):
        if printer is not None:
            printer(event)
        summary["session_id"] = event.session_id or summary["session_id"]
        if event.type == "recipe_updated":
            summary["recipe"] = event.recipe
        elif event.type == "dry_run_done":
            summary["dry_run"] = event.model_dump(exclude={"type", "session_id"})
        elif event.type == "final_answer":
            summary.update(answer=event.text, citations=event.citations, needs_confirmation=event.needs_confirmation)
        elif event.type == "error":
            summary["error"] = {"message": event.message, "hint": event.hint}
    sid = summary["session_id"]
    draft = service.draft(sid) if sid else None
    if draft is not None:
        summary["recipe"] = draft.recipe
        path = Path(out) if out else Path(service.settings.workspace) / "recipes" / f"{sid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(recipe_yaml(draft.recipe), encoding="utf-8")
        summary["recipe_path"] = str(path)
    return summary


_ASK_OPTIONS = [
    click.option("--data", help="The dataset to work on (file, folder or glob)."),
    click.option("--session", "session_id", help="Continue this session (its id was printed by an earlier turn)."),
    click.option("--recipe", type=click.Path(exists=True, dir_okay=False), help="Start from this recipe YAML."),
    click.option("--mode", type=click.Choice(["guided", "agent"]), help="Override llm.mode for this command."),
    click.option("-v", "--verbose", is_flag=True, help="Also print each tool call's arguments."),
]


def _with_ask_options(fn: Any) -> Any:
    for option in reversed(_ASK_OPTIONS):
        fn = option(fn)
    return fn


@main.command()
@click.argument("message")
@_with_ask_options
@click.option("--yes", "confirm", is_flag=True, help="Consent to a full run of the recipe after the dry run.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the recipe here (default recipes/<session>.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: answer, recipe, session_id, dry_run...")
def ask(message: str, data: str | None, session_id: str | None, recipe: str | None, mode: str | None,
        verbose: bool, confirm: bool, out: str | None, as_json: bool) -> None:
    """Ask the copilot once: it looks at the data, proposes a recipe, validates and dry-runs it.

    The answer streams to the terminal, the recipe is written to a YAML file, and the session
    id is printed so a follow-up can continue (`copilot ask "stricter on length" --session ID`).
    A full run starts only with --yes.
    """
    import json

    service = _service(mode)
    printer = None
    if not as_json:
        from recipe_copilot.copilot.render import EventPrinter

        printer = EventPrinter(_console(), verbose=verbose)
    summary = _turn(service, session_id, message, data=data, recipe=recipe, confirm=confirm, out=out,
                    printer=printer)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        console = _console()
        if summary["recipe_path"]:
            console.print(f"recipe: {summary['recipe_path']}")
        if summary["session_id"]:
            console.print(f"session: {summary['session_id']} (continue with --session {summary['session_id']})")
    if summary["error"] is not None:
        sys.exit(1)


_YES = ("y", "yes", "ok", "sure", "go", "go ahead")


@main.command()
@_with_ask_options
def chat(data: str | None, session_id: str | None, recipe: str | None, mode: str | None, verbose: bool) -> None:
    """Talk with the copilot: each message is a turn of one session (history kept; `/exit` ends).

    When the copilot proposes a full run, answer `yes` to start it.
    """
    from recipe_copilot.copilot.render import EventPrinter

    service = _service(mode)
    console = _console()
    printer = EventPrinter(console, verbose=verbose)
    if session_id:
        for msg in service.store.messages(session_id):
            console.print(f"[bold]{msg.role}:[/] {msg.content}", soft_wrap=True, markup=False)
    console.print("[dim]recipe-copilot chat; /exit to leave[/]")
    waiting_for_yes = False
    while True:
        try:
            message = click.prompt("you", prompt_suffix="> ").strip()
        except (EOFError, click.Abort):
            break
        if message in ("/exit", "/quit", "exit", "quit"):
            break
        if not message:
            continue
        confirm = waiting_for_yes and message.lower().strip(" .!") in _YES
        if confirm:
            message = "run it"
        summary = _turn(service, session_id, message, data=data, recipe=recipe, confirm=confirm, out=None,
                        printer=printer)
        session_id, data, recipe = summary["session_id"], None, None
        waiting_for_yes = bool(summary["needs_confirmation"])
        if summary["recipe_path"]:
            console.print(f"[dim]recipe: {summary['recipe_path']}  session: {session_id}[/]")


@main.command()
@click.option("-n", "limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def sessions(limit: int, as_json: bool) -> None:
    """List the most recent copilot sessions (continue one with `copilot chat --session ID`)."""
    import json
    import time

    from recipe_copilot.copilot.sessions import SessionStore
    from recipe_copilot.copilot.settings import CopilotSettings, SettingsError

    try:
        settings = CopilotSettings.load()
    except SettingsError as exc:
        _fail(str(exc))
    store = SessionStore(Path(settings.data_dir) / "sessions.sqlite3")
    rows = []
    for info in store.list(limit):
        draft = store.load_draft(info.id)
        ops = [next(iter(item)) for item in (draft.recipe.get("process") or [])] if draft else []
        rows.append({"session_id": info.id, "title": info.title, "dataset": info.dataset,
                     "updated": time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated)),
                     "messages": len(store.messages(info.id)), "runs": len(store.runs(info.id)), "ops": ops})
    store.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        _console().print("no sessions yet; start one with `copilot ask \"...\" --data PATH`")
        return
    from rich.table import Table

    table = Table("session", "updated", "title", "dataset", "msgs", "runs", "ops")
    for r in rows:
        table.add_row(r["session_id"], r["updated"], r["title"][:40], r["dataset"] or "", str(r["messages"]),
                      str(r["runs"]), ", ".join(r["ops"])[:60])
    _console().print(table)


@main.group()
def serve() -> None:
    """Serve the copilot: an HTTP API, a web chat or a Slack bot, all over the same sessions."""


_MODE_OPTION = click.option("--mode", type=click.Choice(["guided", "agent"]), help="Override llm.mode.")


def _serve(serve_fn: Any, mode: str | None, **options: Any) -> None:
    """Run a front door until Ctrl+C (a normal stop: exit 0); a start-up problem is one clear line."""
    from recipe_copilot.copilot.serve import ServeError

    try:
        serve_fn(_service(mode), **options)
    except ServeError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:  # the server has shut down cleanly; Ctrl+C is how one stops it
        pass


@serve.command("api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--token", envvar="COPILOT_API_TOKEN", help="Bearer token clients must send (env COPILOT_API_TOKEN); "
              "required unless the host is a loopback address.")
@_MODE_OPTION
def serve_api(host: str, port: int, token: str | None, mode: str | None) -> None:
    """HTTP API: sessions and streamed messages, recipes, runs, ops, and /v1/chat/completions."""
    from recipe_copilot.copilot.serve import api

    _serve(api.serve, mode, host=host, port=port, token=token)


@serve.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="Port to listen on.")
@_MODE_OPTION
def serve_web(host: str, port: int, mode: str | None) -> None:
    """Web chat (Gradio): the chat beside the live recipe, data profile, run progress and samples."""
    from recipe_copilot.copilot.serve import web

    _serve(web.serve, mode, host=host, port=port)


@serve.command("slack")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address Slack's events are posted to.")
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True, help="Port to listen on.")
@click.option("--bot-token", envvar="SLACK_BOT_TOKEN", help="The app's bot token, xoxb-... (env SLACK_BOT_TOKEN).")
@click.option("--signing-secret", envvar="SLACK_SIGNING_SECRET",
              help="The app's signing secret (env SLACK_SIGNING_SECRET).")
@click.option("--slack-api-url", envvar="SLACK_API_URL", help="Slack Web API base URL (env SLACK_API_URL; "
              "default https://slack.com/api/).")
@_MODE_OPTION
def serve_slack(host: str, port: int, bot_token: str | None, signing_secret: str | None, slack_api_url: str | None,
                mode: str | None) -> None:
    """Slack bot: one thread is one session; recipe files in and out; a notice when a run ends."""
    if not bot_token or not signing_secret:
        _fail("the Slack bot needs the app's bot token and signing secret: set SLACK_BOT_TOKEN and "
              "SLACK_SIGNING_SECRET (or pass --bot-token and --signing-secret)")
    from recipe_copilot.copilot.serve import slack

    _serve(slack.serve, mode, host=host, port=port, bot_token=bot_token, signing_secret=signing_secret,
           api_url=slack_api_url)


@main.command("eval")
@click.option("--suite", "suites", multiple=True, help="Run only this suite (repeatable): retrieval, build, edit, "
              "outcome, reporting, safety.")
@click.option("--task", "task_ids", multiple=True, help="Run only this task id (repeatable).")
@click.option("--provider", type=click.Choice(["embedded", "configured"]), default="embedded", show_default=True,
              help="The embedded SmolLM2, or the endpoint of COPILOT_LLM_* / copilot.toml.")
@click.option("--base-url", help="Score this OpenAI-compatible endpoint instead (with --model).")
@click.option("--model", "model_name", help="Model name at --base-url.")
@click.option("--mode", type=click.Choice(["guided", "agent"]), help="Override the mode the provider gets.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True, help="Attempts per task.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Report folder (default evals/reports).")
@click.option("--json", "as_json", is_flag=True, help="Print a summary object: per suite, tasks and success rate.")
def eval_(suites: tuple[str, ...], task_ids: tuple[str, ...], provider: str, base_url: str | None,
          model_name: str | None, mode: str | None, repeat: int, out_dir: str | None, as_json: bool) -> None:
    """Score the copilot end to end on the eval suites and write a report (JSON + Markdown).

    The report is compared with the last one saved for the same provider. Evals live in the
    source checkout (`evals/`), beside this package.
    """
    import json

    try:
        from evals.runner import REPORTS_DIR, Provider, run_eval, save_report
        from evals.tasks import TaskError, load_tasks
    except ImportError:
        _fail("the eval suites are not installed: run `copilot eval` from a source checkout (pip install -e .)")
    try:
        tasks = load_tasks(list(suites) or None)
    except TaskError as exc:
        _fail(str(exc))
    if task_ids:
        unknown = sorted(set(task_ids) - {t.id for t in tasks})
        if unknown:
            _fail(f"unknown task id(s) {unknown}; see evals/suites/")
        tasks = [t for t in tasks if t.id in task_ids]
    if base_url:
        spec = Provider(name=model_name or "endpoint", base_url=base_url, model=model_name, mode=mode)
    elif provider == "configured":
        from recipe_copilot.copilot.settings import CopilotSettings, SettingsError

        try:
            llm = CopilotSettings.load().llm
        except SettingsError as exc:
            _fail(str(exc))
        if llm.base_url is None:
            _fail("no endpoint is configured: set COPILOT_LLM_BASE_URL and COPILOT_LLM_MODEL, or use --base-url")
        key = llm.api_key.get_secret_value() if llm.api_key else None
        spec = Provider(name=llm.model or "configured", base_url=llm.base_url, model=llm.model, api_key=key,
                        mode=mode or (llm.mode if llm.mode != "auto" else None))
    else:
        spec = Provider.embedded(mode=mode)  # type: ignore[arg-type]
    console = _console(stderr=True)

    def progress(task: Any, attempt_no: int, attempt: Any) -> None:
        mark = "[green]pass[/]" if attempt.success else "[red]fail[/]"
        why = "" if attempt.success else " " + (attempt.error or "; ".join(
            f"{c.name}: {c.detail}" for c in attempt.checks if not c.passed))[:160]
        console.print(f"{mark} {task.suite}/{task.id} #{attempt_no + 1} {attempt.seconds:.1f}s{why}",
                      soft_wrap=True, markup=True, highlight=False)

    report = run_eval(tasks, spec, repeat=repeat, progress=progress)
    report, path = save_report(report, Path(out_dir) if out_dir else REPORTS_DIR)
    if as_json:
        summary = {"provider": report.provider, "mode": report.mode, "report": str(path),
                   "suites": {k: {"tasks": v.tasks, "success_rate": v.success_rate, "success_std": v.success_std}
                              for k, v in report.suites.items()},
                   "overall": {"tasks": report.overall.tasks, "success_rate": report.overall.success_rate}}
        click.echo(json.dumps(summary, indent=2))
    else:
        from evals.runner import markdown

        click.echo(markdown(report))
        click.echo(f"report: {path} (and {path.with_suffix('.md').name})")


def _parse_quantile_pair(value: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value.split(","))
    except ValueError:
        _fail(f"--auto-quantile takes LO,HI, e.g. 0.02,0.98; got {value!r}")
    if not 0 <= lo < hi <= 1:
        _fail(f"--auto-quantile needs 0 <= LO < HI <= 1; got {value!r}")
    return lo, hi


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--recipe", "recipe_path", type=click.Path(dir_okay=False, exists=True),
              help="Recipe whose filters to analyse when PATH is a dataset (and for --compare).")
@click.option("--compare", nargs=2, type=click.Path(exists=True), metavar="A B",
              help="Compare two datasets or runs (a run.json or its folder: the run's output) side by side.")
@click.option("--sample", type=click.IntRange(min=1), help="Analyse a random sample of N rows (reservoir).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
@click.option("--np", "workers", type=click.IntRange(min=1), help="Worker processes (default: the recipe's np).")
@click.option("--executor", type=click.Choice(["local", "ray", "in-process"]),
              help="Where the pass runs (default: the recipe's executor_type).")
@click.option("--auto-sigma", type=click.FloatRange(min=0, min_open=True), help="Bounds at mean ± K·std.")
@click.option("--auto-quantile", help="Bounds at the LO,HI quantiles, e.g. 0.02,0.98.")
@click.option("--write-recipe", type=click.Path(dir_okay=False), help="Write the recipe with the automatic bounds.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Output folder (default: the recipe's work dir /analysis, or outputs/analysis).")
@click.option("--no-plots", is_flag=True, help="Skip the histograms and box plots.")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def analyze(path: str | None, recipe_path: str | None, compare: tuple[str, str] | None, sample: int | None,
            seed: int, workers: int | None, executor: str | None, auto_sigma: float | None,
            auto_quantile: str | None, write_recipe: str | None, out_dir: str | None, no_plots: bool,
            as_json: bool) -> None:
    """Compute every stat a recipe's filters use, without filtering (PATH: a recipe or a dataset).

    One streaming pass with the recipe's executor (np worker processes, or Ray). Writes
    overall.json/.csv/.md, a histogram and a box plot per stat, the text diversity view and
    report.html. With --auto-sigma K or --auto-quantile LO,HI (and --write-recipe OUT), sets the
    filters' bounds from the data and prints the share each filter, and all together, would
    drop. With --compare A B, the same stats of two datasets or runs side by side.
    """
    import json

    from recipe_copilot.engine import analyze as an
    from recipe_copilot.engine.recipe import load_recipe

    if compare:
        if path:
            _fail("give either PATH or --compare A B")
        _analyze_compare(compare, recipe_path, sample, seed, workers, executor, out_dir, no_plots, as_json)
        return
    if not path:
        _fail("give PATH (a recipe or a dataset) or --compare A B")
    assert path is not None
    if auto_sigma is not None and auto_quantile:
        _fail("give one of --auto-sigma and --auto-quantile")
    if write_recipe and auto_sigma is None and not auto_quantile:
        _fail("--write-recipe needs --auto-sigma K or --auto-quantile LO,HI")
    is_recipe = Path(path).suffix.lower() in (".yaml", ".yml")
    if is_recipe and recipe_path:
        _fail("PATH is a recipe already; --recipe is for a dataset PATH")
    if is_recipe:
        recipe = load_recipe(path)
    elif recipe_path:
        recipe = load_recipe(recipe_path, {"dataset_path": path})
    else:
        recipe = an.default_analysis_recipe(path)
    default_out = recipe.resolved_work_dir / "analysis" if (is_recipe or recipe_path) else Path("outputs/analysis")
    out = Path(out_dir) if out_dir else default_out
    analysis = an.analyze(recipe, sample=sample, seed=seed, executor=executor, workers=workers)
    paths = an.write_analysis(analysis, out, plots=not no_plots)
    bounds = None
    if auto_sigma is not None or auto_quantile:
        qs = _parse_quantile_pair(auto_quantile) if auto_quantile else None
        bounds = an.auto_bounds(analysis, sigma=auto_sigma, quantiles=qs)
        if write_recipe:
            Path(write_recipe).parent.mkdir(parents=True, exist_ok=True)
            Path(write_recipe).write_text(bounds.recipe.to_yaml(), encoding="utf-8")
    if as_json:
        body: dict[str, Any] = {"analysis": analysis.model_dump(mode="json"), "outputs": _paths_json(paths)}
        if bounds is not None:
            body["auto_bounds"] = bounds.model_dump(mode="json")
            body["recipe_written"] = write_recipe
        click.echo(json.dumps(body, indent=2))
        return
    from rich.table import Table

    console = _console()
    how = (f"sample of {analysis.sample}, seed {analysis.seed}" if analysis.sample is not None
           else f"{analysis.executor}, {analysis.workers} worker(s)")
    table = Table(title=f"{analysis.rows_analysed} of {analysis.rows_read} rows analysed ({how}, {analysis.seconds:g} s)")
    rows = an.summary_rows(analysis)
    for col in rows[0] if rows else ["op"]:
        table.add_column(col, justify="left" if col in ("op", "stat") else "right")
    for row in rows:
        table.add_row(*(an.format_value(v) for v in row.values()))
    console.print(table)
    for err in analysis.errors:
        console.print(f"[red]errors:[/] {err.index}:{err.op} failed on {err.errors} row(s) (no stat), "
                      f"e.g. {err.examples[0] if err.examples else ''}", soft_wrap=True)
    for note in analysis.notes:
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    console.print(f"summary: {paths['md']} (json, csv beside it); {len(paths['plots'])} histogram(s) in "
                  f"{out / 'hist'}, box plots in {out / 'box'}", soft_wrap=True)
    if paths["diversity_csv"]:
        console.print(f"diversity: {paths['diversity_csv']}", soft_wrap=True)
    if paths["html"]:
        console.print(f"report: {paths['html']}", soft_wrap=True)
    if bounds is not None:
        for f in bounds.filters:
            params = ", ".join(f"{k}={v}" for k, v in f.params.items())
            console.print(f"{f.index}:{f.op}: {params} -> drops {f.drop_rate:.2%} (now {f.current_drop_rate:.2%})")
        total = "unknown (rows not aligned)" if bounds.total_drop_rate is None else f"{bounds.total_drop_rate:.2%}"
        console.print(f"[bold]predicted total drop: {total}[/]")
        for note in bounds.notes:
            console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
        if write_recipe:
            console.print(f"recipe written: {write_recipe}")


def _paths_json(paths: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(p) for p in v] if isinstance(v, list) else (None if v is None else str(v))
            for k, v in paths.items()}


def _analyze_compare(compare: tuple[str, str], recipe_path: str | None, sample: int | None, seed: int,
                     workers: int | None, executor: str | None, out_dir: str | None, no_plots: bool,
                     as_json: bool) -> None:
    """``copilot analyze --compare A B``: the same stats of two datasets or runs side by side."""
    import json

    from recipe_copilot.engine import analysis_report as rep
    from recipe_copilot.engine import analyze as an
    from recipe_copilot.engine.recipe import load_recipe

    analyses = []
    for side in compare:
        try:
            data = rep.dataset_of(side)
        except ValueError as exc:
            _fail(str(exc))
        recipe = (load_recipe(recipe_path, {"dataset_path": data}) if recipe_path
                  else an.default_analysis_recipe(data))
        analyses.append(an.analyze(recipe, sample=sample, seed=seed, executor=executor, workers=workers,
                                   diversity=False))
    a, b = analyses
    cmp = rep.compare(a, b)
    out = Path(out_dir) if out_dir else Path("outputs/compare")
    paths = rep.write_comparison(cmp, a, b, out, plots=not no_plots)
    if as_json:
        click.echo(json.dumps({"comparison": cmp.model_dump(mode="json"), "outputs": _paths_json(paths)}, indent=2))
        return
    from rich.table import Table

    console = _console()
    table = Table(title=f"A: {cmp.a} ({cmp.rows[0]} rows)  vs  B: {cmp.b} ({cmp.rows[1]} rows)")
    for col in ("op", "stat", "mean A", "mean B", "shift", "std A", "std B", "50% A", "50% B"):
        table.add_column(col, justify="left" if col in ("op", "stat") else "right")
    for s in cmp.stats:
        med = s.quantiles.get("50%", (None, None))
        table.add_row(f"{s.index}:{s.op}", s.stat_key, *(an.format_value(v) for v in
                      (s.mean[0], s.mean[1], s.mean_shift, s.std[0], s.std[1], med[0], med[1])))
    console.print(table)
    for note in cmp.notes:
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    console.print(f"comparison: {paths['md']} (json, csv beside it); overlays in {out / 'overlay'}", soft_wrap=True)
    console.print(f"report: {paths['html']}", soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    main()
