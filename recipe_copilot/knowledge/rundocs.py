"""One document per finished run, generated from the engine's ``run.json``.

The engine writes ``<work_dir>/runs/<run_id>/run.json`` at the end of every run. Its
document holds the recipe, a profile of the input (files, format, size, rows), what each
op kept, timing and errors, so "what worked before on data like this" can be retrieved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from recipe_copilot.engine.runrecord import RunRecord, load_run_record
from recipe_copilot.knowledge.documents import KnowledgeDoc
from recipe_copilot.knowledge.errors import KnowledgeSourceError

__all__ = ["FINISHED", "find_run_files", "load_run_file", "run_documents", "run_to_document"]

#: the status the engine gives a run that finished
FINISHED = "ok"


def find_run_files(roots: Iterable[str | os.PathLike]) -> list[Path]:
    """Every ``runs/<run_id>/run.json`` under the given folders (a folder that is missing is skipped)."""
    found: set[Path] = set()
    for root in roots:
        root = Path(root)
        if root.name == "run.json" and root.is_file():
            found.add(root.resolve())
            continue
        if not root.is_dir():
            continue
        for path in root.rglob("run.json"):
            if path.parent.parent.name == "runs":
                found.add(path.resolve())
    return sorted(found)


def load_run_file(path: Path) -> RunRecord:
    """Read one ``run.json``.

    Raises:
        KnowledgeSourceError: the file is not a run record.
    """
    try:
        return load_run_record(path)
    except (OSError, ValueError, ValidationError) as exc:
        msg = f"{str(path)!r} is not a readable run record ({type(exc).__name__}); delete it or fix it, then re-index"
        raise KnowledgeSourceError(msg) from None


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _input_profile(record: RunRecord) -> dict[str, object]:
    names = [Path(p).name for p in record.input_paths]
    formats = sorted({"".join(Path(n).suffixes).lstrip(".") or "unknown" for n in names})
    recipe = record.recipe
    return {
        "files": names[:5] + ([f"... {len(names) - 5} more"] if len(names) > 5 else []),
        "num_files": len(names),
        "formats": formats,
        "bytes": record.input_bytes,
        "rows": record.rows_in,
        "text_keys": recipe.get("text_keys", "text"),
        "fingerprint": record.input_fingerprint,
    }


def run_to_document(record: RunRecord, source: Path | None = None) -> KnowledgeDoc:
    """The knowledge document of one run record.

    Args:
        record: a finished run.
        source: the ``run.json`` it was read from (recorded so a deleted run leaves the index).

    Returns:
        A document with id ``run:<run_id>``.
    """
    profile = _input_profile(record)
    params = {i: next(iter(item.values())) or {} for i, item in enumerate(record.recipe.get("process", []))
              if isinstance(item, dict) and item}
    kept = record.rows_out / record.rows_in if record.rows_in else 1.0
    ops = [{"index": op.index, "name": op.name, "kind": op.kind, "params": params.get(op.index, {}),
            "rows_in": op.rows_in, "rows_out": op.rows_out, "kept_ratio": round(op.kept_ratio, 4),
            "seconds": op.seconds, "errors": op.errors} for op in record.ops]
    lines = [
        f"Run {record.run_id} of recipe '{record.project_name}' ({record.executor} executor, np={record.np}), "
        f"status {record.status}.",
        f"Input: {', '.join(profile['files']) or 'none'} ({', '.join(profile['formats'])}; "
        f"{record.rows_in:,} rows; {_mb(record.input_bytes)}; text field {profile['text_keys']}).",
        f"Outcome: kept {record.rows_out:,} of {record.rows_in:,} rows ({100 * kept:.1f}%) in {record.seconds:.1f} s; "
        f"{record.errors} samples quarantined.",
        "Ops (kept ratio, time):",
    ]
    for op in ops:
        shown = ", ".join(f"{k}={v}" for k, v in op["params"].items())
        errs = f", {op['errors']} errors" if op["errors"] else ""
        lines.append(f"- {op['name']}{f' ({shown})' if shown else ''}: kept {100 * op['kept_ratio']:.1f}%, "
                     f"{op['seconds']:.2f} s{errs}")
    src = str(source) if source else ""
    return KnowledgeDoc(
        id=f"run:{record.run_id}",
        kind="run",
        name=record.run_id,
        text="\n".join(lines),
        keywords=" ".join([record.project_name, *(op["name"] for op in ops)]),
        metadata={"project_name": record.project_name, "status": record.status, "rows_in": record.rows_in,
                  "rows_out": record.rows_out, "kept_ratio": round(kept, 4), "seconds": record.seconds,
                  "errors": record.errors, "finished": record.finished or 0.0, "source": src,
                  "recipe_fingerprint": record.recipe_fingerprint, "input_fingerprint": record.input_fingerprint},
        payload={"run_id": record.run_id, "project_name": record.project_name, "status": record.status,
                 "recipe": record.recipe, "input": profile, "rows_in": record.rows_in, "rows_out": record.rows_out,
                 "kept_ratio": round(kept, 4), "seconds": record.seconds, "errors": record.errors, "ops": ops,
                 "outputs": record.outputs, "source": src},
    )


def run_documents(roots: Iterable[str | os.PathLike]) -> tuple[list[KnowledgeDoc], list[str]]:
    """Documents of the finished runs under ``roots``, and a note per file that was skipped."""
    docs, skipped = [], []
    for path in find_run_files(roots):
        try:
            record = load_run_file(path)
        except KnowledgeSourceError as exc:
            skipped.append(str(exc))
            continue
        if record.status != FINISHED:
            skipped.append(f"{path}: status {record.status!r}, not a finished run")
            continue
        docs.append(run_to_document(record, path))
    return docs, skipped
