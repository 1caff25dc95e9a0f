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


@main.command()
@click.argument("query", required=False)
@click.option("--type", "op_type", type=click.Choice(["mapper", "filter", "deduplicator", "selector"]))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def ops(query: str | None, op_type: str | None, as_json: bool) -> None:
    """List the ops (all, or those whose name contains QUERY); an exact name shows its parameters."""
    import json

    from recipe_copilot.engine.docs import list_ops

    found = list_ops(query=query, kind=op_type)
    if query and any(d["name"] == query for d in found):
        found = [d for d in found if d["name"] == query]
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    from recipe_copilot.copilot.render import print_ops

    if not found:
        _fail(f"no op matches {query!r}; run `copilot ops` to list them all")
    print_ops(_console(), found, detail=len(found) == 1)


if __name__ == "__main__":  # pragma: no cover
    main()
