"""Op documentation generated from the registry: the one source for the CLI, the knowledge
index and the agent's tool schemas."""

from __future__ import annotations

import inspect
from typing import Any

from pydantic.fields import FieldInfo

from recipe_copilot.engine.ops import registry
from recipe_copilot.engine.ops.base import FilterParams, Op, OpParams

__all__ = ["COMMON_PARAMS", "list_ops", "op_doc"]

#: parameters every op (or every filter) accepts; docs list only an op's own
COMMON_PARAMS = frozenset(FilterParams.model_fields) | frozenset(OpParams.model_fields)


def _param_doc(name: str, info: FieldInfo) -> dict[str, Any]:
    ann = info.annotation
    type_name = getattr(ann, "__name__", None) or str(ann).replace("typing.", "")
    bounds = {}
    for meta in info.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(meta, attr, None) is not None:
                bounds[attr] = getattr(meta, attr)
    default = info.get_default(call_default_factory=True)
    return {"name": name, "type": type_name, "default": default, "description": info.description or "", **bounds}


def op_doc(cls: type[Op]) -> dict[str, Any]:
    """Everything a user or the agent needs to know about one op, as plain data."""
    doc = inspect.getdoc(cls) or ""
    summary, _, rest = doc.partition("\n")
    example = rest.split("Example:", 1)[1].strip() if "Example:" in rest else ""
    own = [
        _param_doc(name, info)
        for name, info in cls.Params.model_fields.items()
        if name not in COMMON_PARAMS or name == "text_key"
    ]
    body = rest.split("Example:", 1)[0]
    use = next((" ".join(par.split()) for par in body.split("\n\n") if par.strip().startswith("Typical use:")), "")
    return {
        "name": cls.name,
        "type": cls.kind,
        "description": summary.strip(),
        "use": use.removeprefix("Typical use:").strip(),
        "details": rest.split("Example:", 1)[0].strip(),
        "params": own,
        "stat_key": getattr(cls, "stat_key", None),
        "requires": list(cls.requires),
        "example": example,
    }


def list_ops(*, query: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Docs of every registered op, optionally only those of a kind or whose name contains ``query``."""
    out = []
    for name, cls in registry().items():
        if kind and cls.kind != kind:
            continue
        if query and query.lower() not in name:
            continue
        out.append(op_doc(cls))
    return out
