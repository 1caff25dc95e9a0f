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


if __name__ == "__main__":  # pragma: no cover
    main()
