"""Every exception the engine raises on purpose.

Hierarchy::

    EngineError                  base of all of them; never raised itself
    ├── RecipeError              a recipe cannot be loaded or validated
    │   ├── RecipeSyntaxError    the YAML/JSON text itself is broken
    │   ├── UnknownOpError       an op name that is not registered
    │   ├── ParamError           an op parameter is unknown, ill-typed or out of range
    │   └── GlobalKeyError       a global recipe key is unknown or has a bad value
    ├── DatasetError             input data cannot be found, read or recognised
    ├── MissingDependencyError   an optional package an op or format needs is not installed
    ├── CheckpointError          a checkpoint does not match the run being resumed
    └── RunCancelled             the run was stopped (Ctrl-C or cancel) and can be resumed

Errors caused by a single sample (an op raising on it, a malformed input line) are not
exceptions at this level: they are quarantined with their reason and counted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CheckpointError",
    "DatasetError",
    "EngineError",
    "GlobalKeyError",
    "MissingDependencyError",
    "ParamError",
    "RecipeError",
    "RecipeSyntaxError",
    "RunCancelled",
    "UnknownOpError",
    "closest",
]


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look most like ``name`` (best first)."""
    pool = list(candidates)
    found = difflib.get_close_matches(name, pool, n=n, cutoff=0.5)
    if len(found) < n:
        # substring matches catch "minhash" -> "document_minhash_deduplicator"
        found += [c for c in sorted(pool) if name and name in c and c not in found][: n - len(found)]
    return found


class EngineError(Exception):
    """Base class; catch this to handle anything the engine raises deliberately."""


class RecipeError(EngineError):
    """Raised when a recipe cannot be loaded or fails validation."""


class RecipeSyntaxError(RecipeError):
    """Raised when the recipe text is not valid YAML/JSON, or not a mapping at the top."""


class UnknownOpError(RecipeError):
    """Raised when a recipe names an op that is not registered; lists the closest names."""

    def __init__(self, name: str, known: Iterable[str], *, where: str = "") -> None:
        self.name = name
        self.suggestions = closest(name, known)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}unknown op {name!r}.{hint} Run `copilot ops` to list every op."
        )


class ParamError(RecipeError):
    """Raised when an op parameter is unknown, has the wrong type, or is out of range."""


class GlobalKeyError(RecipeError):
    """Raised when a global (top-level) recipe key is unknown or has a bad value."""


class DatasetError(EngineError):
    """Raised when the input dataset cannot be found, opened or recognised."""


class MissingDependencyError(EngineError):
    """Raised before any data is read when an op or format needs a package that is missing."""

    def __init__(self, package: str, *, needed_by: str, extra: str | None = None) -> None:
        fix = f"pip install 'recipe-copilot[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{needed_by} needs the package {package!r}, which is not installed: {fix}")


class CheckpointError(EngineError):
    """Raised when ``--resume`` finds a checkpoint made by a different recipe or input."""


class RunCancelled(EngineError):
    """Raised when a run is interrupted; finished shards are kept for ``--resume``."""
