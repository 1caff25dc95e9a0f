"""The op registry: every module under ``filters/``, ``mappers/``, ``deduplicators/`` and
``selectors/`` defines exactly one op, registered under its file name. Nothing is listed by
hand; the packages are walked on first use (so importing the engine stays cheap).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from recipe_copilot.engine.errors import UnknownOpError
from recipe_copilot.engine.ops.base import Op

__all__ = ["OP_PACKAGES", "get_op_class", "register_op", "registry"]

OP_PACKAGES = ("mappers", "filters", "deduplicators", "selectors")


@cache
def registry() -> dict[str, type[Op]]:
    """All ops by name, importing every op module once."""
    ops: dict[str, type[Op]] = {}
    for package in OP_PACKAGES:
        pkg = importlib.import_module(f"{__name__}.{package}")
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
            found = [
                obj
                for obj in vars(module).values()
                if inspect.isclass(obj) and issubclass(obj, Op) and obj.__module__ == module.__name__
            ]
            if len(found) != 1:
                msg = f"{module.__name__} must define exactly one op, found {[c.__name__ for c in found]}"
                raise TypeError(msg)
            ops[found[0].name] = found[0]
    return dict(sorted(ops.items()))


def register_op(cls: type[Op]) -> type[Op]:
    """Add an op defined outside the bundled packages (a plugin, or a test's fake op).

    The class must set ``name`` itself. Use as a decorator; returns the class.
    """
    if not cls.name:
        msg = f"{cls.__qualname__} must set a `name` to be registered"
        raise TypeError(msg)
    registry()[cls.name] = cls
    return cls


def get_op_class(name: str, *, where: str = "") -> type[Op]:
    """The op class registered as ``name``; :class:`UnknownOpError` names the closest ones."""
    ops = registry()
    if name not in ops:
        raise UnknownOpError(name, ops, where=where)
    return ops[name]
