"""topk_specified_field_selector: keep the samples with the largest (or smallest) field values."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.expression import extreme_indices, to_number
from recipe_copilot.engine.ops.common.fields import FieldSelector, selection_size
from recipe_copilot.engine.sample import SampleBatch


class TopkSpecifiedFieldSelector(FieldSelector):
    """Keep the ``topk`` samples (or the ``top_ratio`` share) with the largest ``field_key`` values.

    ``reverse: false`` keeps the smallest instead. With both limits the smaller count wins; a
    ratio of 0 counts as unset and with no limit every sample stays. Ties go to the earlier
    sample. A dotted key (``meta.score``, ``__dj__stats__.text_len``) reads numbers the
    Data-Juicer way: numeric strings parsed, lists averaged, anything else last. A plain key
    compares raw values, so a missing value there is an error, as in Data-Juicer.
    Kept samples come out best first, as in Data-Juicer.

    Example:
        ``- topk_specified_field_selector: {field_key: meta.score, topk: 2}`` on scores
        ``3, 9, 5`` keeps the samples scored 9 and 5.
    """

    class Params(OpParams):
        field_key: str = Field("", description="Field to rank by; dots reach into nested dicts (meta.score).")
        top_ratio: float | None = Field(None, ge=0, le=1, description="Share of samples to keep.")
        topk: int | None = Field(None, gt=0, description="Number of samples to keep.")
        reverse: bool = Field(True, description="Keep the largest values (false: the smallest).")

    def keys_batch(self, batch: SampleBatch) -> list:
        values = super().keys_batch(batch)
        if "." not in self.params.field_key:  # a plain key compares raw values
            return values
        reverse = self.params.reverse
        return [to_number(v, reverse) for v in values]

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order: best value first, ties by row."""
        n, p = len(keys), self.params
        if n <= 1 or not p.field_key or not (p.top_ratio or p.topk):
            return np.arange(n)
        try:
            return extreme_indices(list(keys), selection_size(p.top_ratio, p.topk, n), largest=p.reverse)
        except TypeError as exc:
            msg = f"{self.name}: values of field {p.field_key!r} cannot be ranked ({exc}); Data-Juicer fails here too"
            raise TypeError(msg) from None
