"""Tokenizers for Data-Juicer's ``tokenization`` options and token counts, offline.

Data-Juicer downloads them at run time: a sentencepiece model ``<lang>.sp.model`` for the
word-based filters (words_num_filter, word_repetition_filter) and the Hugging Face tokenizer
``EleutherAI/pythia-6.9b-deduped`` for token counts (token_num_filter, alphanumeric_filter's
``tokenization``). This engine never downloads: a model already on disk (a path, Data-Juicer's
model folders, or the local Hugging Face cache) is used as Data-Juicer uses it, with identical
results; otherwise the tokenizer of the bundled SmolLM2-135M (a byte-level BPE, like Pythia's)
stands in, with one warning. docs/model_ops.md says how its counts differ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pydantic import Field

from recipe_copilot.engine.errors import MissingDependencyError, ParamError
from recipe_copilot.engine.ops.base import FilterParams
from recipe_copilot.engine.ops.common.smollm import load_llama
from recipe_copilot.engine.ops.common.spmodel import load_sentencepiece, model_places

__all__ = ["PYTHIA", "WordSplitParams", "token_counter", "token_pieces", "word_pieces", "word_splitter"]

log = logging.getLogger(__name__)

#: Data-Juicer's default Hugging Face tokenizer for token counts
PYTHIA = "EleutherAI/pythia-6.9b-deduped"
_BATCH = 128  # texts per call of a Hugging Face tokenizer
_warned: set[str] = set()


class WordSplitParams(FilterParams):
    """``lang`` and ``tokenization``, the first parameters of Data-Juicer's word-based filters."""

    lang: str = Field("en", description="Language of the samples (picks the sentencepiece model).")
    tokenization: bool = Field(
        False, description="Split words with the sentencepiece model <lang>.sp.model (if on disk; else the bundled "
                           "SmolLM2 tokenizer) instead of on whitespace.")


def word_splitter(params: WordSplitParams, needed_by: str) -> tuple[Callable[[str], list[str]] | None, str | None]:
    """(splitter, id) for an op's word split: :func:`word_pieces` with ``tokenization``, else (None, None)
    (the whitespace split)."""
    return word_pieces(params.lang, needed_by) if params.tokenization else (None, None)


def _warn_once(what: str, instead: str) -> None:
    if what not in _warned:
        _warned.add(what)
        log.warning("%s is not on disk and is never downloaded; using %s instead", what, instead)


def _hub_cached(name: str) -> str | None:
    """``name`` if it is a Hugging Face id whose tokenizer is in the local hub cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(name, "tokenizer_config.json")
    except Exception:  # not a valid repo id
        return None
    return name if isinstance(found, str) else None


def _hf_tokenizer(name: str, needed_by: str) -> object | None:
    where = next((str(p) for p in model_places(name) if p.is_dir()), None) or _hub_cached(name)
    if where is None:
        return None
    try:
        from transformers import AutoTokenizer
    except ImportError:
        package = "transformers"
        raise MissingDependencyError(package, needed_by=needed_by, extra="knowledge") from None
    return AutoTokenizer.from_pretrained(where, local_files_only=True)


def token_pieces(name: str, needed_by: str) -> Callable[[list[str]], list[list[str]]]:
    """The token strings of each text: Hugging Face ``tokenizer.tokenize`` of ``name`` if it is on
    disk, else the bundled SmolLM2's pieces."""
    tokenizer = _hf_tokenizer(name, needed_by)
    if tokenizer is not None:
        return lambda texts: [tokenizer.tokenize(t) for t in texts]  # type: ignore[attr-defined]
    _warn_once(f"tokenizer {name!r}", "the bundled SmolLM2-135M tokenizer")
    llm = load_llama(needed_by, vocab_only=True)

    def pieces(texts: list[str]) -> list[list[str]]:
        out = []
        for t in texts:
            ids = llm.tokenize(t.encode(), add_bos=False, special=True)
            out.append([llm.detokenize([i]).decode("utf-8", errors="replace") for i in ids])
        return out

    return pieces


def token_counter(name: str, needed_by: str) -> Callable[[list[str]], list[int]]:
    """The number of tokens of each text, with ``name``'s tokenizer if on disk, else the bundled one."""
    tokenizer = _hf_tokenizer(name, needed_by)
    if tokenizer is not None:
        def count(texts: list[str]) -> list[int]:
            return [len(ids) for s in range(0, len(texts), _BATCH)
                    for ids in tokenizer(texts[s : s + _BATCH], add_special_tokens=False)["input_ids"]]  # type: ignore[operator]
        return count
    _warn_once(f"tokenizer {name!r}", "the bundled SmolLM2-135M tokenizer")
    tokenize = load_llama(needed_by, vocab_only=True).tokenize
    return lambda texts: [len(tokenize(t.encode(), add_bos=False, special=True)) for t in texts]


def word_pieces(lang: str, needed_by: str) -> tuple[Callable[[str], list[str]], str]:
    """(splitter, id) of the ``tokenization: true`` word split: the sentencepiece model
    ``<lang>.sp.model`` when it is on disk, else the bundled SmolLM2's pieces, each with the
    leading space written as sentencepiece's ``▁``."""
    name = f"{lang}.sp.model"
    try:
        return load_sentencepiece(name, needed_by=needed_by), f"sp:{name}"
    except (ParamError, MissingDependencyError):  # no such model on disk, or no sentencepiece package
        pass
    _warn_once(f"sentencepiece model {name!r}", "the bundled SmolLM2-135M tokenizer's pieces")
    llm = load_llama(needed_by, vocab_only=True)

    def split(text: str) -> list[str]:
        ids = llm.tokenize(text.encode(), add_bos=False, special=False)
        return [llm.detokenize([i]).decode("utf-8", errors="replace").replace(" ", "\u2581") for i in ids]

    return split, "smollm2-pieces"
