"""Terminal rendering shared by the CLI commands: run progress, run summary, op tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from recipe_copilot.engine.executors import ProgressEvent
from recipe_copilot.engine.runrecord import RunRecord

__all__ = ["EventPrinter", "RunProgress", "print_ops", "print_run_summary"]


class RunProgress:
    """A progress bar per stage, fed by the executor's progress events."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> RunProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def update(self, event: ProgressEvent) -> None:
        """Apply one progress event."""
        if event.kind == "stage":
            self._tasks[event.stage] = self._progress.add_task(
                event.label, total=max(event.total_bytes, 1), completed=event.bytes_done, rows=0
            )
            return
        task = self._tasks.get(event.stage)
        if task is None:
            return
        done = event.total_bytes if event.kind == "done" else event.bytes_done
        self._progress.update(task, completed=done, rows=f"{event.rows_done:,}")


def print_run_summary(console: Console, record: RunRecord) -> None:
    """The per-op table and the totals of a finished run."""
    table = Table(title=f"run {record.run_id}", title_justify="left")
    for col, justify in (("#", "right"), ("op", "left"), ("in", "right"), ("out", "right"),
                         ("kept", "right"), ("errors", "right"), ("time", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for op in record.ops:
        table.add_row(
            str(op.index), op.name, f"{op.rows_in:,}", f"{op.rows_out:,}", f"{100 * op.kept_ratio:.1f}%",
            str(op.errors) if op.errors else "", f"{op.seconds:.2f}s",
        )
    console.print(table)
    kept = 100 * record.rows_out / record.rows_in if record.rows_in else 0.0
    console.print(
        f"[bold]{record.rows_in:,}[/] samples in, [bold]{record.rows_out:,}[/] out ({kept:.1f}% kept) "
        f"in {record.seconds:.1f}s; peak memory {record.peak_rss_mb.get('driver', 0):.0f} MB driver, "
        f"{record.peak_rss_mb.get('largest_worker', 0):.0f} MB largest worker"
    )
    if record.errors:
        console.print(f"[yellow]{record.errors} sample(s) quarantined[/] with their reasons: {record.errors_path}")
    for path in record.outputs:
        console.print(f"output: {path}")
    if record.trace_dir:
        console.print(f"trace: {record.trace_dir}")


def print_ops(console: Console, docs: list[dict[str, Any]], *, detail: bool) -> None:
    """A table of ops; with ``detail``, every parameter of the (single) op.

    Search hits (docs with a ``score``) get a rank and score column, and their parameters
    with defaults.
    """
    if detail:
        doc = docs[0]
        console.print(f"[bold]{doc['name']}[/] ({doc['type']}): {escape(doc['description'])}")
        if doc["details"]:
            console.print(escape(doc["details"]))
        table = Table("parameter", "type", "default", "description")
        for p in doc["params"]:
            bounds = " ".join(f"{k}{p[k]}" for k in ("ge", "gt", "le", "lt") if k in p)
            table.add_row(p["name"], escape(p["type"] + (f" ({bounds})" if bounds else "")), escape(repr(p["default"])),
                          escape(p["description"]))
        console.print(table)
        if doc["stat_key"]:
            console.print(f"stat: __dj__stats__.{doc['stat_key']}")
        if doc["example"]:
            console.print(f"example: {escape(doc['example'])}")
        return
    if docs and "score" in docs[0]:
        table = Table()
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("op", no_wrap=True, overflow="fold")
        table.add_column("type", no_wrap=True)
        table.add_column("score", justify="right", no_wrap=True)
        table.add_column("description", ratio=3)
        table.add_column("parameters (default)", ratio=2)
        for rank, doc in enumerate(docs, 1):
            params = ", ".join(f"{p['name']}={_short_default(p['default'])}" for p in doc["params"]
                               if p["name"] != "text_key")
            table.add_row(str(rank), doc["name"], doc["type"], f"{doc['score']:.3f}",
                          escape(doc["description"].replace("``", "")), escape(params))
        console.print(table)
        return
    table = Table("op", "type", "description", "parameters")
    for doc in docs:
        table.add_row(doc["name"], doc["type"], escape(doc["description"]), ", ".join(p["name"] for p in doc["params"]))
    console.print(table)


def _short_default(value: Any) -> str:
    """A parameter default as a table shows it (Data-Juicer's sys.maxsize reads as "inf")."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**62:
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


class EventPrinter:
    """Prints a copilot turn's events as they come: steps and tool calls dimmed, the answer streamed,
    then the recipe, the dry-run table, the sources and the session id.

    Args:
        console: where to print.
        verbose: also print each tool's arguments.
    """

    def __init__(self, console: Console, *, verbose: bool = False) -> None:
        """Remember the console."""
        self.console = console
        self.verbose = verbose
        self._recipe_yaml = ""
        self._dry_run: Any = None
        self._streaming = False

    def __call__(self, event: Any) -> None:
        """Print one event (a model of :mod:`recipe_copilot.copilot.events`)."""
        kind = event.type
        if kind != "answer_delta" and self._streaming:
            self.console.print()
            self._streaming = False
        if kind == "step_started":
            self.console.print(f"[bold cyan]>[/] {event.title or event.step}")
        elif kind == "tool_called":
            args = f" {event.arguments}" if self.verbose else ""
            self.console.print(f"  [dim]{event.tool}{args}[/]", soft_wrap=True)
        elif kind == "tool_returned":
            mark = "[green]ok[/]" if event.ok else "[yellow]error[/]"
            detail = event.summary if event.ok else (event.error or event.summary)
            self.console.print(f"  [dim]{event.tool}[/] {mark} [dim]{detail}[/]", soft_wrap=True)
        elif kind == "recipe_updated":
            self._recipe_yaml = event.yaml
        elif kind == "dry_run_done":
            self._dry_run = event
        elif kind == "run_finished":
            self.console.print(f"[bold]run {event.run_id}[/]: {event.status} {event.summary}", soft_wrap=True)
        elif kind == "answer_delta":
            if not self._streaming:
                self.console.print()
                self._streaming = True
            self.console.print(event.text, end="", soft_wrap=True)
        elif kind == "final_answer":
            self._final(event)
        elif kind == "error":
            hint = f"\n  {event.hint}" if event.hint else ""
            self.console.print(f"[bold red]error:[/] {event.message}{hint}", soft_wrap=True)

    def _final(self, event: Any) -> None:
        from rich.syntax import Syntax

        lines = event.text.split("\n\n", 1)
        if len(lines) == 2:  # the facts after the prose
            self.console.print(lines[1], soft_wrap=True, markup=False)
        if self._recipe_yaml:
            self.console.print(Syntax(self._recipe_yaml, "yaml", background_color="default"))
        if self._dry_run is not None:
            print_dry_run(self.console, self._dry_run)
        if event.citations:
            self.console.print("[dim]sources: " + ", ".join(event.citations) + "[/]", soft_wrap=True)


def print_dry_run(console: Console, dry: Any) -> None:
    """The per-op table of a dry run (a ``DryRunDone`` event)."""
    table = Table(title=f"dry run: {dry.rows_in:,} rows in, {dry.rows_out:,} out ({dry.kept_ratio:.0%} kept)",
                  title_justify="left")
    for col, justify in (("op", "left"), ("in", "right"), ("out", "right"), ("kept", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for op in dry.ops:
        table.add_row(op.name, f"{op.rows_in:,}", f"{op.rows_out:,}", f"{100 * op.kept_ratio:.1f}%")
    console.print(table)
    if dry.estimated_rows_out is not None:
        console.print(f"[dim]a full run would keep about {dry.estimated_rows_out:,} rows[/]")
