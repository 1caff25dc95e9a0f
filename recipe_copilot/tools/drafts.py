"""Recipe drafts: a recipe being built with the user, its version history, and structured edits.

A :class:`RecipeDraft` holds every version of the recipe (as mappings, paths as the user
wrote them) and points at the current one. Each edit makes a new version whose parent is the
current one, so ``undo`` goes to the parent, ``redo`` to the newest child, and ``revert`` to
any version; nothing is ever lost. A draft is plain JSON (:meth:`RecipeDraft.model_dump_json`)
so the copilot can keep it wherever it keeps sessions; :class:`DraftStore` keeps drafts in
memory and, by default, as ``<root>/.copilot/drafts/<id>.json``.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field

from recipe_copilot.tools.errors import DraftNotFoundError, EditError, NothingToUndoError

__all__ = [
    "DRAFT_ID_PATTERN",
    "AddOp",
    "DraftStore",
    "DraftVersion",
    "Edit",
    "MoveOp",
    "RecipeDraft",
    "Redo",
    "RemoveOp",
    "Revert",
    "SetGlobal",
    "SetParam",
    "Undo",
    "UnsetGlobal",
    "UnsetParam",
    "apply_edit",
    "is_navigation",
    "navigate",
    "normalise",
    "op_items",
    "recipe_yaml",
]

DRAFT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

#: an op of the process list: its position (0-based) or its name (must be unique in the recipe)
OpRef = int | str


class AddOp(BaseModel):
    """Insert an op at ``position`` (0-based; default: at the end)."""

    action: Literal["add_op"] = "add_op"
    op: str = Field(description="Op name, e.g. text_length_filter.")
    params: dict[str, Any] = Field(default_factory=dict, description="The op's parameters.")
    position: int | None = Field(None, ge=0, description="Where to insert (0 = first); default: append.")


class RemoveOp(BaseModel):
    """Remove an op."""

    action: Literal["remove_op"] = "remove_op"
    target: OpRef = Field(description="The op's position (0-based) or its name.")


class MoveOp(BaseModel):
    """Move an op to another position."""

    action: Literal["move_op"] = "move_op"
    target: OpRef = Field(description="The op's position (0-based) or its name.")
    to: int = Field(ge=0, description="Its new position (0-based), counted after taking it out.")


class SetParam(BaseModel):
    """Set one parameter of an op."""

    action: Literal["set_param"] = "set_param"
    target: OpRef = Field(description="The op's position (0-based) or its name.")
    param: str = Field(description="Parameter name, e.g. min_len.")
    value: Any = Field(description="The new value (use unset_param to go back to the default).")


class UnsetParam(BaseModel):
    """Remove a parameter from an op, so the op's default applies."""

    action: Literal["unset_param"] = "unset_param"
    target: OpRef = Field(description="The op's position (0-based) or its name.")
    param: str


class SetGlobal(BaseModel):
    """Set a global recipe key (dataset_path, export_path, np, text_keys...)."""

    action: Literal["set_global"] = "set_global"
    key: str
    value: Any


class UnsetGlobal(BaseModel):
    """Remove a global recipe key (its default applies)."""

    action: Literal["unset_global"] = "unset_global"
    key: str


class Undo(BaseModel):
    """Go back ``steps`` versions (to the parent of the current version, and so on)."""

    action: Literal["undo"] = "undo"
    steps: int = Field(1, ge=1)


class Redo(BaseModel):
    """Go forward again after an undo (to the newest child of the current version)."""

    action: Literal["redo"] = "redo"
    steps: int = Field(1, ge=1)


class Revert(BaseModel):
    """Make an earlier (or later) version the current one."""

    action: Literal["revert"] = "revert"
    version: int = Field(ge=0)


Edit = Annotated[
    AddOp | RemoveOp | MoveOp | SetParam | UnsetParam | SetGlobal | UnsetGlobal | Undo | Redo | Revert,
    Field(discriminator="action"),
]
_NAVIGATION = (Undo, Redo, Revert)


class DraftVersion(BaseModel):
    """One version of a draft."""

    version: int
    parent: int | None = Field(None, description="The version this one was edited from.")
    recipe: dict[str, Any]
    note: str = Field("", description="What changed, in words.")
    created: float = Field(default_factory=time.time)


class RecipeDraft(BaseModel):
    """A recipe under construction: every version, and which one is current."""

    id: str = Field(pattern=DRAFT_ID_PATTERN)
    versions: list[DraftVersion] = Field(default_factory=list)
    current: int = 0

    @classmethod
    def new(cls, draft_id: str, recipe: dict[str, Any], note: str = "created") -> RecipeDraft:
        """A draft whose version 0 is ``recipe``."""
        return cls(id=draft_id, versions=[DraftVersion(version=0, recipe=normalise(recipe), note=note)])

    @property
    def recipe(self) -> dict[str, Any]:
        """The current version's recipe (a copy)."""
        return copy.deepcopy(self.versions[self.current].recipe)

    def commit(self, recipe: dict[str, Any], note: str) -> DraftVersion:
        """Add a version edited from the current one and make it current."""
        version = DraftVersion(version=len(self.versions), parent=self.current, recipe=copy.deepcopy(recipe), note=note)
        self.versions.append(version)
        self.current = version.version
        return version

    def undo(self, steps: int = 1) -> None:
        """Make the parent of the current version current, ``steps`` times."""
        for _ in range(steps):
            parent = self.versions[self.current].parent
            if parent is None:
                msg = f"draft {self.id!r} is at its first version (v{self.current}); there is nothing to undo"
                raise NothingToUndoError(msg, hint="Use revert with a version number from the history.")
            self.current = parent

    def redo(self, steps: int = 1) -> None:
        """Make the newest child of the current version current, ``steps`` times."""
        for _ in range(steps):
            children = [v.version for v in self.versions if v.parent == self.current]
            if not children:
                msg = f"draft {self.id!r}: version v{self.current} has no later edit to redo"
                raise NothingToUndoError(msg, hint="Use revert with a version number from the history.")
            self.current = max(children)

    def revert(self, version: int) -> None:
        """Make ``version`` current."""
        if not 0 <= version < len(self.versions):
            msg = f"draft {self.id!r} has no version {version}; versions are 0 to {len(self.versions) - 1}"
            raise NothingToUndoError(msg, hint="Pick a version from the draft's history.")
        self.current = version


def normalise(recipe: dict[str, Any]) -> dict[str, Any]:
    """A recipe mapping with every process item as ``{op: {params}}`` (``- op`` and ``op: null`` too)."""
    out = copy.deepcopy(recipe)
    process = out.get("process")
    if isinstance(process, list):
        items = []
        for item in process:
            if isinstance(item, str):
                item = {item: {}}
            elif isinstance(item, dict) and len(item) == 1:
                name, params = next(iter(item.items()))
                item = {name: dict(params) if isinstance(params, dict) else ({} if params is None else params)}
            items.append(item)
        out["process"] = items
    return out


def recipe_yaml(recipe: dict[str, Any]) -> str:
    """A recipe mapping as YAML text (keys in their order)."""
    return yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True, default_flow_style=False)


def op_items(recipe: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The ``(name, params)`` of every op of a normalised recipe, in order."""
    out = []
    for item in recipe.get("process") or []:
        if isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            out.append((str(name), params if isinstance(params, dict) else {}))
    return out


def _find(recipe: dict[str, Any], target: OpRef) -> int:
    """The position of the op ``target`` names, or :class:`EditError`."""
    ops = op_items(recipe)
    listing = ", ".join(f"{i}: {name}" for i, (name, _) in enumerate(ops)) or "none"
    if isinstance(target, int):
        if 0 <= target < len(ops):
            return target
        msg = f"there is no op at position {target}; the recipe has {len(ops)} op(s) ({listing})"
        raise EditError(msg, hint="Positions are 0-based; refer to an op by position or by name.")
    where = [i for i, (name, _) in enumerate(ops) if name == target]
    if len(where) == 1:
        return where[0]
    if not where:
        msg = f"the recipe has no op named {target!r}; its ops are: {listing}"
        raise EditError(msg, hint="Use add_op to add it, or refer to an op that is there.")
    msg = f"op {target!r} appears {len(where)} times (positions {where}); say which by position"
    raise EditError(msg, hint="Use the position instead of the name.", positions=where)


def apply_edit(recipe: dict[str, Any], edit: BaseModel) -> tuple[dict[str, Any], str]:
    """Apply one content edit (not undo/redo/revert) to a normalised recipe.

    Args:
        recipe: the recipe (left unchanged).
        edit: one of :class:`AddOp`, :class:`RemoveOp`, :class:`MoveOp`, :class:`SetParam`,
            :class:`UnsetParam`, :class:`SetGlobal`, :class:`UnsetGlobal`.

    Returns:
        The edited copy and a note saying what changed.

    Raises:
        EditError: the edit names a position, op, parameter or key that is not there.
    """
    out = copy.deepcopy(recipe)
    process: list = out.setdefault("process", [])
    if isinstance(edit, AddOp):
        pos = len(process) if edit.position is None else edit.position
        if pos > len(process):
            msg = f"cannot insert at position {pos}: the recipe has {len(process)} op(s), so 0 to {len(process)} work"
            raise EditError(msg, hint="Leave position out to append.")
        process.insert(pos, {edit.op: dict(edit.params)})
        return out, f"add {edit.op} at {pos}"
    if isinstance(edit, RemoveOp):
        pos = _find(out, edit.target)
        name = next(iter(process.pop(pos)))
        return out, f"remove {name} from {pos}"
    if isinstance(edit, MoveOp):
        pos = _find(out, edit.target)
        item = process.pop(pos)
        if edit.to > len(process):
            msg = f"cannot move to position {edit.to}: 0 to {len(process)} work"
            raise EditError(msg, hint="Positions are 0-based.")
        process.insert(edit.to, item)
        return out, f"move {next(iter(item))} from {pos} to {edit.to}"
    if isinstance(edit, SetParam | UnsetParam):
        pos = _find(out, edit.target)
        name, params = next(iter(process[pos].items()))
        if isinstance(edit, SetParam):
            if edit.value is None:
                msg = f"set_param {name}.{edit.param} to null is ambiguous"
                raise EditError(msg, hint="Use unset_param to go back to the op's default.")
            params[edit.param] = edit.value
            return out, f"set {name}[{pos}].{edit.param} = {edit.value!r}"
        if edit.param not in params:
            msg = f"op {name} at {pos} does not set {edit.param!r}; it sets: {', '.join(params) or 'nothing'}"
            raise EditError(msg, hint="Only parameters the recipe sets can be unset.")
        del params[edit.param]
        return out, f"unset {name}[{pos}].{edit.param}"
    if isinstance(edit, SetGlobal):
        if edit.key == "process":
            msg = "set_global cannot replace `process`"
            raise EditError(msg, hint="Use add_op, remove_op and move_op.")
        out[edit.key] = edit.value
        return out, f"set {edit.key} = {edit.value!r}"
    if isinstance(edit, UnsetGlobal):
        if edit.key not in out or edit.key == "process":
            keys = ", ".join(k for k in out if k != "process") or "none"
            msg = f"the recipe does not set the global key {edit.key!r}; it sets: {keys}"
            raise EditError(msg, hint="Only keys the recipe sets can be unset.")
        del out[edit.key]
        return out, f"unset {edit.key}"
    msg = f"unsupported edit {type(edit).__name__}"  # pragma: no cover - the union is closed
    raise EditError(msg)


def navigate(draft: RecipeDraft, edit: BaseModel) -> str:
    """Apply undo/redo/revert to ``draft``; return a note."""
    before = draft.current
    if isinstance(edit, Undo):
        draft.undo(edit.steps)
    elif isinstance(edit, Redo):
        draft.redo(edit.steps)
    else:
        draft.revert(edit.version)  # type: ignore[attr-defined]
    return f"{edit.action}: v{before} -> v{draft.current}"  # type: ignore[attr-defined]


def is_navigation(edit: BaseModel) -> bool:
    """Whether an edit moves in the history (undo, redo, revert) instead of changing the recipe."""
    return isinstance(edit, _NAVIGATION)


class DraftStore:
    """Drafts by id, in memory and (with ``folder``) as JSON files ``<folder>/<id>.json``.

    Args:
        folder: where to keep the JSON files; None keeps drafts in memory only.
    """

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        """Remember the folder; files are read on first use."""
        self.folder = Path(folder) if folder is not None else None
        self._drafts: dict[str, RecipeDraft] = {}

    def ids(self) -> list[str]:
        """Every draft id, sorted."""
        found = set(self._drafts)
        if self.folder is not None and self.folder.is_dir():
            found |= {p.stem for p in self.folder.glob("*.json")}
        return sorted(found)

    def get(self, draft_id: str) -> RecipeDraft:
        """A copy of the draft ``draft_id``.

        Raises:
            DraftNotFoundError: there is none (the message lists the drafts there are).
        """
        draft = self._drafts.get(draft_id)
        if draft is None and self.folder is not None:
            path = self.folder / f"{draft_id}.json"
            if path.is_file() and path.parent == self.folder:
                draft = RecipeDraft.model_validate_json(path.read_text(encoding="utf-8"))
                self._drafts[draft_id] = draft
        if draft is None:
            msg = f"no recipe draft {draft_id!r}; drafts: {', '.join(self.ids()) or 'none yet'}"
            hint = "Start one with edit_recipe and start_from (a recipe, a recipe_path, or {} for an empty one)."
            raise DraftNotFoundError(msg, hint=hint, drafts=self.ids())
        return draft.model_copy(deep=True)

    def exists(self, draft_id: str) -> bool:
        """Whether a draft ``draft_id`` exists."""
        return draft_id in self.ids()

    def put(self, draft: RecipeDraft) -> None:
        """Store (replace) a draft."""
        self._drafts[draft.id] = draft.model_copy(deep=True)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{draft.id}.json"
            tmp = path.with_name(f".{draft.id}.json.tmp")
            tmp.write_text(draft.model_dump_json(indent=1), encoding="utf-8")
            os.replace(tmp, path)
