"""Where the knowledge index lives: the user's data dir (embedded Chroma) or a Chroma server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_COLLECTION", "KnowledgeSettings", "default_data_dir"]

DEFAULT_COLLECTION = "recipe-copilot-knowledge"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/recipe-copilot`` or ``~/.local/share/recipe-copilot`` (platformdirs' choice on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "recipe-copilot"


class KnowledgeSettings(BaseSettings):
    """Settings of the knowledge index, read from ``COPILOT_*`` environment variables.

    Example:
        ``COPILOT_CHROMA_URL=http://127.0.0.1:8000 copilot index`` indexes into a Chroma server;
        without it the index is an embedded Chroma store under ``COPILOT_DATA_DIR``.
    """

    model_config = SettingsConfigDict(env_prefix="COPILOT_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder of the embedded Chroma store.")
    chroma_url: str | None = Field(None, description="URL of a Chroma server (e.g. http://127.0.0.1:8000); unset: embedded.")
    chroma_collection: str = Field(DEFAULT_COLLECTION, description="Name of the Chroma collection.")
    runs_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders searched for <work_dir>/runs/<run_id>/run.json (env: paths separated by os.pathsep).",
    )

    @field_validator("chroma_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("runs_dirs", mode="before")
    @classmethod
    def _split_paths(cls, v: object) -> object:
        if isinstance(v, str):
            return [p for p in v.split(os.pathsep) if p.strip()]
        return v

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded (persistent) Chroma store."""
        return self.data_dir / "chroma"
