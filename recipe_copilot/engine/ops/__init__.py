"""The op registry: every module under ``filters/``, ``mappers/``, ``deduplicators/`` and
``selectors/`` defines exactly one op, registered under its file name. Nothing is listed by
hand: the packages are walked, and a module is imported only when its op is asked for (a
recipe run imports only the ops it uses; listing all ops imports them all).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from recipe_copilot.engine.errors import UnknownOpError
from recipe_copilot.engine.ops.base import OP_PACKAGES, Op

__all__ = ["OP_PACKAGES", "get_op_class", "op_names", "register_op", "registry"]

_EXTRA: dict[str, type[Op]] = {}


@cache
def _index() -> dict[str, str]:
    """Op name -> module path, from file names alone (no imports)."""
    found = {}
    for package in OP_PACKAGES:
        pkg = importlib.import_module(f"{__name__}.{package}")
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                found[info.name] = f"{pkg.__name__}.{info.name}"
    return found


def op_names() -> list[str]:
    """Every registered op name, sorted, without importing the ops."""
    return sorted({*_index(), *_EXTRA})


@cache
def _load(module_path: str) -> type[Op]:
    module = importlib.import_module(module_path)
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Op) and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        msg = f"{module.__name__} must define exactly one op, found {[c.__name__ for c in found]}"
        raise TypeError(msg)
    return found[0]


def get_op_class(name: str, *, where: str = "") -> type[Op]:
    """The op class registered as ``name``; :class:`UnknownOpError` names the closest ones."""
    if name in _EXTRA:
        return _EXTRA[name]
    path = _index().get(name)
    if path is None:
        raise UnknownOpError(name, op_names(), where=where)
    return _load(path)


def registry() -> dict[str, type[Op]]:
    """All ops by name (imports every op module)."""
    return {name: get_op_class(name) for name in op_names()}


def register_op(cls: type[Op]) -> type[Op]:
    """Add an op defined outside the bundled packages (a plugin, or a test's fake op).

    The class must set ``name`` itself. Use as a decorator; returns the class.
    """
    if not cls.name:
        msg = f"{cls.__qualname__} must set a `name` to be registered"
        raise TypeError(msg)
    _EXTRA[cls.name] = cls
    return cls
