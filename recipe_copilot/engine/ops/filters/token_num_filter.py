"""token_num_filter: keep samples whose number of tokens is in range."""

from __future__ import annotations

import logging
from collections.abc import Callable

from pydantic import Field

from recipe_copilot.engine.errors import MissingDependencyError
from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.smollm import load_llama
from recipe_copilot.engine.ops.common.spmodel import model_places
from recipe_copilot.engine.sample import SampleBatch

log = logging.getLogger(__name__)
_BATCH = 128  # texts per call of a Hugging Face tokenizer
_warned: set[str] = set()


def _hub_cached(name: str) -> str | None:
    """``name`` if it is a Hugging Face id whose tokenizer is in the local hub cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(name, "tokenizer_config.json")
    except ValueError:  # not a valid repo id
        return None
    return name if isinstance(found, str) else None


class TokenNumFilter(Filter):
    """Keep samples with between min_num and max_num tokens (special tokens not added).

    ``hf_tokenizer`` may be a local tokenizer folder, or a Hugging Face id that is in the local
    cache or Data-Juicer's model folders. Nothing is downloaded: for an id that is not on disk
    (the default pythia tokenizer, usually) the byte-level BPE tokenizer of the bundled
    SmolLM2-135M stands in, with one warning; its counts are close to, not equal to, pythia's
    (see docs/model_ops.md).

    Stat: ``num_token``.

    Example:
        ``- token_num_filter: {min_num: 3}`` keeps ``"Data cleaning matters a lot."`` and drops ``"Hi"``.
    """

    class Params(FilterParams):
        hf_tokenizer: str = Field("EleutherAI/pythia-6.9b-deduped", description="Tokenizer: Hugging Face id or local folder.")
        min_num: int = Field(10, description="Minimum number of tokens.")
        max_num: int = Field(BIG, description="Maximum number of tokens.")

    stat_key = "num_token"
    requires = ("llama_cpp",)
    extra = "lm"
    cost = 3.0

    def setup(self) -> None:
        self._count = self._hf_counter() or self._bundled_counter()

    def _hf_counter(self) -> Callable[[list[str]], list[int]] | None:
        name = self.params.hf_tokenizer
        where = next((str(p) for p in model_places(name) if p.is_dir()), None) or _hub_cached(name)
        if where is None:
            if name not in _warned:
                _warned.add(name)
                log.warning("token_num_filter: tokenizer %r is not on disk and is not downloaded; counting "
                            "tokens with the bundled SmolLM2-135M tokenizer instead", name)
            return None
        try:
            from transformers import AutoTokenizer
        except ImportError:
            msg = "transformers"
            raise MissingDependencyError(msg, needed_by=f"op {self.name!r}", extra="knowledge") from None
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=True)

        def count(texts: list[str]) -> list[int]:
            return [len(ids) for s in range(0, len(texts), _BATCH)
                    for ids in tokenizer(texts[s : s + _BATCH], add_special_tokens=False)["input_ids"]]
        return count

    def _bundled_counter(self) -> Callable[[list[str]], list[int]]:
        tokenize = load_llama(f"op {self.name!r}", vocab_only=True).tokenize
        return lambda texts: [len(tokenize(t.encode(), add_bos=False, special=True)) for t in texts]

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[int]:
        texts = batch.column(self.text_key)
        return self._count(texts if len(rows) == len(texts) else [texts[i] for i in rows])

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_num, self.params.max_num)
