"""One document per registered op, generated from :func:`recipe_copilot.engine.docs.op_doc`.

Nothing here is written by hand per op: the name, kind, one-line purpose, details, parameters
(type, default, bounds, choices), stat key and example all come from the op class and its
pydantic ``Params`` model.
"""

from __future__ import annotations

import sys
import typing
from typing import Any

from recipe_copilot.engine.docs import op_doc
from recipe_copilot.engine.ops import registry
from recipe_copilot.engine.ops.base import Op
from recipe_copilot.knowledge.documents import KnowledgeDoc

__all__ = ["KIND_PHRASES", "op_documents", "op_modality", "op_to_document"]

#: what each kind of op does to a dataset, in words (prepended so the embedding knows the role)
KIND_PHRASES = {
    "mapper": "mapper: edits or cleans the content of every sample",
    "filter": "filter: keeps or drops whole samples by a measured statistic",
    "deduplicator": "deduplicator: removes duplicate samples or repeated content",
    "selector": "selector: picks a subset of the samples",
    "formatter": "formatter: reads data into the sample format",
}

_MODALITY_PREFIXES = ("image", "video", "audio")


def op_modality(cls: type[Op]) -> str:
    """The modality an op works on: its ``modality`` attribute, else its name prefix, else ``text``."""
    declared = getattr(cls, "modality", None)
    if isinstance(declared, str) and declared:
        return declared
    prefix = cls.name.split("_", 1)[0]
    return prefix if prefix in _MODALITY_PREFIXES else "text"


def _choices(cls: type[Op], name: str) -> list[Any]:
    ann = cls.Params.model_fields[name].annotation
    found: list[Any] = []
    parts = (ann,) if typing.get_origin(ann) is typing.Literal else typing.get_args(ann)
    for part in parts:
        if typing.get_origin(part) is typing.Literal:
            found += list(typing.get_args(part))
    return found


def _default_text(value: Any) -> str:
    if value == sys.maxsize:
        return "no limit"
    return repr(value)


def _param_line(p: dict[str, Any]) -> str:
    bounds = ", ".join(f"{sym} {p[key]}" for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
                       if key in p)
    extra = f", one of {', '.join(map(str, p['choices']))}" if p.get("choices") else ""
    extra += f", {bounds}" if bounds else ""
    return f"- {p['name']} ({p['type']}, default {_default_text(p['default'])}{extra}): {p['description']}"


def _drop_sentence(doc: dict[str, Any]) -> str:
    """For a filter with a stat, the same rule said from the side of what it removes."""
    if doc["type"] != "filter" or not doc["stat_key"]:
        return ""
    return f" Removes the samples whose {doc['stat_key'].replace('_', ' ')} is too low or too high."


def op_to_document(cls: type[Op]) -> KnowledgeDoc:
    """The knowledge document of one op class.

    Args:
        cls: a registered op class.

    Returns:
        A document with id ``op:<name>``, prose for embedding, the op's name and parameter
        names as keywords, and the full op doc (as :func:`op_doc` gives it) as payload.
    """
    doc = op_doc(cls)
    for p in doc["params"]:
        choices = _choices(cls, p["name"])
        if choices:
            p["choices"] = choices
    modality = op_modality(cls)
    doc["modality"] = modality
    own = [p for p in doc["params"] if p["name"] != "text_key"]
    lines = [
        f"{doc['name'].replace('_', ' ')}: {doc['description']}",
        f"Op `{doc['name']}`, a {modality} {KIND_PHRASES.get(doc['type'], doc['type'])}.",
    ]
    if doc["details"]:
        lines.append(" ".join(doc["details"].split()))
    if own:
        lines.append("Parameters:")
        lines += [_param_line(p) for p in own]
    if doc["stat_key"]:
        lines.append(f"Writes the stat __dj__stats__.{doc['stat_key']}.")
    if doc["requires"]:
        lines.append(f"Needs the packages: {', '.join(doc['requires'])}.")
    if doc["example"]:
        lines.append("Example: " + " ".join(doc["example"].split()))
    use = f" Used to {doc['use']}" if doc.get("use") else ""
    summary = f"{doc['name'].replace('_', ' ')}: {doc['description']}{_drop_sentence(doc)}{use}"
    keywords = " ".join([doc["name"], *(p["name"] for p in own), doc["stat_key"] or ""]).strip()
    return KnowledgeDoc(
        id=f"op:{doc['name']}",
        kind="op",
        name=doc["name"],
        text="\n".join(lines).replace("``", ""),
        summary=summary.replace("``", ""),
        keywords=keywords,
        metadata={"op_type": doc["type"], "modality": modality},
        payload=doc,
    )


def op_documents() -> list[KnowledgeDoc]:
    """One document per registered op, sorted by name."""
    return [op_to_document(cls) for cls in registry().values()]
