"""token_num_filter: keep samples whose number of tokens is in range."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.tokenization import PYTHIA, token_counter
from recipe_copilot.engine.sample import SampleBatch


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
        hf_tokenizer: str = Field(PYTHIA, description="Tokenizer: Hugging Face id or local folder.")
        min_num: int = Field(10, description="Minimum number of tokens.")
        max_num: int = Field(BIG, description="Maximum number of tokens.")

    stat_key = "num_token"
    requires = ("llama_cpp",)
    extra = "lm"
    cost = 3.0

    def setup(self) -> None:
        self._count = token_counter(self.params.hf_tokenizer, f"op {self.name!r}")

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list[int]:
        texts = batch.column(self.text_key)
        return self._count(texts if len(rows) == len(texts) else [texts[i] for i in rows])

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_num, self.params.max_num)
