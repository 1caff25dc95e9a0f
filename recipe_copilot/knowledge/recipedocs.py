"""One document per bundled recipe (``knowledge/recipes/*.yaml``), generated from the file.

A bundled recipe starts with a comment header: the first line is its title, the following
lines say what data it is for and why each op is there, and a ``Modality:`` line names the
kind of data (text by default). The document is the header, then each op with its own
comment (or, without one, the op's one-line description), so the recipe file stays the
only place its explanation is written.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import regex
import yaml

from recipe_copilot.engine.docs import op_doc
from recipe_copilot.engine.errors import RecipeError
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.knowledge.documents import KnowledgeDoc
from recipe_copilot.knowledge.errors import KnowledgeSourceError

__all__ = ["RECIPES_DIR", "bundled_recipe_paths", "read_header", "recipe_documents", "recipe_to_document"]

RECIPES_DIR = Path(__file__).parent / "recipes"

_OP_LINE = regex.compile(r"^\s*-\s*([A-Za-z0-9_]+)\s*:?[^#]*(?:#\s*(.*))?$")
_MODALITY = regex.compile(r"^modality:\s*(\w+)", regex.IGNORECASE)


def bundled_recipe_paths() -> list[Path]:
    """The bundled recipe files, sorted by name."""
    return sorted(RECIPES_DIR.glob("*.yaml"))


def read_header(text: str) -> list[str]:
    """The leading comment block of a YAML file, one entry per line, ``#`` removed."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return lines


def _op_comments(text: str) -> list[str]:
    """The trailing comment of each ``- op_name:`` line of ``process``, in order ('' when none)."""
    out = []
    in_process = False
    for line in text.splitlines():
        if line.startswith("process:"):
            in_process = True
            continue
        if in_process and line and not line[0].isspace() and not line.startswith(("-", "#")):
            in_process = False
        if in_process:
            m = _OP_LINE.match(line)
            if m and line.lstrip().startswith("-"):
                out.append((m.group(2) or "").strip())
    return out


def recipe_to_document(path: Path) -> KnowledgeDoc:
    """The knowledge document of one bundled recipe file.

    Args:
        path: a YAML recipe with a comment header.

    Returns:
        A document with id ``recipe:<file stem>`` whose payload holds the recipe mapping.

    Raises:
        KnowledgeSourceError: the file is not a valid recipe for this engine.
    """
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            recipe = recipe_from_mapping(raw, source=str(path))
    except (yaml.YAMLError, RecipeError) as exc:
        msg = f"bundled recipe {path.name} is invalid: {exc}; fix the file in {RECIPES_DIR}"
        raise KnowledgeSourceError(msg) from None
    header = read_header(text)
    title = header[0] if header else path.stem.replace("_", " ")
    body = [h for h in header[1:] if not _MODALITY.match(h)]
    modality = next((m.group(1).lower() for h in header if (m := _MODALITY.match(h))), "text")
    comments = _op_comments(text)
    ops: list[dict[str, Any]] = []
    lines = [title, " ".join(" ".join(body).split()), "Ops, in order:"]
    for i, spec in enumerate(recipe.process):
        why = comments[i] if i < len(comments) and comments[i] else op_doc(spec.op_class)["description"]
        params = spec.own_params()
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        lines.append(f"{i + 1}. {spec.name}{f' ({shown})' if shown else ''}: {why}")
        ops.append({"name": spec.name, "params": params, "why": why})
    names = [o["name"] for o in ops]
    description = " ".join(" ".join(body).split())
    return KnowledgeDoc(
        id=f"recipe:{path.stem}",
        kind="recipe",
        name=path.stem,
        text="\n".join(lines).replace("``", ""),
        summary=f"{title}. {description.split('. ')[0]}",
        keywords=" ".join([path.stem, *names]),
        metadata={"modality": modality, "title": title, "num_ops": len(ops)},
        payload={"name": path.stem, "title": title, "description": description, "modality": modality,
                 "file": path.name, "ops": ops, "recipe": raw},
    )


def recipe_documents() -> list[KnowledgeDoc]:
    """One document per bundled recipe, sorted by name."""
    return [recipe_to_document(p) for p in bundled_recipe_paths()]
