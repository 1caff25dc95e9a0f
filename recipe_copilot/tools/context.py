"""What every tool receives: the workspace, the knowledge index, the drafts and the runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from recipe_copilot.tools.drafts import DraftStore
from recipe_copilot.tools.errors import KnowledgeUnavailableError
from recipe_copilot.tools.runmanager import RunManager
from recipe_copilot.tools.workspace import Workspace

__all__ = ["ToolContext", "knowledge_module"]


@dataclass
class ToolContext:
    """The collaborators of the tools, for one workspace.

    Args:
        workspace: the root every path is confined to.
        drafts: recipe drafts by id.
        runs: the background runs.
        knowledge: the :class:`~recipe_copilot.knowledge.KnowledgeIndex` to search and to add
            finished runs to; None searches :func:`~recipe_copilot.knowledge.default_index`
            and indexes nothing.

    Example:
        >>> ctx = ToolContext.open("my-project")  # doctest: +SKIP
        >>> inspect_dataset(ctx, InspectDatasetRequest(path="data/web.jsonl")).fields  # doctest: +SKIP
    """

    workspace: Workspace
    drafts: DraftStore
    runs: RunManager
    knowledge: Any = None
    #: memoised sample stats (profile_dataset / suggest_thresholds / propose_recipe share them)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: str | os.PathLike, *, knowledge: Any = None, keep_drafts: bool = True,
             max_active_runs: int = 1) -> ToolContext:
        """A context for the workspace at ``root``.

        Args:
            root: the workspace folder (must exist).
            knowledge: the knowledge index (see the class docs).
            keep_drafts: keep drafts as JSON under ``<root>/.copilot/drafts`` (else in memory).
            max_active_runs: how many background runs may go at once.

        Raises:
            WorkspacePathError: ``root`` is not an existing folder.
        """
        ws = Workspace(root)
        drafts = DraftStore(ws.state_dir / "drafts" if keep_drafts else None)
        return cls(ws, drafts, RunManager(ws, knowledge=knowledge, max_active=max_active_runs), knowledge)

    def knowledge_index(self) -> Any:
        """The index to search: the one given, else the default one of the ``COPILOT_*`` settings."""
        if self.knowledge is not None:
            return self.knowledge
        return knowledge_module().default_index()


def knowledge_module() -> Any:
    """The ``recipe_copilot.knowledge`` package, imported on first use.

    Raises:
        KnowledgeUnavailableError: its packages (the ``knowledge`` extra) are not installed.
    """
    try:
        import recipe_copilot.knowledge as knowledge
    except ImportError as exc:
        msg = f"the knowledge index needs the package {exc.name!r}, which is not installed"
        raise KnowledgeUnavailableError(msg, hint="pip install 'recipe-copilot[knowledge]'") from None
    return knowledge
