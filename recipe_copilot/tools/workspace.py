"""The workspace: the one folder the tools may read and write, and the recipes as the engine sees them.

Every path a tool receives is taken relative to the workspace root (an absolute path is
accepted if it lies inside), resolved (``..`` and symlinks), and refused with
:class:`~recipe_copilot.tools.errors.WorkspacePathError` when it lands outside. Recipes keep
their paths as the user wrote them (relative to the root); :meth:`Workspace.engine_recipe`
hands the engine a copy whose paths are absolute and checked, so a run never depends on the
process's current directory.
"""

from __future__ import annotations

import copy
import os
import re
import warnings
from pathlib import Path
from typing import Any

from recipe_copilot.engine.io.readers import InputFile, resolve_inputs
from recipe_copilot.engine.recipe import Recipe, recipe_from_mapping
from recipe_copilot.tools.errors import PathNotFoundError, WorkspacePathError

__all__ = ["RECIPE_PATH_KEYS", "STATE_DIR", "Workspace", "is_path_param"]

#: folder under the root where the tools keep drafts, dry runs, profiles and run states
STATE_DIR = ".copilot"
#: global recipe keys that hold paths
RECIPE_PATH_KEYS = ("dataset_path", "export_path", "work_dir")
#: Data-Juicer's default export path, taken relative to the workspace root
DEFAULT_EXPORT = "outputs/hello_world/hello_world.jsonl"
_GLOB_CHARS = re.compile(r"[*?\[]")


def is_path_param(name: str) -> bool:
    """Whether an op parameter names a file or folder (``*_dir``, ``*_path``, ``tokenizer_model``)."""
    return name.endswith(("_dir", "_path")) or name == "tokenizer_model"


class Workspace:
    """A root folder that confines every path the tools touch.

    Args:
        root: the folder; it must exist.

    Raises:
        WorkspacePathError: ``root`` is not an existing folder.

    Example:
        >>> ws = Workspace(".")  # doctest: +SKIP
        >>> ws.resolve("../etc/passwd")  # doctest: +SKIP
        Traceback (most recent call last):
        WorkspacePathError: path '../etc/passwd' resolves to /etc/passwd, outside the workspace root ...
    """

    def __init__(self, root: str | os.PathLike) -> None:
        """Resolve and check the root."""
        path = Path(root).expanduser().resolve()
        if not path.is_dir():
            msg = f"workspace root {str(root)!r} is not an existing folder"
            raise WorkspacePathError(msg, hint="Create the folder first or pick another root.", root=str(path))
        self.root = path

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @property
    def state_dir(self) -> Path:
        """``<root>/.copilot``: drafts, dry runs and run states of the tools."""
        return self.root / STATE_DIR

    # ------------------------------------------------------------------ paths
    def resolve(self, path: str | os.PathLike, *, must_exist: bool = False, what: str = "path") -> Path:
        """The absolute, resolved form of ``path``, checked to lie inside the root.

        Args:
            path: relative to the root, or absolute.
            must_exist: refuse a path that does not exist.
            what: what the path is, for messages ("dataset", "recipe file").

        Returns:
            The resolved path.

        Raises:
            WorkspacePathError: the path is outside the root or not a valid path.
            PathNotFoundError: ``must_exist`` and nothing is there.
        """
        raw = os.fspath(path)
        try:
            candidate = Path(raw).expanduser()
            resolved = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        except (OSError, ValueError, RuntimeError) as exc:
            msg = f"{what} {raw!r} is not a valid path: {exc}"
            raise WorkspacePathError(msg, hint="Give a path relative to the workspace root.", path=raw) from None
        if not self.contains(resolved):
            msg = f"{what} {raw!r} resolves to {resolved}, outside the workspace root {self.root}"
            hint = "Use a path inside the workspace; relative paths are taken from the root."
            raise WorkspacePathError(msg, hint=hint, path=raw, root=str(self.root))
        if must_exist and not resolved.exists():
            msg = f"{what} {raw!r} does not exist in the workspace {self.root}"
            hint = f"Paths are relative to the root; it holds: {', '.join(self.listing()) or 'nothing'}."
            raise PathNotFoundError(msg, hint=hint, path=raw)
        return resolved

    def contains(self, path: Path) -> bool:
        """Whether an already resolved path is the root or inside it."""
        return path == self.root or path.is_relative_to(self.root)

    def relative(self, path: str | os.PathLike) -> str:
        """``path`` relative to the root, for showing (unchanged if it is outside)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix() or "."
        except ValueError:
            return str(p)

    def listing(self, limit: int = 12) -> list[str]:
        """A few names at the root (folders end in ``/``), for hints."""
        try:
            entries = sorted(p for p in self.root.iterdir() if not p.name.startswith("."))
        except OSError:
            return []
        return [p.name + ("/" if p.is_dir() else "") for p in entries[:limit]]

    def resolve_pattern(self, pattern: str, *, what: str = "dataset", must_exist: bool = False) -> str:
        """An absolute form of a file, folder or glob; the part before any wildcard is checked.

        Args:
            pattern: a path or glob, relative to the root.
            what: what it is, for messages.
            must_exist: refuse a plain path (not a glob) that does not exist.
        """
        if not _GLOB_CHARS.search(pattern):
            return str(self.resolve(pattern, what=what, must_exist=must_exist))
        parts = Path(pattern).parts
        fixed = []
        for part in parts:
            if _GLOB_CHARS.search(part):
                break
            fixed.append(part)
        base = self.resolve(Path(*fixed) if fixed else ".", what=what)
        rest = parts[len(fixed):]
        return str(base.joinpath(*rest))

    def dataset_files(self, dataset_path: str, suffixes: list[str] | None = None) -> list[InputFile]:
        """The input files of a dataset path (file, folder or glob), each checked to lie inside the root.

        Raises:
            WorkspacePathError: the path, or a file it reaches through a symlink, is outside.
            DatasetError: nothing readable is there (from the engine's reader).
        """
        files = resolve_inputs(self.resolve_pattern(dataset_path, must_exist=True), suffixes)
        for f in files:
            real = Path(f.path).resolve()
            if not self.contains(real):
                msg = f"dataset file {f.path} resolves to {real}, outside the workspace root {self.root}"
                raise WorkspacePathError(msg, hint="Copy the data into the workspace.", path=f.path,
                                         root=str(self.root))
        return files

    # ------------------------------------------------------------------ recipes
    def engine_mapping(self, mapping: dict[str, Any]) -> dict[str, Any]:
        """A copy of a recipe mapping with every path absolute and checked.

        The global keys ``dataset_path``, ``export_path`` (Data-Juicer's default when absent)
        and ``work_dir``, and op parameters that name files (:func:`is_path_param`).

        Raises:
            WorkspacePathError: a path lies outside the root.
        """
        out = copy.deepcopy(mapping) if isinstance(mapping, dict) else mapping
        if not isinstance(out, dict):
            return out
        if isinstance(out.get("dataset_path"), str) and out["dataset_path"]:
            out["dataset_path"] = self.resolve_pattern(out["dataset_path"])
        out["export_path"] = str(self.resolve(str(out.get("export_path") or DEFAULT_EXPORT), what="export_path"))
        if isinstance(out.get("work_dir"), str) and out["work_dir"]:
            out["work_dir"] = str(self.resolve(out["work_dir"], what="work_dir"))
        process = out.get("process")
        if isinstance(process, list):
            for item in process:
                if not isinstance(item, dict) or len(item) != 1:
                    continue
                name, params = next(iter(item.items()))
                if not isinstance(params, dict):
                    continue
                for key, value in params.items():
                    if is_path_param(key) and isinstance(value, str) and value:
                        params[key] = str(self.resolve(value, what=f"{name}.{key}"))
        return out

    def engine_recipe(self, mapping: dict[str, Any], *, source: str = "recipe") -> tuple[Recipe, list[str]]:
        """Validate a recipe mapping for this workspace: paths made absolute and confined.

        Args:
            mapping: the recipe as the user wrote it (paths relative to the root).
            source: where it came from, for messages.

        Returns:
            The validated recipe (absolute paths) and the warnings validation gave
            (keys that are accepted but ignored).

        Raises:
            WorkspacePathError: a path lies outside the root.
            RecipeError: the engine's validation error (unknown op, bad parameter...).
        """
        abs_mapping = self.engine_mapping(mapping)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recipe = recipe_from_mapping(abs_mapping, source=source)
        return recipe, [str(w.message) for w in caught]
