"""frequency_specified_field_selector: keep the samples whose field value is among the most frequent."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.fields import FieldSelector, selection_size


class FrequencySpecifiedFieldSelector(FieldSelector):
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

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order: group by group, largest group first."""
        n, p = len(keys), self.params
        if n <= 1 or not p.field_key:
            return np.arange(n)
        self.check_scalars(keys)
        groups: dict = {}
        for i, value in enumerate(keys):
            groups.setdefault(value, []).append(i)
        if not (p.top_ratio or p.topk):
            return np.arange(n)
        size = selection_size(p.top_ratio, p.topk, len(groups))
        ranked = sorted(groups.values(), key=len, reverse=p.reverse)[:size]
        return np.fromiter((i for rows in ranked for i in rows), dtype=np.int64)
