"""specified_numeric_field_filter: keep samples whose numeric field value is in range."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, Filter, FilterParams
from recipe_copilot.engine.ops.common.expression import field_column
from recipe_copilot.engine.sample import STATS, SampleBatch


class SpecifiedNumericFieldFilter(Filter):
    """Keep samples whose ``field_key`` value, read as a number, is in [min_value, max_value].

    Numbers and numeric strings (``"7"``, ``"1e3"``) count; anything else is dropped, and so
    are falsy values such as ``0``, ``""`` and a missing field (Data-Juicer's number test
    skips them). A list or dict value is an error for that sample. The value is copied into
    the stats under the key ``field_key`` itself.

    Example:
        ``- specified_numeric_field_filter: {field_key: meta.score, min_value: 2}`` keeps
        ``{"meta": {"score": "3.5"}}`` and drops ``{"meta": {"score": 1}}``.
    """

    class Params(FilterParams):
        field_key: str = Field("", description="Numeric field to test; dots reach into nested dicts (meta.score).")
        min_value: float = Field(-BIG, description="Smallest value kept.")
        max_value: float = Field(BIG, description="Largest value kept.")

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

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        numbers = [_number(v) for v in batch.get_stat(self.params.field_key)]
        ok = self.in_range([n for n in numbers if n is not None], self.params.min_value, self.params.max_value)
        verdicts = iter(ok)
        return [n is not None and next(verdicts) for n in numbers]


def _number(value: Any) -> float | None:
    """``float(value)`` where Data-Juicer's test takes it for a number, else None."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
