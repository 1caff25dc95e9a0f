"""Eval tasks: one YAML file each, under ``evals/suites/<suite>/``.

A task is what a user says (one or more turns), the data it works on (generated, seeded), and
the checks its outcome must pass. Checks are declarative (see :mod:`evals.checkers`), so a task
file says *what* counts as success, never how the copilot should get there.

Example task::

    id: build-01
    turns:
      - say: clean this for pretraining, drop docs under 50 words, remove e-mails
    data: {clean: 120, defects: {pii: 10}}
    checks:
      - ops_present: [words_num_filter, clean_email_mapper]
      - probe: {op: words_num_filter, words: 49, expect: dropped}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from evals.data import DataSpec

__all__ = ["SUITES", "SUITES_DIR", "Task", "TaskError", "Turn", "load_tasks"]

SUITES_DIR = Path(__file__).resolve().parent / "suites"
#: the suites, in the order they are run and reported
SUITES = ("retrieval", "build", "edit", "outcome", "reporting", "safety")


class TaskError(ValueError):
    """A task file that cannot be used (the message names the file and the problem)."""


class Turn(BaseModel):
    """One user message."""

    say: str = Field(min_length=1)
    #: the user consents to a full run in this turn (``--yes``)
    confirm: bool = False
    #: a dataset path given with the message (default: the task's data, on the first turn)
    data: str | None = None


class Task(BaseModel):
    """One eval task."""

    model_config = {"extra": "forbid"}

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    suite: Literal["retrieval", "build", "edit", "outcome", "reporting", "safety"] = "build"
    about: str = Field("", description="What the task tests, for the report.")
    #: what the user says, turn by turn (retrieval tasks have none: they search)
    turns: list[Turn] = Field(default_factory=list)
    #: retrieval: the need searched for
    search: str | None = None
    data: DataSpec | None = None
    seed: int = 0
    checks: list[dict[str, Any]] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Task:
        if self.suite == "retrieval" and not self.search:
            msg = "a retrieval task needs `search`"
            raise ValueError(msg)
        if self.suite != "retrieval" and not self.turns:
            msg = "a task needs at least one turn"
            raise ValueError(msg)
        return self


def _turns(raw: Any) -> Any:
    """Turns may be written as plain strings."""
    if isinstance(raw, dict) and isinstance(raw.get("turns"), list):
        raw["turns"] = [{"say": t} if isinstance(t, str) else t for t in raw["turns"]]
    return raw


def load_tasks(suites: list[str] | None = None, root: Path = SUITES_DIR) -> list[Task]:
    """The tasks of ``suites`` (all when None), in suite order then file name order.

    Raises:
        TaskError: an unknown suite, or a task file that does not parse or validate.
    """
    from evals.checkers import validate_checks

    wanted = list(suites or SUITES)
    unknown = [s for s in wanted if s not in SUITES]
    if unknown:
        msg = f"unknown suite(s) {unknown}; the suites are {list(SUITES)}"
        raise TaskError(msg)
    tasks = []
    for suite in wanted:
        for path in sorted((root / suite).glob("*.yaml")):
            try:
                raw = _turns(yaml.safe_load(path.read_text(encoding="utf-8")))
                task = Task.model_validate({"suite": suite, **raw})
                validate_checks(task.checks)
            except (yaml.YAMLError, ValidationError, ValueError, TypeError) as exc:
                msg = f"{path}: {exc}"
                raise TaskError(msg) from None
            tasks.append(task)
    return tasks
