"""specified_numeric_field_filter: keep samples whose numeric field value is in range."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recipe_copilot.engine.ops.base import BIG, FilterParams
from recipe_copilot.engine.ops.common.fields import FieldValueFilter
from recipe_copilot.engine.sample import SampleBatch


class SpecifiedNumericFieldFilter(FieldValueFilter):
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

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        numbers = [_number(v) for v in self.values(batch)]
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
