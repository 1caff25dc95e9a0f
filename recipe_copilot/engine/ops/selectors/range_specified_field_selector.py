"""range_specified_field_selector: keep the samples whose field value ranks within a range."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams, Selector
from recipe_copilot.engine.ops.common.expression import extreme_indices, field_column, to_number
from recipe_copilot.engine.sample import SampleBatch


class RangeSpecifiedFieldSelector(Selector):
    """Keep the samples ranked (ascending by ``field_key``) between a lower and an upper bound.

    Bounds are ranks or percentiles of the sample count: the lower bound is the larger of
    ``lower_rank`` and ``int(lower_percentile * n)``, the upper the smaller of ``upper_rank``
    and ``int(upper_percentile * n)``; the samples ranked in (lower, upper] stay. Both a
    lower and an upper bound are needed, else every sample stays. Values are read as numbers
    (numeric strings parsed, lists averaged, anything else ranks first). Ties are broken as
    Data-Juicer's two-pass heap selection does. Kept samples come out by
    descending value, as in Data-Juicer.

    Example:
        ``- range_specified_field_selector: {field_key: meta.score, lower_rank: 1, upper_rank: 3}``
        on scores ``4, 1, 3, 2`` keeps the samples scored 2 and 3.
    """

    class Params(OpParams):
        field_key: str = Field("", description="Field to rank by; dots reach into nested dicts (meta.score).")
        lower_percentile: float | None = Field(None, ge=0, le=1, description="Lower bound as a share of samples.")
        upper_percentile: float | None = Field(None, ge=0, le=1, description="Upper bound as a share of samples.")
        lower_rank: int | None = Field(None, gt=0, description="Lower bound as a rank.")
        upper_rank: int | None = Field(None, gt=0, description="Upper bound as a rank.")

    cost = 0.1

    def keys_batch(self, batch: SampleBatch) -> list:
        if not self.params.field_key:
            return [None] * len(batch)
        return [to_number(v) for v in field_column(batch, self.params.field_key)]

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order: largest value first."""
        n, p = len(keys), self.params
        no_lower = p.lower_percentile is None and p.lower_rank is None
        if n <= 1 or not p.field_key or no_lower or (p.upper_percentile is None and p.upper_rank is None):
            return np.arange(n)
        lower = 0 if p.lower_percentile is None else int(p.lower_percentile * n)
        if p.lower_rank is not None:
            lower = max(lower, p.lower_rank)
        upper = n if p.upper_percentile is None else int(p.upper_percentile * n)
        if p.upper_rank is not None:
            upper = min(upper, p.upper_rank)
        upper = max(lower, upper)
        values = list(keys)
        first = extreme_indices(values, upper, largest=False)  # the `upper` smallest, ascending
        second = extreme_indices([values[i] for i in first], upper - lower, largest=True)
        return first[second]
