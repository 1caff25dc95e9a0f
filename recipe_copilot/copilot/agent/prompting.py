"""Prompts are data: ``recipe_copilot/copilot/prompts/*.yaml|md``, read once and filled with ``str.format``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["agent_prompt", "guided_prompt"]

_PACKAGE = "recipe_copilot.copilot"


def _read(name: str) -> str:
    return resources.files(_PACKAGE).joinpath("prompts", name).read_text(encoding="utf-8")


@cache
def _guided() -> dict[str, str]:
    return dict(yaml.safe_load(_read("guided.yaml")))


def guided_prompt(key: str, **values: Any) -> str:
    """The guided workflow's prompt ``key`` (from ``prompts/guided.yaml``), filled with ``values``."""
    return _guided()[key].format(**values)


def agent_prompt(**values: Any) -> str:
    """The free agent's system prompt (``prompts/agent.md``), filled with ``values``."""
    return _read("agent.md").format(**values)
