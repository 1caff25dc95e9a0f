"""random_selector: keep a random subset of the samples (Data-Juicer's fixed seed, 42)."""

from __future__ import annotations

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from recipe_copilot.engine.ops.base import OpParams, Selector
from recipe_copilot.engine.sample import SampleBatch

#: Data-Juicer shuffles with this seed, so its choice is reproducible and so is ours
SEED = 42


class RandomSelector(Selector):
    """Keep ``select_num`` samples, or the ``select_ratio`` share, chosen at random.

    With both set the smaller count wins; with neither every sample stays. The choice is the
    one Data-Juicer makes: the first samples of a shuffle seeded with 42, so the same input
    gives the same subset. Data-Juicer quirks kept: a ratio that rounds down to 0 samples
    keeps everything. Kept samples come out in
    the shuffled order, and asking for more samples than there are repeats them past n, as in
    Data-Juicer.

    Example:
        ``- random_selector: {select_num: 3}`` on samples ``0..6`` keeps samples 2, 3 and 6,
        on every run.
    """

    class Params(OpParams):
        select_ratio: float | None = Field(None, ge=0, le=1, description="Share of samples to keep.")
        select_num: int | None = Field(None, gt=0, validate_default=True, description="Number of samples to keep.")

        @field_validator("select_num")
        @classmethod
        def _count_known(cls, value: int | None, info: ValidationInfo) -> int | None:
            if value is None and info.data.get("select_ratio") == 0:
                msg = "select_ratio 0 needs select_num (Data-Juicer fails without it)"
                raise ValueError(msg)
            return value

    cost = 0.1

    def keys_batch(self, batch: SampleBatch) -> list:
        return [None] * len(batch)

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order: the head of the shuffle (cycled past n)."""
        n, p = len(keys), self.params
        if n <= 1 or (p.select_ratio is None and p.select_num is None):
            return np.arange(n)
        if not p.select_ratio:
            count = p.select_num or 0
        else:
            count = int(p.select_ratio * n)
            if p.select_num and p.select_num < count:
                count = p.select_num
        if count <= 0 or count == n:
            return np.arange(n)
        return np.resize(np.random.default_rng(SEED).permutation(n), count)
