"""Bases of the ops that read one sample field, ``field_key`` (specified_* filters, *_specified_field selectors)."""

from __future__ import annotations

import numbers

import numpy as np

from recipe_copilot.engine.ops.base import Filter, FilterParams, Selector
from recipe_copilot.engine.ops.common.expression import field_column
from recipe_copilot.engine.sample import STATS, SampleBatch

__all__ = ["FieldSelector", "FieldValueFilter", "selection_size"]

#: the value types Data-Juicer groups and matches (any other number is checked the slow way)
_SCALARS = frozenset({str, int, float, bool, type(None)})


class FieldValueFilter(Filter):
    """Keep samples by the value of ``field_key``; an op fills in ``keep_batch`` over :meth:`values`.

    The value is copied into the stats under the key ``field_key`` itself, and a stat already
    there is used instead of the field, as Data-Juicer does. An empty ``field_key`` is an
    error for every sample (Data-Juicer drops them all).
    """

    cost = 0.1
    reads_text = False

    @classmethod
    def reads_stats(cls, params: FilterParams) -> bool:
        return params.field_key.startswith(STATS + ".")  # type: ignore[attr-defined]

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        key = self.params.field_key
        if not key:
            msg = "field_key is empty: Data-Juicer drops every sample here; set field_key"
            raise ValueError(msg)
        rows = batch.missing_stat_rows(key)
        if rows:
            values = field_column(batch, key)
            batch.set_stat(key, [values[i] for i in rows], rows)

    def values(self, batch: SampleBatch) -> list:
        """The value of ``field_key`` of every row (from the stats)."""
        return batch.get_stat(self.params.field_key)


class FieldSelector(Selector):
    """Select samples by the value of ``field_key``: the keys are its raw values (all None
    without a ``field_key``). An op fills in ``output_order``."""

    cost = 0.1

    def keys_batch(self, batch: SampleBatch) -> list:
        key = self.params.field_key
        return list(field_column(batch, key)) if key else [None] * len(batch)

    def check_scalars(self, keys: list | np.ndarray) -> None:
        """Raise TypeError at the first value that is not a string, number or None."""
        if set(map(type, keys)) <= _SCALARS:
            return
        for i, value in enumerate(keys):
            if type(value) not in _SCALARS and not isinstance(value, numbers.Number):
                name, key = type(value).__name__, self.params.field_key
                msg = f"{self.name}: sample {i} has {name} in {key!r}, expected str, number or None"
                raise TypeError(msg)


def selection_size(top_ratio: float | None, topk: int | None, total: int) -> int:
    """How many to keep: ``top_ratio`` of ``total`` or ``topk``, the smaller when both are set
    (a ratio of 0 counts as unset). Call it only when one of them is set."""
    count = top_ratio * total if top_ratio else topk
    if top_ratio and topk and topk < count:
        count = topk
    return int(count)
