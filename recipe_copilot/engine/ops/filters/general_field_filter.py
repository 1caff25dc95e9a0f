"""general_field_filter: keep samples for which a condition over their fields holds."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.expression import Condition, field_column
from recipe_copilot.engine.sample import STATS, SampleBatch

_JSON_TYPES = (bool, int, float, str, list, dict, type(None))


class GeneralFieldFilter(Filter):
    """Keep samples for which ``filter_condition`` is true.

    The condition uses comparisons (chained too), ``in``/``not in``, ``and``/``or``/``not``,
    literals and field names; ``meta.lang`` reads a nested key and ``__dj__stats__.x`` a stat
    of an earlier filter. A comparison with a missing field is false (``not in`` is true).
    The result goes to stat ``general_field_filter_condition``; an empty condition keeps all.
    It is checked when the recipe is validated (see ``common/expression.py``).

    Example:
        ``- general_field_filter: {filter_condition: "10 < num <= 30 and meta.lang == 'en'"}``
        keeps ``{"num": 12, "meta": {"lang": "en"}}`` and drops ``{"num": 40, ...}``.
    """

    class Params(FilterParams):
        filter_condition: str = Field(
            "", description="Condition over sample fields, e.g. \"10 < num <= 30 and meta.lang == 'en'\"."
        )

        @field_validator("filter_condition")
        @classmethod
        def _parses(cls, value: str) -> str:
            if value:
                Condition(value)
            return value

    stat_key = "general_field_filter_condition"
    cost = 0.1
    reads_text = False

    @classmethod
    def reads_stats(cls, params: FilterParams) -> bool:
        source = params.filter_condition  # type: ignore[attr-defined]
        return bool(source) and STATS in Condition(source).fields

    def setup(self) -> None:
        source = self.params.filter_condition
        self._condition = Condition(source) if source else None

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        condition = self._condition
        rows = batch.missing_stat_rows(self.stat_key) if condition is not None else []
        if not rows:
            return
        columns = {name: field_column(batch, name) for name in condition.fields}  # type: ignore[union-attr]
        values = [condition({name: col[i] for name, col in columns.items()}) for i in rows]  # type: ignore[misc]
        batch.set_stat(self.stat_key, [_storable(v) for v in values], rows)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        results = batch.get_stat(self.stat_key)
        if self._condition is None:  # no condition: only a result carried in the input counts
            return [v is None or bool(v) for v in results]
        return [bool(v) for v in results]


def _storable(value: Any) -> Any:
    """The condition's result as a stat that exports to JSON, with the same truth value."""
    if isinstance(value, _JSON_TYPES):
        return value
    return list(value) if isinstance(value, tuple | set | frozenset) else bool(value)
