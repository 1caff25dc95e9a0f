"""Load a sentencepiece model from disk (a path, or Data-Juicer's local model folders); never download."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from recipe_copilot.engine.errors import MissingDependencyError, ParamError

__all__ = ["load_sentencepiece", "model_places"]


def model_places(name: str) -> list[Path]:
    """Where a model named ``name`` may lie: the name as a path, then Data-Juicer's model folders.

    The folders are ``$DATA_JUICER_EXTERNAL_MODELS_HOME`` (a path list) and
    ``$DATA_JUICER_MODELS_CACHE`` (by default ``~/.cache/data_juicer/models``).
    """
    cache = Path(os.getenv("DATA_JUICER_CACHE_HOME", Path(os.getenv("CACHE_HOME", "~/.cache")) / "data_juicer"))
    places = [Path(name)]
    places += [Path(d) / name for d in os.getenv("DATA_JUICER_EXTERNAL_MODELS_HOME", "").split(os.pathsep) if d]
    places.append(Path(os.getenv("DATA_JUICER_MODELS_CACHE", cache / "models")).expanduser() / name)
    return places


def load_sentencepiece(name: str, *, needed_by: str) -> Callable[[str], list[str]]:
    """The piece splitter of a local sentencepiece model; a clear error if it is not on disk."""
    try:
        import sentencepiece
    except ImportError:
        package = "sentencepiece"
        raise MissingDependencyError(package, needed_by=needed_by) from None
    places = model_places(name)
    for path in places:
        if path.is_file():
            return sentencepiece.SentencePieceProcessor(model_file=str(path)).encode_as_pieces
    looked = ", ".join(str(p) for p in places)
    msg = (
        f"{needed_by}: sentencepiece model {name!r} not found (looked in {looked}); this engine "
        "does not download models: download it and give its path"
    )
    raise ParamError(msg)
