"""frequency_specified_field_selector: keep the samples whose field value is among the most frequent."""

from __future__ import annotations

import numbers

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams, Selector
from recipe_copilot.engine.ops.common.expression import field_column
from recipe_copilot.engine.sample import SampleBatch

#: the value types Data-Juicer accepts here (any other number is checked the slow way)
_SCALARS = frozenset({str, int, float, bool, type(None)})


class FrequencySpecifiedFieldSelector(Selector):
    """Keep the samples whose ``field_key`` value is one of the most frequent values.

    Samples are grouped by value (a missing field is the value ``None``); the ``topk`` largest
    groups (or ``top_ratio`` of the number of distinct values, the smaller of the two when
    both are set) stay. ``reverse: false`` keeps the rarest. Groups of equal size rank in
    order of first appearance. Values must be strings, numbers or None. Kept samples come
    out group by group, largest first, as in Data-Juicer.

    Example:
        ``- frequency_specified_field_selector: {field_key: meta.lang, topk: 1}`` on langs
        ``en, zh, en`` keeps the two ``en`` samples.
    """

    class Params(OpParams):
        field_key: str = Field("", description="Field to count values of; dots reach into nested dicts (meta.lang).")
        top_ratio: float | None = Field(None, ge=0, le=1, description="Share of distinct values to keep.")
        topk: int | None = Field(None, gt=0, description="Number of distinct values to keep.")
        reverse: bool = Field(True, description="Keep the most frequent values (false: the rarest).")

    cost = 0.1

    def keys_batch(self, batch: SampleBatch) -> list:
        if not self.params.field_key:
            return [None] * len(batch)
        return list(field_column(batch, self.params.field_key))

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order: group by group, largest group first."""
        n, p = len(keys), self.params
        if n <= 1 or not p.field_key:
            return np.arange(n)
        groups: dict = {}
        for i, value in enumerate(keys):
            if type(value) not in _SCALARS and not isinstance(value, numbers.Number):
                msg = f"{self.name}: sample {i} has {type(value).__name__} in {p.field_key!r}, expected str, number or None"
                raise TypeError(msg)
            groups.setdefault(value, []).append(i)
        if not (p.top_ratio or p.topk):
            return np.arange(n)
        count = p.top_ratio * len(groups) if p.top_ratio else p.topk
        if p.top_ratio and p.topk and p.topk < count:
            count = p.topk
        ranked = sorted(groups.values(), key=len, reverse=p.reverse)[: int(count)]
        return np.fromiter((i for rows in ranked for i in rows), dtype=np.int64)
